package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// threeBlocks is an answer with three fenced code blocks: one in a list
// item, one with ~~~ and a long line, one carrying an escape sequence.
const threeBlocks = "Do this:\n\n1. Count:\n   ```bash\n   wc -l *.go\n   ```\n2. Then:\n\n~~~python\nprint('" +
	"a line longer than any terminal is wide, kept on one line by --extract, never wrapped as the render wraps it')\n~~~\n\n" +
	"```sh\necho \x1b]52;c;cm0gLXJmIH4=\x07done\n```\n\nThat is all."

// tokens streams s in pieces of n bytes, then done.
func tokens(s string, n int) func(t *testing.T, s sse) {
	return func(t *testing.T, w sse) {
		for len(s) > 0 {
			k := min(n, len(s))
			w.token(s[:k])
			s = s[k:]
		}
		w.send(`data: {"type":"done"}` + "\n\n")
	}
}

func TestExtract(t *testing.T) {
	t.Parallel()
	all := "wc -l *.go\n\nprint('a line longer than any terminal is wide, kept on one line by --extract, never wrapped as the render wraps it')\n\necho done\n"
	tests := []struct {
		name     string
		handler  func(t *testing.T, s sse)
		args     []string
		wantOut  string
		wantErr  string // a substring of stderr; "" wants none
		wantCode int
	}{
		{"every block", tokens(threeBlocks, 7), []string{"--extract"}, all, "", 0},
		{"-x", tokens(threeBlocks, 3), []string{"-x"}, all, "", 0},
		{"the last block", tokens(threeBlocks, 5), []string{"--extract-last"}, "echo done\n", "", 0},
		{"no block", tokens("Just `inline` code and *prose*.", 4), []string{"--extract"}, "",
			"tok: the answer has no fenced code block to extract", 1},
		{"an answer that ends in an open fence", tokens("```sh\nls\n```\n\n```sh\necho open", 4), []string{"-x"}, "ls\n\necho open\n", "", 0},
		{"cut off mid-block", func(t *testing.T, s sse) {
			s.token("```sh\nls\n```\n\n```sh\nrm -r bu")
			hijackClose(t, s.w)
		}, []string{"-x"}, "ls\n", "tok: the answer's last code block was cut short, so it is left out\ntok: the stream was cut off", 1},
		{"cut off before any block closed", func(t *testing.T, s sse) {
			s.token("```sh\nrm -r bu")
			hijackClose(t, s.w)
		}, []string{"--extract-last"}, "", "tok: the stream was cut off", 1},
		{"at the token limit", func(t *testing.T, s sse) {
			s.send(`data: {"choices":[{"index":0,"delta":{"content":"` + "```sh\\nls\\n```\\n\\n```sh\\nrm -r bu" + `"}}]}` + "\n\n")
			s.send(`data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}` + "\n\ndata: [DONE]\n\n")
		}, []string{"-x"}, "ls\n", "the answer stopped at the token limit", 4},
		{"raw", tokens("# Title\n\n```go\nx\n```", 4), []string{"--raw"}, "# Title\n\n```go\nx\n```", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(s sse) { tt.handler(t, s) })
			r := runTok(t, "", append(tt.args, "--url", srv.URL, "q")...)
			if r.stdout != tt.wantOut {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.wantOut)
			}
			if r.code != tt.wantCode {
				t.Errorf("exit = %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantErr == "" && r.stderr != "" || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantErr)
			}
		})
	}
}

// TestExtractOnATerminal: on a terminal, --extract prints the blocks as
// in a pipe, and --raw the markdown, with no escape sequence (no render,
// no spinner, no cursor) and a final newline.
func TestExtractOnATerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--extract-last"}, "echo done\n"},
		{[]string{"--raw"}, "# Title\n\n```sh\necho done\n```\n"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(s sse) { tokens("# Title\n\n```sh\necho \x1b[31mdone\n```", 3)(t, s) })
			ios, out, errOut := testStreams("")
			ios.StdoutTTY = true
			ios.Size = func() (int, int) { return 30, 24 }
			code := execute(t.Context(), ios, append(tt.args, "--url", srv.URL, "hi"))
			if code != 0 || out.String() != tt.want {
				t.Errorf("exit %d, stdout %q, want %q (stderr %q)", code, out.String(), tt.want, errOut.String())
			}
		})
	}
}

func TestExtractUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--extract", "--raw", "q"}, "tok: --extract and --raw print the answer in two ways: give one"},
		{[]string{"-x", "--extract-last", "q"}, "tok: --extract and --extract-last print the answer in two ways: give one"},
		{[]string{"--events", "--raw", "q"}, "tok: --raw and --events print the answer in two ways: give one"},
	}
	for _, tt := range tests {
		r := runTok(t, "", tt.args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("tok %q: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
	// On a terminal with no prompt, an output flag asks for one rather
	// than open the chat.
	ios, _, errOut := testStreams("")
	ios.StdinTTY, ios.StdoutTTY = true, true
	if code := execute(t.Context(), ios, []string{"-x"}); code != 2 || !strings.Contains(errOut.String(), "nothing to ask") {
		t.Errorf("tok -x on a terminal: exit %d, stderr %q; want 2, nothing to ask", code, errOut.String())
	}
}

// TestExtractNoBlockNamesTheSavedAnswer: the line for an answer with no
// code block says where to read the answer.
func TestExtractNoBlockNamesTheSavedAnswer(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(s sse) { tokens("No code, sorry.", 5)(t, s) })
	r := runTokEnv(t, historyEnv(t), "", "-x", "--url", srv.URL, "q")
	if r.code != 1 || !regexp.MustCompile(`no fenced code block to extract; tok history show [0-9a-z]{8} prints it`).MatchString(r.stderr) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestExtractTranscript reads testdata/tok-code-blocks.sse, the answer
// the README's Alt+Y check replays: a fence indented in a list item, a
// line wider than any terminal, tabs, ~~~.
func TestExtractTranscript(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../testdata/tok-code-blocks.sse")
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, func(s sse) { s.send(string(b)) })
	r := runTok(t, "", "--extract", "--url", srv.URL, "q")
	want := "find . -name '*.go' -print0 | xargs -0 wc -l | tail -n 1\n\npackage main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n" +
		"func main() {\n\tfmt.Println(\"a line much longer than a hundred columns: the chat wraps it on screen, the clipboard must not\", len(os.Args))\n}\n\n" +
		"import pathlib\nprint(sum(len(p.read_text().splitlines()) for p in pathlib.Path(\".\").rglob(\"*.go\")))\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant\n%s", r.code, r.stderr, r.stdout, want)
	}
}

// TestOutputFlagsDoNotAskTheTerminal: with nothing to render, the
// one-shot does not ask the terminal for its background (the query puts
// it in raw mode while the answer prints).
func TestOutputFlagsDoNotAskTheTerminal(t *testing.T) {
	t.Parallel()
	for _, o := range []outputOptions{{Raw: true}, {Extract: true}, {ExtractLast: true}} {
		asked := false
		ios, _, _ := testStreams("")
		ios.StdoutTTY = true
		ios.DarkBackground = func() bool { asked = true; return true }
		opts := &rootOptions{IO: ios, outputOptions: o}
		<-opts.startBackgroundQuery() // the query, if made, has returned
		if asked {
			t.Errorf("%+v: the terminal was asked for its background", o)
		}
	}
}
