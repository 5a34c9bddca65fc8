package render

import (
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
)

// chromaFormatter is the name glamour is given for code highlighting:
// chroma's terminal256 formatter, whose output it reproduces byte for
// byte, with its colour table computed once per style instead of on every
// code block (that search for the nearest of 256 colours was 90% of the
// cost of rendering a short block).
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

// theme asks terminal256 for the escape sequence of every token type of
// the style once, by formatting one marked token of each type.
func (f *cached256) theme(style *chroma.Style) map[chroma.TokenType]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.themes[style]; ok {
		return t
	}
	types := style.Types()
	i := 0
	it := func() chroma.Token {
		if i == len(types) {
			return chroma.EOF
		}
		i++
		return chroma.Token{Type: types[i-1], Value: "\x00"}
	}
	var out bytes.Buffer
	_ = formatters.TTY256.Format(&out, style, it)
	theme := make(map[chroma.TokenType]string, len(types))
	for k, piece := range strings.Split(out.String(), "\x00")[:len(types)] {
		theme[types[k]] = strings.TrimPrefix(piece, "\033[0m")
	}
	f.themes[style] = theme
	return theme
}
