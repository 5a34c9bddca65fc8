package main

import (
	"io"
	"os"

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
