package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// editorScript writes a shell script that stands in for the user's
// editor or pager, and returns its path; log is a file it may write.
func editorScript(t *testing.T, body string) (script, log string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the editor runs through sh")
	}
	dir := t.TempDir()
	script, log = filepath.Join(dir, "editor.sh"), filepath.Join(dir, "log")
	body = strings.ReplaceAll(body, "$LOG", "'"+log+"'")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return script, log
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// runEditorTok runs tok with env and stdin (piped when not empty); the
// controlling terminal is tty's (nil: there is none).
func runEditorTok(t *testing.T, env map[string]string, stdin string, tty func() (*os.File, error), args ...string) result {
	t.Helper()
	return runTokWith(t, env, stdin, func(ios *ioStreams) { ios.OpenTTY = tty }, args...)
}

// devNullTTY stands in for the terminal, and counts its openings.
func devNullTTY(opened *int) func() (*os.File, error) {
	return func() (*os.File, error) {
		*opened++
		return os.OpenFile(os.DevNull, os.O_RDWR, 0)
	}
}

// lastUser is the text of the last user message of a tok-protocol
// request body.
func lastUser(t *testing.T, body string) string {
	t.Helper()
	var req struct {
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("request body %q: %v", body, err)
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return req.Messages[i].Content
		}
	}
	return ""
}

func TestOneShotEditor(t *testing.T) {
	t.Parallel()
	writes := `cat "$1" >> $LOG; printf 'from the editor\n' > "$1"`
	tests := []struct {
		name     string
		script   string // the editor's body
		visual   bool   // set as VISUAL, with EDITOR a program that fails
		flags    string // after the script's path in the variable
		stdin    string
		args     []string
		noTTY    bool
		wantUser string // the request's last user message; "" for no request
		wantLog  string // what the editor found in its file
		wantTTY  int    // openings of the controlling terminal
		wantErr  string
		wantCode int
	}{
		{name: "alone", script: writes, wantUser: "from the editor", wantTTY: 1},
		{name: "a prompt is the file's first text", script: writes, args: []string{"start", "here"},
			wantUser: "from the editor", wantLog: "start here", wantTTY: 1},
		{name: "stdin stays first", script: writes, stdin: "ctx\n", wantUser: "ctx\n\nfrom the editor", wantTTY: 1},
		{name: "VISUAL before EDITOR", script: writes, visual: true, wantUser: "from the editor", wantTTY: 1},
		{name: "arguments in the variable", script: `printf '%s|' "$@" > $LOG; printf 'x\n' > "$2"`,
			flags: " --wait", wantUser: "x", wantTTY: 1},
		{name: "empty file", script: `: > "$1"`, wantTTY: 1,
			wantErr: "tok: empty prompt, nothing sent: the editor's file was left empty (see tok --help)\n", wantCode: 2},
		{name: "empty file with stdin", script: `: > "$1"`, stdin: "ctx", wantTTY: 1,
			wantErr: "tok: empty prompt, nothing sent", wantCode: 2},
		{name: "editor fails", script: `printf 'never sent' > "$1"; exit 3`, wantTTY: 1,
			wantErr: "exited with status 3; nothing sent", wantCode: 2},
		{name: "no terminal", script: writes, noTTY: true, stdin: "ctx",
			wantErr: "tok: -E needs a terminal for the editor, and there is none (no terminal): give the prompt as arguments instead", wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bodies := make(chan string, 4)
			srv := serve(t, func(s sse) {
				bodies <- s.body
				s.token("ok")
				s.send("data: [DONE]\n\n")
			})
			script, log := editorScript(t, tt.script)
			env := map[string]string{"EDITOR": script + tt.flags}
			if tt.visual {
				env["VISUAL"], env["EDITOR"] = script, "false"
			}
			args := append([]string{"--no-save", "--url", srv.URL, "-E"}, tt.args...)
			opened := 0
			tty := devNullTTY(&opened)
			if tt.noTTY {
				tty = nil
			}
			r := runEditorTok(t, env, tt.stdin, tty, args...)
			srv.Close() // its handlers have returned
			close(bodies)
			var got []string
			for b := range bodies {
				got = append(got, b)
			}
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.wantCode, tt.wantErr)
			}
			switch {
			case tt.wantUser == "" && len(got) > 0:
				t.Errorf("a request was sent: %s", got[0])
			case tt.wantUser != "" && len(got) != 1:
				t.Fatalf("%d requests, want 1", len(got))
			case tt.wantUser != "":
				if u := lastUser(t, got[0]); u != tt.wantUser {
					t.Errorf("asked %q, want %q", u, tt.wantUser)
				}
			}
			if opened != tt.wantTTY {
				t.Errorf("the terminal was opened %d times, want %d", opened, tt.wantTTY)
			}
			if tt.wantLog != "" {
				if l := readLog(t, log); l != tt.wantLog {
					t.Errorf("the editor's file held %q, want %q", l, tt.wantLog)
				}
			}
			if tt.flags != "" {
				if l := readLog(t, log); !strings.HasPrefix(l, "--wait|") || !strings.HasSuffix(l, ".md|") {
					t.Errorf("the editor's arguments = %q, want --wait and the file", l)
				}
			}
		})
	}
}

