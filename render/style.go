package render

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
)

// Style names tok knows, besides a path to a glamour JSON style file.
const (
	Dark    = "dark"
	Light   = "light"
	NoColor = "notty"
)

// MaxWidth is the widest tok wraps text by default: lines longer than
// this are hard to read, however wide the terminal.
const MaxWidth = 100

// Width returns the wrap width for a terminal of the given width: the
// terminal's, capped at MaxWidth, or want when it is set (> 0).
func Width(terminal, want int) int {
	switch {
	case want > 0:
		return want
	case terminal <= 0:
		return 80
	}
	return min(terminal, MaxWidth)
}

// StyleName picks the style for a terminal: NO_COLOR (set and not empty)
// means no colour; else GLAMOUR_STYLE when it is set; else dark or light
// from the terminal's background. getenv is os.Getenv in production.
func StyleName(getenv func(string) string, darkBackground bool) string {
	switch {
	case getenv("NO_COLOR") != "":
		return NoColor
	case getenv("GLAMOUR_STYLE") != "":
		return getenv("GLAMOUR_STYLE")
	case darkBackground:
		return Dark
	}
	return Light
}

// Style returns the style of the given name (see glamour's styles: dark,
// light, notty, ascii, dracula, tokyo-night, pink) or the glamour JSON
// style file at that path.
//
// tok's dark and light styles are glamour's, with one change: body text
// keeps the terminal's own foreground colour instead of glamour's grey
// 252 (dark) or 234 (light). With a document colour, glamour pads every
// line to the wrap width with coloured spaces, which costs seven times
// the rendering of the text itself and shows as nothing.
func Style(name string) (ansi.StyleConfig, error) {
	switch name {
	case Dark, "":
		return plainDocument(styles.DarkStyleConfig), nil
	case Light:
		return plainDocument(styles.LightStyleConfig), nil
	}
	if s, ok := styles.DefaultStyles[name]; ok {
		return *s, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return ansi.StyleConfig{}, fmt.Errorf("unknown style %q: use one of %s, or a glamour JSON style file", name, strings.Join(styleNames(), ", "))
	}
	var s ansi.StyleConfig
	if err := json.Unmarshal(b, &s); err != nil {
		return ansi.StyleConfig{}, fmt.Errorf("style file %s: %w", name, err)
	}
	return s, nil
}

func plainDocument(s ansi.StyleConfig) ansi.StyleConfig {
	s.Document.Color = nil
	return s
}

func styleNames() []string {
	var names []string
	for n := range styles.DefaultStyles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
