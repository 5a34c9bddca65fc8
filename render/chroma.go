package render

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
)

// chromaFormatter is the name glamour is given for code highlighting:
// chroma's terminal256 formatter, reproduced, with its colour table
// computed once per style instead of on every code block (that search
// for the nearest of 256 colours was 90% of the cost of rendering a
// short block).
const chromaFormatter = "tok-terminal256"

func init() {
	formatters.Register(chromaFormatter, &cached256{themes: map[*chroma.Style]map[chroma.TokenType]string{}})
}

type cached256 struct {
	mu     sync.Mutex
	themes map[*chroma.Style]map[chroma.TokenType]string
}

func (f *cached256) Format(w io.Writer, style *chroma.Style, it chroma.Iterator) error {
	theme := f.theme(style)
	var b strings.Builder
	for token := it(); token != chroma.EOF; token = it() {
		clr, ok := theme[token.Type]
		if !ok {
			if clr, ok = theme[token.Type.SubCategory()]; !ok {
				if clr, ok = theme[token.Type.Category()]; !ok {
					if clr, ok = theme[chroma.Text]; !ok {
						clr = theme[chroma.Background]
					}
				}
			}
		}
		b.WriteString(clr)
		b.WriteString(token.Value)
		if clr != "" {
			b.WriteString("\033[0m")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// theme computes, once per style, the escape sequence of every token
// type as terminal256 does (bold, underline, italic, then the nearest of
// the 256 colours), but breaking ties between equally near colours by
// the lower index, where terminal256 takes whichever its map yields
// first: the same code gets the same colour on every run.
func (f *cached256) theme(style *chroma.Style) map[chroma.TokenType]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := style // the style chroma hands over, not the copy built below
	if t, ok := f.themes[key]; ok {
		return t
	}
	b := style.Builder()
	bg := b.Get(chroma.Background)
	bg.Background, bg.NoInherit = 0, true
	b.AddEntry(chroma.Background, bg)
	if built, err := b.Build(); err == nil {
		style = built
	}
	theme := map[chroma.TokenType]string{}
	for _, tt := range style.Types() {
		e := style.Get(tt)
		var out string
		if e.Bold == chroma.Yes {
			out += "\033[1m"
		}
		if e.Underline == chroma.Yes {
			out += "\033[4m"
		}
		if e.Italic == chroma.Yes {
			out += "\033[3m"
		}
		if e.Colour.IsSet() {
			out += fmt.Sprintf("\033[38;5;%dm", nearest256(e.Colour))
		}
		if e.Background.IsSet() {
			out += fmt.Sprintf("\033[48;5;%dm", nearest256(e.Background))
		}
		theme[tt] = out
	}
	f.themes[key] = theme
	return theme
}

// palette256 is chroma's 256-colour table: xterm's colours, where a
// colour listed twice keeps its later index, as in chroma's map.
// It is made on the first code block, not at start: a tok that renders
// no code (--version, a pipe) does not pay for it.
var palette256 = sync.OnceValue(func() []struct {
	c     chroma.Colour
	index int
} {
	var cols []chroma.Colour
	for _, h := range []string{"#000000", "#800000", "#008000", "#808000", "#000080", "#800080", "#008080", "#c0c0c0",
		"#808080", "#ff0000", "#00ff00", "#ffff00", "#0000ff", "#ff00ff", "#00ffff", "#ffffff"} {
		cols = append(cols, chroma.MustParseColour(h))
	}
	levels := []uint8{0, 0x5f, 0x87, 0xaf, 0xd7, 0xff}
	for _, r := range levels {
		for _, g := range levels {
			for _, b := range levels {
				cols = append(cols, chroma.NewColour(r, g, b))
			}
		}
	}
	for i := range 24 {
		v := uint8(8 + 10*i)
		cols = append(cols, chroma.NewColour(v, v, v))
	}
	last := map[chroma.Colour]int{}
	for i, c := range cols {
		last[c] = i
	}
	var p []struct {
		c     chroma.Colour
		index int
	}
	for i, c := range cols {
		if last[c] == i {
			p = append(p, struct {
				c     chroma.Colour
				index int
			}{c, i})
		}
	}
	return p
})

func nearest256(c chroma.Colour) int {
	best, dist := 0, math.MaxFloat64
	for _, p := range palette256() {
		if d := p.c.Distance(c); d < dist {
			best, dist = p.index, d
		}
	}
	return best
}
