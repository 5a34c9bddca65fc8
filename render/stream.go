package render

import (
	"fmt"
	"strings"

	"charm.land/glamour/v2/ansi"
)

// Stream renders a growing markdown answer incrementally, at a cost per
// update that does not grow with the answer's length.
//
// Invariants:
//   - The text is cut into finished blocks at blank lines where no
//     construct is open (see scanner); the open tail after the last cut
//     is all that is re-rendered on an update.
//   - A finished block is rendered once, after the block before it as
//     context (glamour's spacing depends on the pair), and its lines never
//     change until a reset: they can be printed once into the scrollback.
//     The blocks one update finishes are rendered together, up to
//     groupMax bytes at a time, after the block before the first.
//   - The output for any text equals a fresh Stream's output for the same
//     text: caching changes the cost, never the result.
//   - While streaming, the tail is repaired (see repair); [Stream.Final]
//     renders the true text, and equals a render of the whole (glamour's,
//     but for tables too wide for it: see tables).
//   - A new width or text that does not extend the previous text resets
//     the Stream. Model text is sanitized before rendering.
//   - The text is held once: while every update is clean already (as
//     [Live] gives it), the Stream's source is the caller's string, not a
//     copy of it. Stable lines the caller has printed for good and
//     [Stream.Forget]s are let go, so a long answer's render is not held
//     by the Stream as well as by the scrollback; and a caller that
//     keeps the text only from the end of the stable lines on lets the
//     Stream go of the rest too ([Stream.Trim]).
//
// A Stream owns its glamour renderer, which is not safe for concurrent
// use; so is the Stream.
type Stream struct {
	style ansi.StyleConfig
	width int
	tr    *termRenderer

	raw     string          // the text so far, as given
	clean   Sanitizer       // sanitizes each update's new text only
	src     string          // the sanitized text so far, tabs expanded
	copied  bool            // src is held in buf; else src is raw itself
	buf     strings.Builder // holds src once a piece needed cleaning
	scan    scanner         // where src can be cut
	done    int             // the cuts already rendered into lines
	lines   []string        // the rendered lines of the finished blocks, less those forgotten
	gone    int             // the stable lines forgotten (see Forget)
	tail    []string        // the rendered lines of the open tail
	prev    string          // a stand-in for the last finished block: the tail's context
	head    []string        // prev's own lines, without trailing blank lines
	stable  int             // src[:stable] is finished blocks
	trimmed bool            // text before src was let go (see Trim)

	// The open tail split at soft cuts (see softCut): the lines of the
	// parts before the last cut, rendered once.
	parts     []string
	partsN    int                 // the soft cuts rendered into parts
	partsAt   int                 // the stable offset parts belong to
	partsBust bool                // a part did not compose: render the tail whole
	settled   int                 // see Settled
	contexts  map[string][]string // stand-ins' own lines
	probes    map[string][]string // the lines probes add after stand-ins
	whole     bool                // render the tail whole (tests compare the two)
	lastMD    string              // the markdown last rendered
	lastLines []string            // its lines
}

// New returns a Stream that renders with the style at the given width.
func New(style ansi.StyleConfig, width int) *Stream {
	return &Stream{style: style, width: width}
}

// Update renders text, the whole answer so far. It returns an error only
// when glamour fails.
func (s *Stream) Update(text string) error {
	if s.tr == nil || !strings.HasPrefix(text, s.raw) {
		if err := s.reset(); err != nil {
			return err
		}
	}
	s.extend(text)
	s.scan.scan(s.src)
	if err := s.finishCuts(); err != nil {
		return err
	}
	tail, err := s.openTail()
	if err != nil {
		return err
	}
	s.tail = tail
	return nil
}

// SetWidth changes the wrap width; the next Update renders afresh.
func (s *Stream) SetWidth(width int) {
	if width != s.width {
		s.width, s.tr = width, nil
	}
}

// Stable returns the rendered lines of the finished blocks, after the
// first [Stream.Forgotten] ones. They stay the same, and only grow, until
// the width changes or the text is replaced.
func (s *Stream) Stable() []string { return s.lines }

