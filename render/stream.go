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

	raw    string    // the text so far, as given
	clean  Sanitizer // sanitizes each update's new text only
	src    string    // the sanitized text so far, tabs expanded
	scan   scanner   // where src can be cut
	done   int       // the cuts already rendered into lines
	lines  []string  // the rendered lines of the finished blocks
	tail   []string  // the rendered lines of the open tail
	prev   string    // a stand-in for the last finished block: the tail's context
	head   []string  // prev's own lines, without trailing blank lines
	stable int       // src[:stable] is finished blocks
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
	s.src += strings.ReplaceAll(s.clean.Clean(text[len(s.raw):]), "\t", "    ")
	s.raw = text
	s.scan.scan(s.src)
	for ; s.done < len(s.scan.cuts); s.done++ {
		if err := s.finish(s.scan.cuts[s.done]); err != nil {
			return err
		}
	}
	tail, err := s.after(repair(s.src[s.stable:], s.scan.fence))
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

// Stable returns the rendered lines of the finished blocks. They stay the
// same, and only grow, until the width changes or the text is replaced.
func (s *Stream) Stable() []string { return s.lines }

// Tail returns the rendered lines of the open tail, repaired.
func (s *Stream) Tail() []string { return s.tail }

// String returns the whole render: the stable lines and the tail.
func (s *Stream) String() string { return s.join(s.tail) }

func (s *Stream) join(tail []string) string {
	return strings.Join(s.lines, "\n") + "\n" + strings.Join(tail, "\n") + "\n"
}

// Final returns the render of the finished answer, text unrepaired. Its
// first len(Stable()) lines are Stable().
func (s *Stream) Final(text string) (string, error) {
	if err := s.Update(text); err != nil {
		return "", err
	}
	s.src += s.clean.Flush()
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

func (s *Stream) reset() error {
	tr, err := glamour.NewTermRenderer(glamour.WithStyles(s.style), glamour.WithWordWrap(s.width))
	if err != nil {
		return fmt.Errorf("new glamour renderer: %w", err)
	}
	*s = Stream{style: s.style, width: s.width, tr: tr, scan: newScanner()}
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
	next = next[:strings.IndexByte(next, '\n')+1]
	withNext, err := s.renderLines(block + next)
	if err != nil {
		return err
	}
	if !hasLinePrefix(withNext, trimBlankTail(lines(s.renderLines(block)))) {
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
		return nil, fmt.Errorf("render markdown: a block changed the one before it (%.20q)", block)
	}
	return full[len(s.head):], nil
}

func (s *Stream) renderLines(md string) ([]string, error) {
	out, err := s.render(md)
	return splitDoc(out), err
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

func lines(l []string, _ error) []string { return l }

// trimBlankTail drops trailing lines that hold only spaces.
func trimBlankTail(l []string) []string {
	for len(l) > 0 && strings.TrimSpace(xansi.Strip(l[len(l)-1])) == "" {
		l = l[:len(l)-1]
	}
	return l
}

// hasLinePrefix compares lines as the eye does, without their colours:
// chroma does not always pick the same shade for the same code twice.
func hasLinePrefix(l, prefix []string) bool {
	if len(prefix) > len(l) {
		return false
	}
	for i, p := range prefix {
		if xansi.Strip(l[i]) != xansi.Strip(p) {
			return false
		}
	}
	return true
}
