package render_test

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/tokcli/tok/render"
)

func ExampleSanitize() {
	// A title change, a colour and a clipboard write (OSC 52).
	text := "\x1b]0;pwned\x07Hello, \x1b[31mworld\x1b[0m!\x1b]52;c;ZXZpbA==\x07\n"
	fmt.Printf("%q\n", render.Sanitize(text))
	// Output:
	// "Hello, world!\n"
}

func ExampleSanitizer() {
	// Text as it arrives from a stream: a sequence split across pieces
	// is removed all the same.
	pieces := []string{"Hello, \x1b[3", "1mworld\x1b", "[0m!\n"}
	var s render.Sanitizer
	for _, piece := range pieces {
		fmt.Printf("%q\n", s.Clean(piece))
	}
	fmt.Printf("%q\n", s.Flush())
	// Output:
	// "Hello, "
	// "world"
	// "!\n"
	// ""
}

func ExampleLine() {
	// A server's error message that tries to forge a line of tok's own.
	msg := "model overloaded\n\ntok: done\x1b[2J, try again later"
	fmt.Println(render.Line(msg, 0))
	fmt.Println(render.Line(msg, 20))
	// Output:
	// model overloaded tok: done, try again later
	// model overloaded tok…
}

func ExampleSafeJSON() {
	b, err := json.Marshal(map[string]string{"name": "evil\u009b2J\u202etxt"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(render.SafeJSON(b)))
	// Output:
	// {"name":"evil\u009b2J\u202etxt"}
}

// ExampleStream renders an answer that arrives a few bytes at a time.
// The stable lines never change, so they are printed once, as they come;
// the tail would be redrawn on every update. The rest of the final
// render follows at the end.
func ExampleStream() {
	// NoColor writes no escape sequences (and shows emphasis as it is
	// written), so the output can be shown here.
	style, err := render.Style(render.NoColor)
	if err != nil {
		log.Fatal(err)
	}
	answer := "# Plan\n\nFirst, **read** the file.\n\n- one\n- two\n\nDone.\n"
	md := render.New(style, 40)
	printed := 0
	for n := 4; n < len(answer); n += 4 {
		if err := md.Update(answer[:n]); err != nil {
			log.Fatal(err)
		}
		for _, line := range md.Stable()[printed:] {
			fmt.Println(strings.TrimRight(line, " "))
		}
		printed = len(md.Stable())
		_ = md.Tail() // the open block, drawn below the stable lines
	}
	final, err := md.Final(answer)
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(final, "\n"), "\n")
	fmt.Printf("(%d lines printed while streaming, the rest at the end:)\n", printed)
	for _, line := range lines[printed:] {
		fmt.Println(strings.TrimRight(line, " "))
	}
	// Output:
	// # Plan
	//
	//   First, **read** the file.
	//
	//   • one
	//   • two
	// (7 lines printed while streaming, the rest at the end:)
	//
	//   Done.
}

// ExampleNewLive draws an answer in place on the terminal, as tok's
// one-shot does: finished blocks go into the scrollback once, the open
// block is redrawn below them.
func ExampleNewLive() {
	style, err := render.Style(render.Dark)
	if err != nil {
		log.Fatal(err)
	}
	columns, rows := 100, 30 // the terminal's size
	live := render.NewLive(os.Stdout, style, render.Width(columns, 0), columns, rows)
	for _, token := range []string{"Hello, ", "**world**", "!\n"} {
		live.Add(token) // model text: sanitized by Add
	}
	if err := live.Finish(); err != nil {
		log.Fatal(err)
	}
}
