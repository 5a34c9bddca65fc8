package probe

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// The charts of the HTML report are drawn here as inline SVG: no script,
// no font or style from the network, so the report opens anywhere.

// palette colours the series, in order (Tableau 10, which reads in
// colour-blind vision too).
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"}

// series is one line of a chart: a value for each of its x positions,
// NaN where there is none.
type series struct {
	name   string
	color  string
	values []float64
	dashed bool
}

// plot is the frame of one chart: its size, margins and axes.
type plot struct {
	w, h                   float64
	left, right, top, foot float64
	ymax                   float64
	yfmt                   func(float64) string
}

func newPlot(ymax float64, yfmt func(float64) string) plot {
	return plot{w: 360, h: 232, left: 56, right: 12, top: 42, foot: 40, ymax: niceCeil(ymax), yfmt: yfmt}
}

func (p plot) innerW() float64 { return p.w - p.left - p.right }
func (p plot) innerH() float64 { return p.h - p.top - p.foot }

// y maps a value to its height on the chart.
func (p plot) y(v float64) float64 { return p.top + p.innerH()*(1-v/p.ymax) }

// open starts the chart's SVG with its title and its y axis, and
// gridlines at round values.
func (p plot) open(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img">`, p.w, p.h, p.w, p.h)
	fmt.Fprintf(b, `<title>%s</title><text x="%.0f" y="16" class="t">%s</text>`, esc(title), p.left, esc(title))
	for _, v := range ticks(p.ymax) {
		y := p.y(v)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="g"/>`, p.left, p.w-p.right, y, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" class="yl">%s</text>`, p.left-6, y+4, esc(p.yfmt(v)))
	}
	fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="ax"/>`, p.left, p.w-p.right, p.y(0), p.y(0))
}

// xAt spreads n categories across the chart.
func (p plot) xAt(i, n int) float64 {
	if n <= 1 {
		return p.left + p.innerW()/2
	}
	return p.left + 10 + (p.innerW()-20)*float64(i)/float64(n-1)
}

// topOf is the top of a chart's scale: its highest value, or a tenth
// above the target line.
func topOf(ss []series, target float64) float64 {
	top := target * 1.1
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) {
				top = max(top, v)
			}
		}
	}
	return top
}

// lineChart draws series over categories (a sweep's levels), with a
// dashed line at target when it is above 0, and a legend.
func lineChart(title, xlabel string, cats []string, ss []series, target float64, yfmt func(float64) string) string {
	p := newPlot(topOf(ss, target), yfmt)
	var b strings.Builder
	p.open(&b, title)
	for i, c := range cats {
		x := p.xAt(i, len(cats))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="xl">%s</text>`, x, p.h-p.foot+16, esc(c))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="xl">%s</text>`, p.left+p.innerW()/2, p.h-6, esc(xlabel))
	if target > 0 {
		y := p.y(target)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="tg"/>`, p.left, p.w-p.right, y, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tgl">target %s</text>`, p.w-p.right, y-4, esc(yfmt(target)))
	}
	for _, s := range ss {
		p.polyline(&b, s, len(cats))
	}
	legend(&b, p, ss)
	b.WriteString("</svg>")
	return b.String()
}

// polyline draws one series with a dot at each value.
func (p plot) polyline(b *strings.Builder, s series, n int) {
	var pts []string
	for i, v := range s.values {
		if math.IsNaN(v) {
			continue
		}
		x, y := p.xAt(i, n), p.y(v)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.6" fill="%s"><title>%s: %s</title></circle>`, x, y, s.color, esc(s.name), esc(p.yfmt(v)))
	}
	dash := ""
	if s.dashed {
		dash = ` stroke-dasharray="4 3"`
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.8"%s/>`, strings.Join(pts, " "), s.color, dash)
}

// legend names the series along the top right.
func legend(b *strings.Builder, p plot, ss []series) {
	x := p.w - p.right
	for i := len(ss) - 1; i >= 0; i-- {
		w := 14 + 6.2*float64(len([]rune(ss[i].name)))
		x -= w
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="9" height="9" fill="%s"/>`, x, p.top-19, ss[i].color)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" class="lg">%s</text>`, x+12, p.top-11, esc(ss[i].name))
	}
}

// barChart draws groups of bars: for each category, a bar a series.
func barChart(title string, cats []string, ss []series, target float64, yfmt func(float64) string) string {
	p := newPlot(topOf(ss, target), yfmt)
	var b strings.Builder
	p.open(&b, title)
	group := p.innerW() / float64(len(cats))
	bar := group * 0.8 / float64(len(ss))
	for i, c := range cats {
		gx := p.left + group*float64(i) + group*0.1
		for j, s := range ss {
			v := s.values[i]
			if math.IsNaN(v) {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				gx+bar*float64(j), p.y(v), bar-1, p.y(0)-p.y(v), s.color, esc(s.name), esc(c), esc(yfmt(v)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="xl">%s</text>`, gx+group*0.4, p.h-p.foot+16, esc(c))
	}
	if target > 0 {
		y := p.y(target)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="tg"/>`, p.left, p.w-p.right, y, y)
	}
	legend(&b, p, ss)
	b.WriteString("</svg>")
	return b.String()
}

// point is one dot of a scatter chart.
type point struct {
	x, y  float64
	color string
	label string
}

// scatterChart draws points over a numeric x axis from 0 to xmax.
func scatterChart(title, xlabel string, pts []point, xmax, target float64, xfmt, yfmt func(float64) string) string {
	top := target * 1.1
	for _, pt := range pts {
		top = max(top, pt.y)
	}
	p := newPlot(top, yfmt)
	p.w = 740
	xmax = niceCeil(xmax)
	var b strings.Builder
	p.open(&b, title)
	xAt := func(v float64) float64 { return p.left + p.innerW()*v/xmax }
	for _, v := range ticks(xmax) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="xl">%s</text>`, xAt(v), p.h-p.foot+16, esc(xfmt(v)))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="xl">%s</text>`, p.left+p.innerW()/2, p.h-6, esc(xlabel))
	if target > 0 {
		y := p.y(target)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="tg"/>`, p.left, p.w-p.right, y, y)
	}
	for _, pt := range pts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s" fill-opacity="0.7"><title>%s</title></circle>`,
			xAt(pt.x), p.y(pt.y), pt.color, esc(pt.label))
	}
	b.WriteString("</svg>")
	return b.String()
}

// ticks are round values from 0 to top, four or five of them.
func ticks(top float64) []float64 {
	step := niceCeil(top / 5)
	var out []float64
	for v := step; v <= top*1.0001; v += step {
		out = append(out, v)
	}
	return out
}

// niceCeil rounds v up to a round number: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or
// 8 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*pow*1.0000001 {
			return m * pow
		}
	}
	return 10 * pow
}

// esc escapes text for SVG and HTML, its controls made safe first.
func esc(s string) string { return html.EscapeString(oneLine(s)) }
