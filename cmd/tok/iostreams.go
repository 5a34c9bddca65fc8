package main

import (
	"io"
	"os"

	"charm.land/lipgloss/v2"
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
	}
}

// darkBackground asks the terminal for its background colour; when stdin
// is not the terminal (text piped in), it asks through /dev/tty. Without
// an answer it says dark, the common case.
func darkBackground() bool {
	in, out := os.Stdin, os.Stdout
	if !term.IsTerminal(int(in.Fd())) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return true
		}
		defer tty.Close()
		in, out = tty, tty
	}
	return lipgloss.HasDarkBackground(in, out)
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
