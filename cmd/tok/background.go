package main

import (
	"image/color"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// backgroundWait bounds the terminal's answer to the colour query: a
// terminal that does not answer (the Linux console, CI ptys, script)
// must not hold the answer back.
const backgroundWait = 100 * time.Millisecond

// startBackgroundQuery asks, aside, whether the terminal's background is
// dark, so that the question and the request go out together; the
// one-shot reads the channel once the answer's headers are in. The
// environment decides when it can (GLAMOUR_STYLE names the style,
// NO_COLOR needs none, COLORFGBG says the colours), and then the terminal
// is not asked at all.
func (o *rootOptions) startBackgroundQuery() <-chan bool {
	ch := make(chan bool, 1)
	switch dark, ok := backgroundFromEnv(o.IO.env); {
	case !o.IO.StdoutTTY || o.Events || o.oneShotOnly() || o.IO.DarkBackground == nil: // nothing rendered
		ch <- true
	case ok:
		ch <- dark
	default:
		go func() { ch <- o.IO.DarkBackground() }()
	}
	return ch
}

// backgroundFromEnv decides the background from the environment, if it
// can: ok is false when the terminal must be asked.
func backgroundFromEnv(env func(string) string) (dark, ok bool) {
	switch {
	case env("GLAMOUR_STYLE") != "", env("NO_COLOR") != "":
		return true, true
	case env("TERM") == "dumb":
		return true, true
	}
	// rxvt's and others' "fg;bg" (or "fg;default;bg"): colours 0-6 and
	// 8 are dark.
	if v := env("COLORFGBG"); v != "" {
		fields := strings.Split(v, ";")
		if n, err := strconv.Atoi(fields[len(fields)-1]); err == nil && n >= 0 && n <= 15 {
			return n <= 6 || n == 8, true
		}
	}
	return true, false
}

// parseBackgroundReply reads a terminal's replies to OSC 11 and DA1. done
// reports that the DA1 reply came (every terminal sends it, after any
// answer to OSC 11); dark is meaningful when known is true.
func parseBackgroundReply(b []byte) (dark, known, done bool) {
	s := string(b)
	if i := strings.Index(s, "\x1b]11;"); i >= 0 {
		rest := s[i+len("\x1b]11;"):]
		if j := strings.IndexAny(rest, "\x07\x1b"); j >= 0 {
			if c := ansi.XParseColor(rest[:j]); c != nil {
				dark, known = isDark(c), true
			}
		}
	}
	if i := strings.Index(s, "\x1b[?"); i >= 0 && strings.IndexByte(s[i:], 'c') >= 0 {
		done = true
	}
	return dark, known, done
}

// isDark reports whether c's lightness (HSL) is under a half.
func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	hi, lo := max(r, g, b), min(r, g, b)
	return (hi+lo)/2 < 0x8000
}
