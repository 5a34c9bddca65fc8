package render

import (
	"strings"
	"testing"
)

func TestSanitizeRemovesControlSequencesAndKeepsText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text", "Hello, 世界 🚀\n\tindented", "Hello, 世界 🚀\n\tindented"},
		{"SGR colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"CSI cursor moves", "a\x1b[2J\x1b[H\x1b[10;20Hb\x1b[?25l", "ab"},
		{"OSC 52 clipboard write, BEL", "x\x1b]52;c;ZXZpbA==\x07y", "xy"},
		{"OSC 52, ST", "x\x1b]52;c;ZXZpbA==\x1b\\y", "xy"},
		{"OSC 8 link", "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"OSC title", "\x1b]0;pwned\x07ok", "ok"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"BEL and other C0", "ding\x07\x00\x08\x0d!", "ding!"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 controls as UTF-8", "a\u0085b\u009b31mc\u009d0;t\u009cd", "abcd"},
		{"8-bit C1 bytes are bad UTF-8", "a\x9b31mb", "a\uFFFD31mb"},
		{"broken UTF-8", "ok\xff\xfeok", "ok\uFFFD\uFFFDok"},
		{"two-byte escapes", "a\x1bcb\x1b7c\x1b(Bd", "abcd"},
		{"stray ESC at the end", "end\x1b", "end"},
		{"truncated UTF-8 at the end", "end\xe6\x97", "end\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerRemovesSequencesSplitAcrossPieces(t *testing.T) {
	in := "safe \x1b]52;c;ZXZpbA==\x07text \x1b[31mred\x1b[0m 日本語 🚀 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
	want := Sanitize(in)
	for size := 1; size <= 7; size++ {
		var s Sanitizer
		var got strings.Builder
		for i := 0; i < len(in); i += size {
			got.WriteString(s.Clean(in[i:min(i+size, len(in))]))
		}
		got.WriteString(s.Flush())
		if got.String() != want {
			t.Errorf("pieces of %d: %q, want %q", size, got.String(), want)
		}
	}
	if want != "safe text red 日本語 🚀 link" {
		t.Errorf("whole: %q", want)
	}
}

func FuzzSanitizeLeavesNoEscape(f *testing.F) {
	f.Add("\x1b[31mred\x1b]52;c;x\x07\u009b2J")
	f.Add("plain 日本語")
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		var s Sanitizer
		if slow := s.Clean(in) + s.Flush(); out != slow {
			t.Fatalf("Sanitize(%q) = %q, but the Sanitizer gives %q", in, out, slow)
		}
		for _, r := range out {
			if r == 0x1b || r == 0x07 || (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
				t.Fatalf("Sanitize(%q) = %q keeps control %U", in, out, r)
			}
		}
	})
}