// Forget lets go of the stable lines before line n (counted from the
// first stable line, forgotten ones included): a caller that printed
// them into the scrollback for good never asks for them again. Stable,
// String and Final leave them out from then on. A reset (a new width,
// text that does not extend the old) forgets nothing more.
func (s *Stream) Forget(n int) {
	k := min(n-s.gone, len(s.lines))
	if k <= 0 {
		return
	}
	clear(s.lines[:k]) // the strings go; the slice's array does not hold them
	s.gone += k
	if k == len(s.lines) {
		s.lines = s.lines[:0] // all gone (as Live forgets): the next lines reuse the array
		return
	}
	s.lines = s.lines[k:]
}

// Trim lets go of the text the stable lines render, for a caller that
// has printed them for good and keeps the answer only from there on: from
// then on [Stream.Update] and [Stream.Final] take the text without its
// first n bytes, and [Stream.StableLen] counts from there. It returns n,
// 0 where the Stream keeps the whole text: when a piece of it needed
// cleaning (the Stream's text is then its own copy), or once a link
// reference definition is seen (which can change any block: Final
// renders the whole).
func (s *Stream) Trim() int {
	n := s.stable
	if n == 0 || s.copied || s.scan.refDef {
		return 0
	}
	s.raw = s.raw[n:]
	s.src, s.stable, s.partsAt, s.trimmed = s.raw, 0, s.partsAt-n, true
	s.scan.rebase(n, s.done)
	s.done = 0
	// Nothing the Stream keeps may point into the text let go.
	if s.prev != standInWord {
		s.prev = strings.Clone(s.prev)
	}
	s.lastMD, s.lastLines = "", nil
	return n
}

// Forgotten returns how many stable lines were forgotten (see Forget).
func (s *Stream) Forgotten() int { return s.gone }

// StableLen returns how much of the sanitized text (tabs expanded) the
// stable lines render: for text that is already clean, a prefix length.
func (s *Stream) StableLen() int { return s.stable }

// Tail returns the rendered lines of the open tail, repaired.
func (s *Stream) Tail() []string { return s.tail }

// Settled returns how many of the Tail's first lines are final: whatever
// text follows, the final render has them as they are, colours aside, so
// they can be printed into the scrollback before their block is finished.
// They are the lines before the open tail's last soft cut: the finished
// lines of a fenced code block, the finished items of a list (see
// softCut). Other lines of an open block can still change: a table's
// columns, a paragraph's emphasis that never closes, a setext heading's
// text.
func (s *Stream) Settled() int { return s.settled }

// String returns the whole render: the stable lines and the tail.
func (s *Stream) String() string { return s.join(s.tail) }

func (s *Stream) join(tail []string) string {
	var b strings.Builder
	for _, l := range s.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for _, l := range tail {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Final returns the render of the finished answer, text unrepaired,
// without the forgotten lines. Its first len(Stable()) lines are
// Stable().
func (s *Stream) Final(text string) (string, error) {
	if err := s.Update(text); err != nil {
		return "", err
	}
	s.add(s.clean.Flush())
	if s.scan.refDef && !s.trimmed {
		// A reference definition can change any block: render it all.
		// (Once text was let go, the blocks before are printed for good.)
		out, err := s.render(s.src)
		if err != nil || s.gone == 0 {
			return out, err
		}
		if lines := splitDoc(out); s.gone < len(lines) {
			return strings.Join(lines[s.gone:], "\n") + "\n", nil
		}
		return "", nil
	}
	tail, err := s.after(s.src[s.stable:])
	if err != nil {
		return "", err
	}
	return s.join(tail), nil
}

// extend takes text, which extends raw, into src: as raw itself while
// every piece came clean, else through buf.
func (s *Stream) extend(text string) {
	piece := text[len(s.raw):]
	clean := strings.ReplaceAll(s.clean.Clean(piece), "\t", "    ")
	s.raw = text
	if !s.copied && clean == piece {
		s.src = text
		return
	}
	s.add(clean)
}

// add appends to src. A Builder's String shares its bytes, and bytes
// once written are never changed, so older src strings stay valid.
func (s *Stream) add(text string) {
	if text == "" {
		return
	}
	if !s.copied {
		s.copied = true
		s.buf.WriteString(s.src)
	}
	s.buf.WriteString(text)
	s.src = s.buf.String()
}

func (s *Stream) reset() error {
	tr, err := newTermRenderer(s.style, s.width)
	if err != nil {
		return fmt.Errorf("new glamour renderer: %w", err)
	}
	*s = Stream{style: s.style, width: s.width, tr: tr, scan: newScanner(), whole: s.whole}
	return nil
}
