package render

import (
	"strings"
	"unicode/utf8"
)

// Sanitizer strips terminal control sequences from untrusted text that
// arrives in pieces, so that a model or a hostile endpoint cannot move the
// cursor, set the title, write the clipboard (OSC 52), plant links (OSC 8)
// or ring the bell. It removes C0 controls except newline and tab, DEL,
// C1 controls, and whole CSI, OSC, DCS, SOS, PM and APC sequences (in their
// 7-bit ESC forms and their 8-bit C1 forms), and replaces invalid UTF-8
// with U+FFFD. A sequence split across pieces is removed all the same: the
// Sanitizer carries its state from one call to the next. Visible text is
// kept as it is.
//
// The zero value is ready to use. A Sanitizer is not safe for concurrent use.
type Sanitizer struct {
	state   seqState
	pending []byte // an incomplete UTF-8 sequence from the last piece
}

type seqState uint8

const (
	ground   seqState = iota
	escape            // after ESC
	escInter          // ESC followed by intermediates (nF): ends at a final byte
	csi               // in a CSI sequence: ends at a final byte 0x40-0x7E
	str               // in an OSC/DCS/SOS/PM/APC string: ends at ST or BEL
	strEsc            // ESC inside a string: ST if '\' follows
)

// Clean returns piece without control sequences: piece itself, not a
// copy, when it holds none.
func (s *Sanitizer) Clean(piece string) string {
	if len(s.pending) == 0 && s.state == ground && isClean(piece) {
		return piece
	}
	if len(s.pending) > 0 {
		piece = string(s.pending) + piece
		s.pending = s.pending[:0]
	}
	var b strings.Builder
	for i := 0; i < len(piece); {
		r, size := utf8.DecodeRuneInString(piece[i:])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRuneInString(piece[i:]) {
				s.pending = append(s.pending, piece[i:]...)
				break
			}
			r = utf8.RuneError // a bad byte is shown as U+FFFD, never passed on
		}
		i += size
		if out, keep := s.step(r); keep {
			b.WriteRune(out)
		}
	}
	return b.String()
}

// Flush returns what an incomplete final UTF-8 sequence stands for (one
// U+FFFD) and resets the state, at the end of a stream.
func (s *Sanitizer) Flush() string {
	defer func() { s.state, s.pending = ground, s.pending[:0] }()
	if len(s.pending) > 0 && s.state == ground {
		return "\uFFFD"
	}
	return ""
}

// step feeds one rune through the state machine; keep reports whether the
// rune is visible text.
func (s *Sanitizer) step(r rune) (rune, bool) {
	switch s.state {
	case escape:
		s.escapeByte(r)
		return 0, false
	case escInter:
		if r >= 0x30 && r <= 0x7e {
			s.state = ground
		}
		return 0, false
	case csi:
		if r >= 0x40 && r <= 0x7e {
			s.state = ground
		}
		return 0, false
	case str:
		switch r {
		case 0x07, 0x9c: // BEL or 8-bit ST ends the string
			s.state = ground
		case 0x1b:
			s.state = strEsc
		}
		return 0, false
	case strEsc:
		s.state = str
		if r == '\\' {
			s.state = ground
		}
		return 0, false
	}
	return s.ground(r)
}

func (s *Sanitizer) ground(r rune) (rune, bool) {
	switch {
	case r == '\n' || r == '\t':
		return r, true
	case r == 0x1b:
		s.state = escape
	case r == 0x9b: // 8-bit CSI
		s.state = csi
	case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // DCS SOS OSC PM APC
		s.state = str
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
	default:
		return r, true
	}
	return 0, false
}

// escapeByte reads the byte after ESC.
func (s *Sanitizer) escapeByte(r rune) {
	switch {
	case r == '[':
		s.state = csi
	case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_': // OSC DCS SOS PM APC
		s.state = str
	case r >= 0x20 && r <= 0x2f:
		s.state = escInter
	default: // a two-byte sequence (ESC c, ESC 7 …), or a stray ESC
		s.state = ground
	}
}

// Sanitize strips control sequences from a whole text; see [Sanitizer].
// Text with nothing to strip (most of it) is returned as it is.
func Sanitize(text string) string {
	if isClean(text) {
		return text
	}
	var s Sanitizer
	return s.Clean(text) + s.Flush()
}

// isClean reports whether text is valid UTF-8 without controls: no C0
// but newline and tab, no DEL, no C1 (U+0080 to U+009F, 0xC2 0x80-0x9F).
func isClean(text string) bool {
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch {
		case b < 0x20 && b != '\n' && b != '\t', b == 0x7f:
			return false
		case b == 0xc2 && i+1 < len(text) && text[i+1] < 0xa0:
			return false
		}
	}
	return utf8.ValidString(text)
}
