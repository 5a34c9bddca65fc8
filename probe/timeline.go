package probe

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// bars are the timeline's column heights, lowest first.
var bars = []rune("▁▂▃▄▅▆▇█")

// timelineCols is the most columns the timeline draws.
const timelineCols = 60

// writeTimeline draws when the tokens arrived: one row of bars over
// [0, Total], each column as tall as the tokens in its slice of time, so
// a buffered stream shows as a few tall bars between gaps and a steady
// one as a flat band.
func (res *Result) writeTimeline(b *strings.Builder, st reportStyles) {
	b.WriteString("\n")
	if len(res.Arrivals) == 0 {
		fmt.Fprintf(b, "  %s\n", st.dim("no tokens arrived"))
		return
	}
	span := max(res.Total, res.Arrivals[len(res.Arrivals)-1], time.Millisecond)
	cols, width := timeline(res.Arrivals, span)
	top := slices.Max(cols)
	fmt.Fprintf(b, "  %s\n", st.dim(fmt.Sprintf("tokens over time (each column %s; █ %.0f tok/s)",
		fmtDur(width), top/width.Seconds())))
	row := make([]rune, len(cols))
	for i, v := range cols {
		row[i] = bar(v, top)
	}
	end := fmtDur(span)
	pad := max(len(cols)-1-len(end), 1)
	fmt.Fprintf(b, "  %s\n  %s\n", string(row), st.dim("0"+strings.Repeat(" ", pad)+end))
}

// timeline spreads the arrivals over [0, span] in up to timelineCols
// columns of at least a millisecond, and reports the columns' width.
//
// Each column counts the arrivals near its centre with a tent kernel, of
// half-width the column's width or, for a sparse stream, two mean gaps
// between tokens. So a steady stream draws a flat band, not the beat
// pattern of one and two tokens a column that plain bins give when the
// token interval does not divide the column width, and jitter between
// tokens does not show as ragged bars; a lump still lands in a column or
// two, with blanks between. The weights are scaled to sum to about the
// number of arrivals, so a column's value is tokens in its width.
func timeline(arrivals []time.Duration, span time.Duration) ([]float64, time.Duration) {
	n := int(min(max(span/time.Millisecond, 1), timelineCols))
	width := float64(span / time.Duration(n))
	half := width
	if len(arrivals) > 1 {
		meanGap := float64(arrivals[len(arrivals)-1]-arrivals[0]) / float64(len(arrivals)-1)
		half = max(width, 2*meanGap)
	}
	cols := make([]float64, n)
	for _, at := range arrivals {
		x := float64(at)
		first := max(int(math.Ceil((x-half)/width-0.5)), 0)
		for i := first; i < n && float64(i)*width+width/2 < x+half; i++ {
			near := 1 - math.Abs(x-(float64(i)*width+width/2))/half
			cols[i] += max(near, 0) * width / half
		}
	}
	return cols, time.Duration(width)
}

// bar is the glyph for a column holding v, scaled to the tallest
// column's top: a space for none, and at least the lowest bar for any.
func bar(v, top float64) rune {
	if v <= 0 || top <= 0 {
		return ' '
	}
	level := int(math.Round(v / top * float64(len(bars))))
	return bars[min(max(level, 1), len(bars))-1]
}
