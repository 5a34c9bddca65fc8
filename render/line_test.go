package render

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile is text a hostile server sends to take over a terminal: every
// kind of sequence, raw and UTF-8-encoded C1, line breaks that would forge
// a line of tok's own, and bidirectional overrides.
var hostile = []string{
	"\x1b[2J\x1b[Hcleared",
	"\x1b]52;c;ZXZpbA==\x07clip",
	"\x1b]0;title\x1b\\t",
	"\x1bPq#0\x1b\\dcs",
	"\x1b_Gf=100\x1b\\apc",
	"\u009b31mc1csi",
	"\u009d0;title\u009cc1osc",
	"\x9b31mraw8bit",
	"line one\ntok: forged line\r\nthree",
	"\u202eevil\u202c",
}

func TestLineIsOneSafeLine(t *testing.T) {
	for _, in := range hostile {
		got := Line(in, 0)
		if strings.ContainsAny(got, "\x1b\x07\r\n\u009b\u009d\u009c\u202e") || strings.Contains(got, "\x9b") {
			t.Errorf("Line(%q) = %q: a control got through", in, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) {
				t.Errorf("Line(%q) = %q: control %U", in, got, r)
			}
		}
	}
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  a \t b\n\nc  ", 0, "a b c"},
		{"line one\ntok: forged", 0, "line one tok: forged"},
		{"héllo wörld", 5, "héllo…"},
		{"abc def", 4, "abc…"},
		{"abc", 3, "abc"},
		{"\x1b[31mred\x1b[m", 0, "red"},
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.max); got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestLineReadsABoundedPrefix(t *testing.T) {
	got := Line(strings.Repeat("x", 10<<20), 100)
	if utf8.RuneCountInString(got) != 101 || !strings.HasSuffix(got, "…") {
		t.Errorf("Line of 10 MiB = %d runes", utf8.RuneCountInString(got))
	}
}

func TestSafeJSONEscapesWhatATerminalReadsAsControls(t *testing.T) {
	for _, in := range hostile {
		b, err := json.Marshal(map[string]string{"m": in})
		if err != nil {
			t.Fatal(err)
		}
		safe := SafeJSON(b)
		for _, r := range string(safe) {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || isBidiControl(r) {
				t.Errorf("SafeJSON(%q) = %q: control %U", b, safe, r)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(safe, &back); err != nil {
			t.Fatalf("SafeJSON(%q) is not JSON: %v", b, err)
		}
		var want map[string]string
		json.Unmarshal(b, &want)
		if back["m"] != want["m"] {
			t.Errorf("SafeJSON changed the value: %q, want %q", back["m"], want["m"])
		}
	}
}
