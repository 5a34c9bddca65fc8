package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/tokcli/tok/render"
	"golang.org/x/term"
)

// ioStreams is where tok reads and writes, decided once at start (cli/cli's
// IOStreams): tests pass buffers and set the TTY flags they need.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// StdinPiped: stdin is a pipe or a regular file, so its text is input.
	StdinPiped bool
	StdinTTY   bool
	StdoutTTY  bool
	StderrTTY  bool
	// Size is the terminal's size in columns and rows (0, 0 if unknown).
	Size func() (columns, rows int)
	// DarkBackground reports whether the terminal's background is dark.
	DarkBackground func() bool
	// Getenv reads the environment (API keys, XDG_CONFIG_HOME); tests
	// pass their own, so a developer's keys never reach them.
	Getenv func(string) string
	// OpenTTY opens the controlling terminal, for the editor of tok -E
	// when stdin or stdout is a pipe; nil: there is none.
	OpenTTY func() (*os.File, error)
}

func systemStreams() *ioStreams {
	return &ioStreams{
		In:         os.Stdin,
		Out:        os.Stdout,
		ErrOut:     os.Stderr,
		StdinPiped: isPipeOrFile(os.Stdin),
		StdinTTY:   term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		Size: func() (int, int) {
			w, h, err := term.GetSize(int(os.Stdout.Fd()))
			if err != nil {
				return 0, 0
			}
			return w, h
		},
		DarkBackground: darkBackground,
		Getenv:         os.Getenv,
		OpenTTY:        openTTY,
	}
}

// isPipeOrFile reports whether f is a pipe or a regular file: the only
// kinds of stdin tok reads (a terminal or /dev/null is no input).
func isPipeOrFile(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeNamedPipe != 0 || fi.Mode().IsRegular()
}

// env reads the environment variable k ("" when tests set no Getenv).
func (s *ioStreams) env(k string) string {
	if s.Getenv == nil {
		return ""
	}
	return s.Getenv(k)
}

// errLine writes line to stderr on a line of its own: when stdout is a
// pipe and stderr a terminal, the two often end up on the same screen,
// and an answer that stopped mid-line would otherwise run into it.
func (s *ioStreams) errLine(line string) {
	if t, ok := s.Out.(*tailWriter); ok && s.StderrTTY && !s.StdoutTTY && t.openLine() {
		line = "\n" + line
	}
	fmt.Fprintln(s.ErrOut, line)
}

// tailWriter remembers whether what was written last ended a line.
type tailWriter struct {
	w    io.Writer
	open bool // the last byte written was not a newline
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if n > 0 {
		t.open = p[n-1] != '\n'
	}
	return n, err
}

// openLine reports whether a line is open on stdout, and takes it as
// ended: a note on stderr ends it on the screen.
func (t *tailWriter) openLine() bool {
	open := t.open
	t.open = false
	return open
}

// lineSanitizer writes what it is given line by line, each through
// render.Line: -v output shows what servers sent (header values), and
// none of it may reach the terminal raw.
type lineSanitizer struct {
	w       io.Writer
	pending []byte
}

func (l *lineSanitizer) Write(p []byte) (int, error) {
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			break
		}
		if _, err := io.WriteString(l.w, render.Line(string(l.pending[:i]), 2000)+"\n"); err != nil {
			return 0, err
		}
		l.pending = l.pending[i+1:]
	}
	return len(p), nil
}
