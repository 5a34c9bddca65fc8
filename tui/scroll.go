package tui

import "strings"

// scroller shows a window of the transcript's lines. It follows the
// bottom while the user has not scrolled up: scrolling up stops following
// and counts the text that arrives below; reaching the bottom again, or
// the follow key, resumes it.
//
// bubbles' viewport measures the width of every line on each SetContent,
// a cost that grows with the transcript on every frame; the scroller only
// touches the lines it shows.
type scroller struct {
	lines  []string
	height int
	offset int  // the first line shown
	follow bool // stick to the bottom as lines arrive
	unseen bool // lines arrived below the window while not following
}

func newScroller() scroller { return scroller{follow: true} }

// setLines replaces the content, keeping the window where it was unless
// following.
func (s *scroller) setLines(lines []string) {
	if len(lines) > len(s.lines) && !s.follow {
		s.unseen = true
	}
	s.lines = lines
	if s.follow {
		s.offset = s.maxOffset()
	}
	s.clamp()
}

// resize sets the window's height; a new line count after a rewrap
// keeps the window at the same place in the text, in proportion.
func (s *scroller) resize(height int, lines []string) {
	if !s.follow && len(s.lines) > 0 {
		s.offset = s.offset * len(lines) / len(s.lines)
	}
	s.height = max(height, 0)
	s.lines = lines
	if s.follow {
		s.offset = s.maxOffset()
	}
	s.clamp()
}

// scroll moves the window by n lines, down if n > 0.
func (s *scroller) scroll(n int) {
	s.offset += n
	s.clamp()
	s.follow = s.offset >= s.maxOffset()
	if s.follow {
		s.unseen = false
	}
}

// bottom jumps to the end and follows again.
func (s *scroller) bottom() { s.scroll(len(s.lines)) }

func (s *scroller) maxOffset() int { return max(len(s.lines)-s.height, 0) }

func (s *scroller) clamp() { s.offset = min(max(s.offset, 0), s.maxOffset()) }

// view returns the window, exactly height lines; marker, if not empty,
// takes the last line while there is unseen text below.
func (s *scroller) view(marker string) string {
	end := min(s.offset+s.height, len(s.lines))
	shown := s.lines[s.offset:end]
	var b strings.Builder
	for i := range s.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case i == s.height-1 && marker != "" && !s.follow && s.unseen:
			b.WriteString(marker)
		case i < len(shown):
			b.WriteString(shown[i])
		}
	}
	return b.String()
}
