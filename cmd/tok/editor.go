package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tui"
)

// The user's programs: the editor that writes a prompt (tok -E, the
// chat's Ctrl+G) and the pager that shows an answer (the chat's Ctrl+O).
// A variable may hold arguments ("code --wait"); it is run by the shell,
// as git runs GIT_EDITOR, with the file as a positional argument that the
// shell never parses.

// editorProgram is $VISUAL, else $EDITOR, else vi.
func editorProgram(env func(string) string) string {
	for _, k := range []string{"VISUAL", "EDITOR"} {
		if v := strings.TrimSpace(env(k)); v != "" {
			return v
		}
	}
	return "vi"
}

// pagerProgram is $PAGER, else less -R.
func pagerProgram(env func(string) string) string {
	if v := strings.TrimSpace(env("PAGER")); v != "" {
		return v
	}
	return "less -R"
}

// shellCommand runs prog with args: sh -c 'prog "$@"', so that prog may
// hold arguments and args reach it unparsed. Windows has no sh: prog is
// split on spaces.
func shellCommand(prog string, args ...string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		f := strings.Fields(prog)
		return exec.Command(f[0], append(f[1:], args...)...)
	}
	return exec.Command("sh", append([]string{"-c", prog + ` "$@"`, prog}, args...)...)
}

// programName is the program's first word, for messages.
func programName(prog string) string {
	if f := strings.Fields(prog); len(f) > 0 {
		return render.Line(f[0], 80)
	}
	return "?"
}

// editText has editor edit text in a temporary file (readable by the
// user alone, named *.md so that editors highlight markdown, removed
// afterwards) on the terminal in/out, and returns what it saved. An
// editor that exits non-zero, or cannot be started, is an error; so is
// a file over maxPrompt.
func editText(editor, text string, in io.Reader, out, errOut io.Writer) (string, error) {
	f, err := os.CreateTemp("", "tok-*.md") // 0600
	if err != nil {
		return "", fmt.Errorf("make the editor's file: %w", err)
	}
	path := f.Name()
	defer os.Remove(path)
	_, err = io.WriteString(f, text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write the editor's file: %w", err)
	}
	c := shellCommand(editor, path)
	c.Stdin, c.Stdout, c.Stderr = in, out, errOut
	if err := c.Run(); err != nil {
		return "", programError(editor, err)
	}
	return readEdited(path)
}

// readEdited reads the file the editor saved, at most maxPrompt.
func readEdited(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the editor's file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPrompt+1))
	if err != nil {
		return "", fmt.Errorf("read the editor's file: %w", err)
	}
	if len(b) > maxPrompt {
		return "", errors.New("the editor's text is over 8 MiB, more than any model reads")
	}
	return string(b), nil
}

// pageText shows text in pager, on its stdin; the pager draws on out.
func pageText(pager, text string, out, errOut io.Writer) error {
	c := shellCommand(pager)
	c.Stdin, c.Stdout, c.Stderr = strings.NewReader(text), out, errOut
	if err := c.Run(); err != nil {
		return programError(pager, err)
	}
	return nil
}

// programError says which program failed and how.
func programError(prog string, err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return fmt.Errorf("%s exited with status %d", programName(prog), ee.ExitCode())
	}
	return fmt.Errorf("%s: %w", programName(prog), err)
}

// editPrompt is tok -E: the editor writes the prompt, starting from the
// prompt given as arguments, if any. The editor needs the terminal: when
// stdin or stdout is not one (piped text, an answer piped on), it gets
// the controlling terminal, as git's does.
func (o *rootOptions) editPrompt(ctx context.Context, initial string) (string, error) {
	editor := editorProgram(o.IO.env)
	in, out, done, err := o.IO.terminal()
	if err != nil {
		return "", usageErrorf("-E needs a terminal for the editor, and there is none (%v): give the prompt as arguments instead", err)
	}
	defer done()
	text, err := editText(editor, initial, in, out, o.IO.ErrOut)
	if ctx.Err() != nil {
		return "", context.Cause(ctx)
	}
	if err != nil {
		return "", usageErrorf("-E: %v; nothing sent", err)
	}
	if strings.TrimSpace(text) == "" {
		return "", usageErrorf("empty prompt, nothing sent: the editor's file was left empty")
	}
	return strings.TrimRight(text, "\r\n"), nil
}

// terminal is where a program the user drives reads keys and draws:
// stdin and stdout when both are the terminal, else the controlling
// terminal (OpenTTY). done closes what it opened.
func (s *ioStreams) terminal() (in io.Reader, out io.Writer, done func(), err error) {
	if s.StdinTTY && s.StdoutTTY {
		return s.In, s.Out, func() {}, nil
	}
	if s.OpenTTY == nil {
		return nil, nil, nil, errors.New("no terminal")
	}
	tty, err := s.OpenTTY()
	if err != nil {
		return nil, nil, nil, err
	}
	return tty, tty, func() { tty.Close() }, nil
}

// openTTY opens the controlling terminal.
func openTTY() (*os.File, error) {
	return os.OpenFile("/dev/tty", os.O_RDWR, 0)
}

// programs are the chat's editor (Ctrl+G) and pager (Ctrl+O), read from
// the environment when the key is pressed.
func (o *rootOptions) programs() tui.Programs {
	return tui.Programs{
		Edit: func(text string, in io.Reader, out, errOut io.Writer) (string, error) {
			return editText(editorProgram(o.IO.env), text, in, out, errOut)
		},
		Page: func(text string, out, errOut io.Writer) error {
			return pageText(pagerProgram(o.IO.env), text, out, errOut)
		},
	}
}