// TestEditTextFile: the editor's file is the user's alone, named .md,
// and gone afterwards.
func TestEditTextFile(t *testing.T) {
	t.Parallel()
	script, log := editorScript(t, `printf '%s\n' "$1" > $LOG; ls -l "$1" | cut -c1-10 >> $LOG; printf 'edited' > "$1"`)
	got, err := editText(script, "draft", nil, nil, nil)
	if err != nil || got != "edited" {
		t.Fatalf("editText = %q, %v; want the editor's text", got, err)
	}
	lines := strings.Split(strings.TrimSpace(readLog(t, log)), "\n")
	if len(lines) != 2 {
		t.Fatalf("the editor logged %q", lines)
	}
	if path := lines[0]; !strings.HasSuffix(path, ".md") {
		t.Errorf("the file is %q, want a .md name", path)
	} else if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file %s is still there (%v)", path, err)
	}
	if lines[1] != "-rw-------" {
		t.Errorf("the file's mode is %s, want -rw-------", lines[1])
	}
}

// TestShellCommandPassesArgumentsUnparsed: the file's path reaches the
// program as it is, whatever it holds.
func TestShellCommandPassesArgumentsUnparsed(t *testing.T) {
	t.Parallel()
	script, log := editorScript(t, `printf '%s|' "$@" > $LOG`)
	odd := `a b $(touch pwned) "q" 'x' ; y`
	c := shellCommand(script+" --flag", odd)
	c.Dir = t.TempDir()
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := readLog(t, log), "--flag|"+odd+"|"; got != want {
		t.Errorf("arguments = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "pwned")); err == nil {
		t.Error("the shell ran a command from the argument")
	}
}

func TestPageText(t *testing.T) {
	t.Parallel()
	script, log := editorScript(t, `cat > $LOG`)
	if err := pageText(script, "# the answer\n", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, log); got != "# the answer\n" {
		t.Errorf("the pager read %q", got)
	}
	if err := pageText("exit 2;", "x", nil, nil); err == nil || err.Error() != "exit exited with status 2" {
		t.Errorf("a failing pager: %v", err)
	}
}

func TestProgramsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env          map[string]string
		editor, page string
	}{
		{map[string]string{}, "vi", "less -R"},
		{map[string]string{"EDITOR": "nano", "PAGER": "most"}, "nano", "most"},
		{map[string]string{"VISUAL": "code --wait", "EDITOR": "nano"}, "code --wait", "less -R"},
		{map[string]string{"VISUAL": " ", "EDITOR": "nano", "PAGER": " "}, "nano", "less -R"},
	}
	for _, tt := range tests {
		env := func(k string) string { return tt.env[k] }
		if got := editorProgram(env); got != tt.editor {
			t.Errorf("editor with %v = %q, want %q", tt.env, got, tt.editor)
		}
		if got := pagerProgram(env); got != tt.page {
			t.Errorf("pager with %v = %q, want %q", tt.env, got, tt.page)
		}
	}
}
