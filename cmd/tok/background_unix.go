//go:build unix

package main

import (
	"os"
	"time"

	"golang.org/x/term"
)

// darkBackground asks the terminal (through /dev/tty, so piped stdin
// does not matter) for its background colour, waiting at most
// backgroundWait. Without an answer it says dark, the common case.
func darkBackground() bool {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return true
	}
	defer tty.Close()
	// Not tty.Fd(): it would put the descriptor in blocking mode, where
	// the read deadline below has no effect.
	rc, err := tty.SyscallConn()
	if err != nil {
		return true
	}
	var state *term.State
	if cerr := rc.Control(func(fd uintptr) { state, err = term.MakeRaw(int(fd)) }); cerr != nil || err != nil {
		return true
	}
	defer rc.Control(func(fd uintptr) { term.Restore(int(fd), state) })
	// OSC 11 asks for the background; DA1, which every terminal answers,
	// marks the end of the replies.
	if _, err := tty.WriteString("\x1b]11;?\x07\x1b[c"); err != nil {
		return true
	}
	if err := tty.SetReadDeadline(time.Now().Add(backgroundWait)); err != nil {
		return true // not pollable: no way to bound the wait
	}
	var got []byte
	buf := make([]byte, 256)
	for len(got) < 4096 {
		n, err := tty.Read(buf)
		got = append(got, buf[:n]...)
		dark, known, done := parseBackgroundReply(got)
		if done || err != nil {
			return dark || !known
		}
	}
	return true
}
