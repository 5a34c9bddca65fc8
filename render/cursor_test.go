package render

import (
	"regexp"
	"strings"
	"testing"
)

// trailingBlank is what trimBlank drops, as a regexp.
var trailingBlank = regexp.MustCompile(`(?:\x1b\[[0-9;:]*m| )+$`)

// FuzzTrimBlankIsTheRegexp checks trimBlank against the regexp it
// replaces, on every line glamour renders of the test answers and on
// lines made to trip a backward scan.
func FuzzTrimBlankIsTheRegexp(f *testing.F) {
	for _, a := range answers(f) {
		out, err := New(dark, 80).Final(a)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(out, "\n") {
			f.Add(line)
		}
	}
	for _, s := range []string{
		"", " ", "m", "[m", "\x1b[m", "x\x1b[m", "x \x1b[1;2m  \x1b[0m ",
		"x\x1b[1m", "x[1m ", "x\x1b1m ", "\x1b[1x m", "x\x1b[38:5:1m", "x\x1b\x1b[m",
		"word\x1b[0m \x1b[", "a\x1b[;m\x1b[m", "é  \x1b[7m",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if got, want := trimBlank(line), trailingBlank.ReplaceAllString(line, ""); got != want {
			t.Errorf("trimBlank(%q) = %q, want %q", line, got, want)
		}
	})
}
