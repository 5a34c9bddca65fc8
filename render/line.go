package render

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes untrusted text safe to print as one line on a terminal: an
// error message from a server, a header value, a tool's name. It strips
// control sequences as [Sanitize] does, turns line breaks, tabs and every
// other run of white space into one space (so a server's text can never
// forge a line of its own), drops the bidirectional overrides that would
// reorder what is shown, and cuts the result to max runes with "…"
// (max <= 0 cuts nothing). It reads at most a bounded prefix of s, so a
// huge input costs no more than a short one.
func Line(s string, max int) string {
	limit := 64 << 10
	if max > 0 {
		limit = min(limit, 16*max+1024)
	}
	cut := len(s) > limit
	if cut {
		s = s[:limit]
	}
	s = Sanitize(s)
	var b strings.Builder
	b.Grow(len(s))
	space, n := false, 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case isBidiControl(r):
			continue
		}
		if max > 0 && n == max {
			cut = true
			break
		}
		if space {
			if max > 0 && n+1 == max {
				cut = true
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if cut {
		return strings.TrimRight(b.String(), " ") + "…"
	}
	return b.String()
}

// isBidiControl reports the Unicode bidirectional embeddings, overrides
// and isolates, which can make a line display in an order other than the
// one its bytes have.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// SafeJSON returns the JSON text b with the characters a terminal could
// take for controls escaped as \uXXXX: DEL, the C1 controls (U+0080 to
// U+009F, which encoding/json passes through raw) and the bidirectional
// controls. Those characters only occur inside JSON strings, where the
// escape means the same, so the value is unchanged; only its bytes are
// safe to show. encoding/json already escapes C0 controls and invalid
// UTF-8.
func SafeJSON(b []byte) []byte {
	i := indexUnsafeJSON(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i >= 0 {
		out = append(out, b[:i]...)
		r, size := utf8.DecodeRune(b[i:])
		out = append(out, `\u`...)
		out = append(out, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		b = b[i+size:]
		i = indexUnsafeJSON(b)
	}
	return append(out, b...)
}

const hexDigits = "0123456789abcdef"

func indexUnsafeJSON(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
			return i
		}
		i += size
	}
	return -1
}
