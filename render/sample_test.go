package render

import (
	"flag"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// exhaustive makes the property tests check every prefix of every answer
// and of every CommonMark spec example, as .ci/run does:
//
//	go test -count=1 ./render -exhaustive
//
// Without it they check a sample, the same on every run.
var exhaustive = flag.Bool("exhaustive", false, "check the render properties at every prefix (slow; .ci/run sets it)")

// prefixes returns the prefix lengths of text a property test checks, in
// increasing order: every one with -exhaustive; else the first and the
// whole text, the block boundaries (the end of each blank line, where the
// scanner cuts, and the first byte after it, where it decides on a
// heading, a quote or a table), and more others drawn with a fixed seed,
// so that a failure repeats.
func prefixes(text string, seed uint64, more int) []int {
	if *exhaustive || len(text) <= more+2 {
		all := make([]int, len(text))
		for i := range all {
			all[i] = i + 1
		}
		return all
	}
	at := []int{1, len(text)}
	line := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '\n' {
			continue
		}
		if strings.TrimSpace(text[line:i]) == "" {
			at = append(at, i+1, min(i+2, len(text)))
		}
		line = i + 1
	}
	rng := rand.New(rand.NewPCG(seed, 0x7e57))
	for range more {
		at = append(at, 1+rng.IntN(len(text)))
	}
	slices.Sort(at)
	return slices.Compact(at)
}

// due walks a test's sample of prefix lengths (see prefixes) while the
// test feeds a Stream longer and longer prefixes: it reports whether n,
// the length fed now, reaches the next length in the sample not yet
// checked. Fed every length, a test checks exactly the sample; fed
// tokens, it checks the first length at or past each one.
type due []int

func (d *due) at(n int) bool {
	if len(*d) == 0 || n < (*d)[0] {
		return false
	}
	for len(*d) > 0 && (*d)[0] <= n {
		*d = (*d)[1:]
	}
	return true
}

// TestPrefixesSampleTheBlockBoundaries checks the sample itself.
func TestPrefixesSampleTheBlockBoundaries(t *testing.T) {
	if *exhaustive {
		t.Skip("with -exhaustive every prefix is checked")
	}
	text := "# Title\n\nA paragraph\nof two lines.\n  \n- item\n"
	got := prefixes(text, 1, 3)
	for _, want := range []int{1, 9, 10, 38, 39, len(text)} {
		if !slices.Contains(got, want) {
			t.Errorf("prefixes(%q) = %v, want %d among them", text, got, want)
		}
	}
	if len(got) > 6+3 || !slices.IsSorted(got) {
		t.Errorf("prefixes(%q) = %v, want at most 9, sorted and unique", text, got)
	}
	if again := prefixes(text, 1, 3); !slices.Equal(got, again) {
		t.Errorf("the sample changed: %v, then %v", got, again)
	}
	if got := prefixes("abc", 1, 3); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("a text no longer than the sample: %v, want every prefix", got)
	}
	d := due{3, 7}
	var checked []int
	for _, n := range []int{1, 2, 4, 5, 7, 8} {
		if d.at(n) {
			checked = append(checked, n)
		}
	}
	if !slices.Equal(checked, []int{4, 7}) {
		t.Errorf("due{3, 7} checks %v of 1 2 4 5 7 8, want [4 7]", checked)
	}
}
