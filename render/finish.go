package render

import (
	"fmt"
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
)

// groupMax is about how much markdown the finished blocks of one update
// span at most to be rendered together. A burst of text that finishes
// many blocks at once (a fast server, a slow terminal, a whole answer)
// renders them in one glamour call, and checks only the last cut (see
// finishGroup), rather than in three calls a block, each with a fixed
// cost of some 40 µs. Past a few KB a larger group saves little more
// (4 KB to 16 KB: 6% of the CPU) and holds more memory in one call.
const groupMax = 4 << 10

// finishCuts renders the blocks the scanner finished since the last
// update into the stable lines: a group of them at a time where they are
// short, else one by one.
func (s *Stream) finishCuts() error {
	cuts := s.scan.cuts
	for s.done < len(cuts) {
		n := 1
		for s.done+n < len(cuts) && cuts[s.done+n]-s.stable <= groupMax {
			n++
		}
		if n > 1 {
			ok, err := s.finishGroup(cuts[s.done : s.done+n])
			if err != nil {
				return err
			}
			if ok {
				s.done += n
				continue
			}
		}
		for end := s.done + n; s.done < end; s.done++ {
			if err := s.finish(cuts[s.done]); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish renders the block that ends at cut into the stable lines. The
// block's trailing blank lines are left to the next piece: glamour's
// margins after a block depend on what follows. If the block's lines
// change once the line after the cut is rendered after it, the cut is not
// taken and the block joins the next one.
func (s *Stream) finish(cut int) error {
	block := s.src[s.stable:cut]
	own, ok, err := s.holds(s.prev, s.head, block, s.nextAt(cut))
	if err != nil || !ok {
		return err // not ok: the cut is not taken
	}
	return s.take(own, block, cut)
}

// finishGroup renders the blocks up to the last of cuts (two or more)
// together, as finish renders one, and reports whether it could. Only
// the last cut is checked, as finish checks it: its block, after a
// stand-in of the block before it, keeps its lines once the next line is
// rendered after it. The cuts inside need no check, since the blocks
// between them are rendered as one. Where the last cut does not hold,
// the caller finishes the blocks one by one.
func (s *Stream) finishGroup(cuts []int) (bool, error) {
	k := len(cuts)
	from, inner, last := s.stable, cuts[k-2], cuts[k-1]
	if k > 2 {
		from = cuts[k-3]
	}
	ctx := standIn(s.src[from:inner])
	head, err := s.headOf(ctx)
	if err != nil {
		return false, err
	}
	if _, ok, err := s.holds(ctx, head, s.src[inner:last], s.nextAt(last)); err != nil || !ok {
		return false, err
	}
	piece, err := s.after(s.src[s.stable:last])
	if err != nil {
		return false, err
	}
	return true, s.take(trimBlankTail(piece), s.src[inner:last], last)
}

// holds renders block after the stand-in prev, whose own lines are head,
// and reports whether its lines stay the same once next, the start of the
// text after it, is rendered after it. It returns block's lines, without
// trailing blank lines.
func (s *Stream) holds(prev string, head []string, block, next string) (_ []string, ok bool, _ error) {
	piece, err := s.afterIn(prev, head, block)
	if err != nil {
		return nil, false, err
	}
	own := trimBlankTail(piece)
	withNext, err := s.afterIn(prev, head, block+next)
	if err != nil {
		return nil, false, err
	}
	return own, hasLinePrefix(withNext, own), nil
}

// nextAt is what the scanner saw of the text after cut when it cut there:
// the next line's first byte where that decided, else the whole line.
func (s *Stream) nextAt(cut int) string {
	next := s.src[cut:]
	if startsBlock(next) {
		return next[:1] // see scanner.scan
	}
	return next[:strings.IndexByte(next, '\n')+1]
}

// take makes own, the lines of the text up to cut, stable; block, the
// last block before cut, is the next block's context.
func (s *Stream) take(own []string, block string, cut int) error {
	ctx := standIn(block)
	head, err := s.headOf(ctx)
	if err != nil {
		return err
	}
	s.lines = append(s.lines, own...)
	s.prev, s.head, s.stable = ctx, head, cut
	return nil
}

// headOf returns the lines of a stand-in, without the blank lines that
// end it; the stand-in word's are rendered once.
func (s *Stream) headOf(ctx string) ([]string, error) {
	if ctx == standInWord {
		return s.context(ctx)
	}
	l, err := s.renderLines(ctx)
	return trimBlankTail(l), err
}

// after renders block as glamour does after the last finished block,
// without that block's own lines: the lines block adds to the document.
func (s *Stream) after(block string) ([]string, error) {
	return s.afterIn(s.prev, s.head, block)
}

// afterIn is after for the stand-in prev, whose own lines are head.
func (s *Stream) afterIn(prev string, head []string, block string) ([]string, error) {
	if prev == "" {
		return s.renderLines(block)
	}
	full, err := s.renderLines(prev + block)
	if err != nil {
		return nil, err
	}
	if !hasLinePrefix(full, head) {
		// The block changes the one before it: a link reference
		// definition arrived after the text that uses it. The lines
		// before are final; the block is rendered on its own.
		return s.renderLines(block)
	}
	return full[len(head):], nil
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
