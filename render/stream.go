package render

import (
	"fmt"
	"strings"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
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
//   - The output for any text equals a fresh Stream's output for the same
//     text: caching changes the cost, never the result.
//   - While streaming, the tail is repaired (see repair); [Stream.Final]
//     renders the true text, and equals glamour's render of the whole.
//   - A new width or text that does not extend the previous text resets
//     the Stream. Model text is sanitized before rendering.
//
// A Stream owns its glamour renderer, which is not safe for concurrent
// use; so is the Stream.
type Stream struct {
	style ansi.StyleConfig
	width int
	tr    *glamour.TermRenderer

	raw    string          // the text so far, as given
	clean  Sanitizer       // sanitizes each update's new text only
	src    string          // the sanitized text so far, tabs expanded
	buf    strings.Builder // holds src: appending does not copy it
	scan   scanner         // where src can be cut
	done   int             // the cuts already rendered into lines
	lines  []string        // the rendered lines of the finished blocks
	tail   []string        // the rendered lines of the open tail
	prev   string          // a stand-in for the last finished block: the tail's context
	head   []string        // prev's own lines, without trailing blank lines
	stable int             // src[:stable] is finished blocks

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
	s.add(strings.ReplaceAll(s.clean.Clean(text[len(s.raw):]), "\t", "    "))
	s.raw = text
	s.scan.scan(s.src)
	for ; s.done < len(s.scan.cuts); s.done++ {
		if err := s.finish(s.scan.cuts[s.done]); err != nil {
			return err
		}
	}
	tail, err := s.openTail()
	if err != nil {
		return err
	}
	s.tail = tail
	return nil
}

// openTail renders the open tail, repaired. Split at soft cuts, only the
// part after the last one is rendered anew; the parts before it were
// rendered when their cut arrived.
func (s *Stream) openTail() ([]string, error) {
	soft := s.scan.soft
	s.settled = 0
	if s.partsAt != s.stable {
		s.parts, s.partsN, s.partsAt, s.partsBust = nil, 0, s.stable, false
	}
	if len(soft) == 0 || s.partsBust || s.whole || s.scan.refDef {
		return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
	}
	for ; s.partsN < len(soft); s.partsN++ {
		var before *softCut
		start := s.stable
		if s.partsN > 0 {
			before = &soft[s.partsN-1]
			start = before.at
		}
		open := ""
		if before != nil {
			open = before.fence
		}
		part, ok, err := s.part(before, labelFences(s.src[start:soft[s.partsN].at], open), soft[s.partsN])
		if err != nil {
			return nil, err
		}
		if !ok {
			s.partsBust = true
			return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
		}
		s.parts = append(s.parts, part...)
	}
	last := soft[len(soft)-1]
	live, ok, err := s.insert(last.ctx, repair(s.src[last.at:], s.scan.fence, last.fence))
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
	}
	if s.partsN == len(soft) {
		s.settled = len(s.parts) // else the parts are of cuts the scanner dropped
	}
	return append(s.parts[:len(s.parts):len(s.parts)], live...), nil
}

// part renders the text between two soft cuts (or from the last finished
// block to the first): after before's stand-in, and followed by next's
// probe, a stand-in for what follows whose lines are then dropped, since
// the margins at a block's end depend on what comes after it.
func (s *Stream) part(before *softCut, text string, next softCut) (_ []string, ok bool, _ error) {
	probe, ok, err := s.probe(next)
	if err != nil || !ok {
		return nil, false, err
	}
	var l []string
	if before == nil {
		l, err = s.after(text + next.probe)
		ok = err == nil
	} else {
		l, ok, err = s.insert(before.ctx, text+next.probe)
	}
	if err != nil || !ok || !hasLineSuffix(l, probe) {
		return nil, false, err
	}
	return l[:len(l)-len(probe)], true, nil
}

// probe returns the lines a soft cut's probe adds after its stand-in.
func (s *Stream) probe(c softCut) ([]string, bool, error) {
	key := c.ctx + "\x00" + c.probe
	if l, ok := s.probes[key]; ok {
		return l, true, nil
	}
	l, ok, err := s.insert(c.ctx, c.probe)
	if err != nil || !ok {
		return nil, false, err
	}
	if s.probes == nil {
		s.probes = map[string][]string{}
	}
	s.probes[key] = l
	return l, true, nil
}

// insert renders text after the stand-in ctx and returns the lines text
// adds. ok is false if ctx's own lines change.
func (s *Stream) insert(ctx, text string) (_ []string, ok bool, _ error) {
	head, err := s.context(ctx)
	if err != nil {
		return nil, false, err
	}
	l, err := s.renderLines(ctx + text)
	if err != nil || !hasLinePrefix(l, head) {
		return nil, false, err
	}
	return l[len(head):], true, nil
}

// context returns the lines of a stand-in, without the blank lines that
// end it: the lines anything rendered after it starts with.
func (s *Stream) context(ctx string) ([]string, error) {
	if head, ok := s.contexts[ctx]; ok {
		return head, nil
	}
	l, err := s.renderLines(ctx)
	if err != nil {
		return nil, err
	}
	if s.contexts == nil {
		s.contexts = map[string][]string{}
	}
	s.contexts[ctx] = trimBlankTail(l)
	return s.contexts[ctx], nil
}

