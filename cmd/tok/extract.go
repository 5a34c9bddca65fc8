package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"github.com/tokcli/tok/render"
)

// outputOptions choose what the one-shot prints of the answer instead of
// its rendered text: its code blocks, for scripts, or its markdown.
type outputOptions struct {
	Extract     bool // -x: the answer's fenced code blocks only
	ExtractLast bool // its last one only
	Raw         bool // the markdown as it came, even on a terminal
}

func addOutputFlags(f *pflag.FlagSet, o *outputOptions) {
	f.BoolVarP(&o.Extract, "extract", "x", false, "print only the answer's fenced code blocks, as written (dedented), a blank line between them, once it has ended: tok -x \"…\" | sh")
	f.BoolVar(&o.ExtractLast, "extract-last", false, "print only the answer's last fenced code block, as --extract does")
	f.BoolVar(&o.Raw, "raw", false, "print the answer's markdown as it comes, unrendered, even on a terminal")
}

// validate refuses two ways of printing the answer at once.
func (o *outputOptions) validate(events bool) error {
	var given []string
	for _, f := range []struct {
		set  bool
		name string
	}{{o.Extract, "--extract"}, {o.ExtractLast, "--extract-last"}, {o.Raw, "--raw"}, {events, "--events"}} {
		if f.set {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		return usageErrorf("%s and %s print the answer in two ways: give one", given[0], given[1])
	}
	return nil
}

// extracting reports whether the one-shot prints code blocks only.
func (o *outputOptions) extracting() bool { return o.Extract || o.ExtractLast }

// oneShotOnly reports whether an output flag was given, which the chat
// has no use for: with no prompt, tok asks for one rather than open it.
func (o *outputOptions) oneShotOnly() bool { return o.extracting() || o.Raw }

// extractor keeps the answer's text, with --extract, to print its code
// blocks once the answer has ended. It prints them at the end, not as
// each block closes: a script piped into sh then starts with the whole
// of what it will get, and one parse of the whole answer is the one the
// chat's Alt+Y makes (render.CodeBlocks). An answer is at most 16 MiB
// (client's limit), so keeping it is bounded.
type extractor struct {
	text  strings.Builder
	last  bool   // --extract-last
	saved *saver // where the answer is saved, for the hint (asked at the end)
}

// write prints the code blocks on w and returns how many. complete: the
// answer ended well, so a block the answer left open (the model forgot
// the closing fence) is whole; otherwise it is cut short, left out and
// said on note.
func (x *extractor) write(w io.Writer, complete bool, note func(string, ...any)) (int, error) {
	blocks := render.CodeBlocks(x.text.String())
	cut := false
	if n := len(blocks); n > 0 && !complete && !blocks[n-1].Closed {
		blocks, cut = blocks[:n-1], true
	}
	if x.last && len(blocks) > 1 {
		blocks = blocks[len(blocks)-1:]
	}
	if _, err := io.WriteString(w, render.JoinCode(blocks)); err != nil {
		return 0, fmt.Errorf("write stdout: %w", err)
	}
	if cut { // after the blocks, as the lines that say how the answer ended
		note("tok: the answer's last code block was cut short, so it is left out")
	}
	return len(blocks), nil
}

// noCodeError is an answer with no code block to extract: exit code 1.
type noCodeError struct {
	conv string // the conversation it is saved in, or ""
}

func (e noCodeError) Error() string {
	s := "the answer has no fenced code block to extract"
	if e.conv != "" {
		s += "; tok history show " + e.conv[:min(shortID, len(e.conv))] + " prints it"
	}
	return s
}

// conversationID is the saved conversation's id, or "" when the answer
// is not saved.
func (s *saver) conversationID() string {
	if s == nil {
		return ""
	}
	<-s.begun // the question is written alongside the request (newSaver)
	if s.rec == nil {
		return ""
	}
	return s.rec.ConversationID()
}

// code prints the extracted code blocks, with --extract, and returns
// how many (see extractor.write).
func (p *printer) code(complete bool) (int, error) {
	if p.extract == nil {
		return 0, nil
	}
	return p.extract.write(p.o.IO.Out, complete, p.note)
}

// savedIn names the conversation the answer is saved in, for the hint
// of an answer with no code block.
func (p *printer) savedIn(s *saver) {
	if p.extract != nil {
		p.extract.saved = s
	}
}
