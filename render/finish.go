package render

import (
	"fmt"
	"strings"

	xansi "github.com/charmbracelet/x/ansi"
)

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
