package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/tokcli/tok/client"
)

// nineColumns is an answer with a table of nine columns, too wide for a
// chat 40 or 80 columns wide.
const nineColumns = "The services:\n\n" +
	"| Service | Region | Owner | Tier | p50 | p99 | Errors | Status | Notes |\n" +
	"|---|---|---|---|--:|--:|--:|:-:|---|\n" +
	"| auth-gateway | eu-west-1 | identity | gold | 12 ms | 85 ms | 0.02% | ok | fronts every login |\n" +
	"| billing | us-east-2 | payments | gold | 30 ms | 210 ms | 0.40% | degraded | retries on 429 |\n\n" +
	"Done.\n"

// TestViewGoldenWideTable pins the chat's view of a nine-column table
// streamed in pieces, at 40, 80 and 120 columns (tall enough to show it
// all), and checks that no cell's text is lost: a name: value list at 40,
// a grid whose cells wrap at 80, the table whole at 120.
func TestViewGoldenWideTable(t *testing.T) {
	for _, size := range [][2]int{{40, 48}, {80, 30}, {120, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := ask(t, newTestModel(t, size[0], size[1], nil), "Which services?")
			for n := 0; n < len(nineColumns); n += 9 {
				m = feed(m, client.Event{Kind: client.KindText, Text: nineColumns[n:min(n+9, len(nineColumns))], At: durationMS(200 + n)})
			}
			m = feed(m, done())
			view := screen(m)
			for _, line := range strings.Split(nineColumns, "\n") {
				if !strings.HasPrefix(line, "| ") {
					continue
				}
				for _, cell := range strings.Split(strings.Trim(line, "| "), "|") {
					for _, word := range strings.Fields(cell) {
						if len(word) <= 4 && !strings.Contains(view, word) {
							t.Errorf("the word %q of the table is not on the screen:\n%s", word, view)
						}
					}
				}
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}