// SetWidth changes the wrap width; the next Update renders afresh.
func (s *Stream) SetWidth(width int) {
	if width != s.width {
		s.width, s.tr = width, nil
	}
}

// Stable returns the rendered lines of the finished blocks. They stay the
// same, and only grow, until the width changes or the text is replaced.
func (s *Stream) Stable() []string { return s.lines }

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

// Final returns the render of the finished answer, text unrepaired. Its
// first len(Stable()) lines are Stable().
func (s *Stream) Final(text string) (string, error) {
	if err := s.Update(text); err != nil {
		return "", err
	}
	s.add(s.clean.Flush())
	if s.scan.refDef {
		// A reference definition can change any block: render it all.
		return s.render(s.src)
	}
	tail, err := s.after(s.src[s.stable:])
	if err != nil {
		return "", err
	}
	return s.join(tail), nil
}

// add appends to src. A Builder's String shares its bytes, and bytes
// once written are never changed, so older src strings stay valid.
func (s *Stream) add(text string) {
	s.buf.WriteString(text)
	s.src = s.buf.String()
}

func (s *Stream) reset() error {
	tr, err := glamour.NewTermRenderer(glamour.WithStyles(s.style), glamour.WithWordWrap(s.width), glamour.WithChromaFormatter(chromaFormatter))
	if err != nil {
		return fmt.Errorf("new glamour renderer: %w", err)
	}
	*s = Stream{style: s.style, width: s.width, tr: tr, scan: newScanner(), whole: s.whole}
	return nil
}

// finish renders the block that ends at cut into the stable lines. The
// block's trailing blank lines are left to the next piece: glamour's
// margins after a block depend on what follows. If the block's lines
// change once the line after the cut is rendered after it, the cut is not
// taken and the block joins the next one.
func (s *Stream) finish(cut int) error {
	block := s.src[s.stable:cut]
	piece, err := s.after(block)
	if err != nil {
		return err
	}
	own := trimBlankTail(piece)
	next := s.src[cut:]
	if startsBlock(next) {
		next = next[:1] // all the scanner saw; see scanner.scan
	} else {
		next = next[:strings.IndexByte(next, '\n')+1]
	}
	withNext, err := s.after(block + next)
	if err != nil {
		return err
	}
	if !hasLinePrefix(withNext, own) {
		return nil // the cut is not taken
	}
	ctx := standIn(block)
	head, err := s.renderLines(ctx)
	if err != nil {
		return err
	}
	s.lines = append(s.lines, own...)
	s.prev, s.head, s.stable = ctx, trimBlankTail(head), cut
	return nil
}

// after renders block as glamour does after the last finished block,
// without that block's own lines: the lines block adds to the document.
func (s *Stream) after(block string) ([]string, error) {
	if s.prev == "" {
		return s.renderLines(block)
	}
	full, err := s.renderLines(s.prev + block)
	if err != nil {
		return nil, err
	}
	if !hasLinePrefix(full, s.head) {
		// The block changes the one before it: a link reference
		// definition arrived after the text that uses it. The lines
		// before are final; the block is rendered on its own.
		return s.renderLines(block)
	}
	return full[len(s.head):], nil
}

// renderLines renders md into lines. It remembers the last render: an
// update that leaves the repaired tail as it was (half a table row, see
// dropTableRow) costs nothing. Callers never write into the lines.
func (s *Stream) renderLines(md string) ([]string, error) {
	if md == s.lastMD && s.lastLines != nil {
		return s.lastLines, nil
	}
	out, err := s.render(md)
	if err != nil {
		return nil, err
	}
	s.lastMD, s.lastLines = md, splitDoc(out)
	return s.lastLines, nil
}

func (s *Stream) render(md string) (string, error) {
	out, err := s.tr.Render(md)
	if err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return out, nil
}

// splitDoc splits a rendered document into lines, without the empty
// string after its final newline.
func splitDoc(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// trimBlankTail drops trailing lines that hold only spaces.
func trimBlankTail(l []string) []string {
	for len(l) > 0 && strings.TrimSpace(xansi.Strip(l[len(l)-1])) == "" {
		l = l[:len(l)-1]
	}
	return l
}

// hasLineSuffix is hasLinePrefix for the end of l.
func hasLineSuffix(l, suffix []string) bool {
	return len(suffix) <= len(l) && hasLinePrefix(l[len(l)-len(suffix):], suffix)
}

// hasLinePrefix compares lines as the eye does, without their colours:
// a glamour style from a file may highlight code with chroma's own
// terminal256, which does not always pick the same shade twice.
func hasLinePrefix(l, prefix []string) bool {
	if len(prefix) > len(l) {
		return false
	}
	for i, p := range prefix {
		if l[i] != p && xansi.Strip(l[i]) != xansi.Strip(p) {
			return false
		}
	}
	return true
}
