package tui

import "strings"

// source is the transcript as the scroller reads it: n blocks, and the
// lines of block i, drawn on demand (see block). It is a type of its
// own, holding only the painter, which keeps the blocks of the update
// under way (Model.source): a closure would move the model to the heap
// at every update.
type source struct {
	n     int
	paint *painter
}

// lines returns block i's lines; the live block's are drawn once an
// update, however often they are asked for.
func (s source) lines(i int) []string {
	p := s.paint
	if p.hello != nil {
		return p.hello
	}
	b := p.blocks[i]
	if b.kind != blockLive {
		return p.draw(b)
	}
	if !p.liveOK {
		p.live[0], p.live[1], p.live[2] = p.liveLines(b.turn, p.cursor)
		p.liveOK = true
	}
	return p.live[b.piece]
}

// scroller shows a window of the transcript. It follows the bottom while
// the user has not scrolled up: scrolling up stops following and notes
// the text that arrives below; reaching the bottom again, or the follow
// key, resumes it.
//
// Its place is a block and a line in it, not a line of the whole, so it
// draws only the blocks it shows (and, to find the bottom, those of the
// last screen): the cost of a frame, a scroll or a resize follows the
// window's size, not the transcript's. Every method that moves the window
// draws it again (fill), so View only joins lines.
type scroller struct {
	height int
	top    int  // the block of the window's first line
	line   int  // that line, within the block
	follow bool // stick to the bottom as lines arrive
	unseen bool // lines arrived below the window while not following

	shown   []string // the window's lines
	more    bool     // the transcript does not fit the window
	count   int      // the blocks at the last update
	lastLen int      // and the last three blocks' lines, to see text arrive
}

func newScroller() scroller { return scroller{follow: true} }

// update takes a changed transcript: it keeps the window where it was
// unless following.
func (s *scroller) update(src source) {
	last := 0 // the lines of the last blocks: the live turn's, if any
	for i := max(src.n-3, 0); i < src.n; i++ {
		last += len(src.lines(i))
	}
	if !s.follow && (src.n != s.count || last != s.lastLen) {
		s.unseen = true
	}
	s.count, s.lastLen = src.n, last
	s.settle(src)
}

// resize sets the window's height, for the transcript as it is now
// (after a rewrap, the window's first line stays in its block).
func (s *scroller) resize(height int, src source) {
	s.height = max(height, 0)
	s.settle(src)
}

// settle puts the window at the bottom when following, else keeps it in
// bounds, and draws it.
func (s *scroller) settle(src source) {
	if s.follow {
		s.top, s.line = s.bottomAt(src)
	} else {
		s.clamp(src)
	}
	s.fill(src)
}

// scroll moves the window by n lines, down if n > 0.
func (s *scroller) scroll(n int, src source) {
	s.line += n
	for s.line < 0 && s.top > 0 {
		s.top--
		s.line += len(src.lines(s.top))
	}
	for s.top < src.n-1 && s.line >= len(src.lines(s.top)) {
		s.line -= len(src.lines(s.top))
		s.top++
	}
	s.line = max(s.line, 0)
	bt, bl := s.bottomAt(src)
	s.follow = s.top > bt || s.top == bt && s.line >= bl
	if s.follow {
		s.top, s.line, s.unseen = bt, bl, false
	}
	s.fill(src)
}

// bottom jumps to the end and follows again.
func (s *scroller) bottom(src source) {
	s.follow, s.unseen = true, false
	s.settle(src)
}

// bottomAt is the window's place at the bottom: the last screen's first
// line. Only the blocks of the last screen are drawn.
func (s *scroller) bottomAt(src source) (top, line int) {
	need := s.height
	for i := src.n - 1; i >= 0; i-- {
		n := len(src.lines(i))
		if n >= need {
			return i, n - need
		}
		need -= n
	}
	return 0, 0
}

// clamp keeps the window inside the transcript, and not past its bottom.
func (s *scroller) clamp(src source) {
	s.top = min(max(s.top, 0), max(src.n-1, 0))
	s.line = max(s.line, 0)
	if bt, bl := s.bottomAt(src); s.top > bt || s.top == bt && s.line > bl {
		s.top, s.line = bt, bl
	}
}

// fill draws the window's lines.
func (s *scroller) fill(src source) {
	s.shown = make([]string, 0, s.height) // earlier copies of the model keep theirs
	skip := s.line
	for i := s.top; i < src.n && len(s.shown) < s.height; i++ {
		lines := src.lines(i)
		if skip < len(lines) {
			s.shown = append(s.shown, lines[skip:min(len(lines), skip+s.height-len(s.shown))]...)
		}
		skip = 0
	}
	s.more = s.top > 0 || s.line > 0 || !s.atBottom(src)
}

// atBottom reports whether the window shows the transcript's last line.
func (s *scroller) atBottom(src source) bool {
	bt, bl := s.bottomAt(src)
	return s.top > bt || s.top == bt && s.line >= bl
}

// view returns the window, exactly height lines; marker, if not empty,
// takes the last line while there is unseen text below.
func (s *scroller) view(marker string) string {
	var b strings.Builder
	for i := range s.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case i == s.height-1 && marker != "" && !s.follow && s.unseen:
			b.WriteString(marker)
		case i < len(s.shown):
			b.WriteString(s.shown[i])
		}
	}
	return b.String()
}
