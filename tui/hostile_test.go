package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// hostile is server text that tries to reach the terminal: each piece
// goes between "left" and "right".
var hostile = []struct{ name, s string }{
	{"CSI", "\x1b[2J"},
	{"OSC title", "\x1b]0;title\x07"},
	{"OSC 52", "\x1b]52;c;aGVsbG8=\x07"},
	{"DCS", "\x1bPq#0;2;0;0;0\x1b\\"},
	{"APC", "\x1b_apc\x1b\\"},
	{"raw C1 CSI", "\x9b2J"},
	{"raw C1 OSC", "\x9d0;t\x07"},
	{"raw C1 bytes", "\x80\x85\x8d\x9f"},
	{"UTF-8 C1 CSI", "\u009b2J"},
	{"UTF-8 C1 OSC", "\u009d0;title\u009c"},
	{"a forged line", "\ntok: forged line\n"},
}

// hostilePaths put untrusted text where the chat shows it. oneLine: the
// text must stay on one line; transcript: it also shows in Transcript.
var hostilePaths = []struct {
	name       string
	oneLine    bool
	transcript bool
	make       func(t *testing.T, s string) Model
}{
	{"endpoint", true, false, func(t *testing.T, s string) Model {
		cfg := testConfig(t, nil)
		cfg.Endpoint = s
		return update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30})
	}},
	{"model name", true, false, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindStart, Model: s})
	}},
	{"dialect", true, false, func(t *testing.T, s string) Model {
		m := asked(t)
		return update(m, streamMsg{id: m.streamID, dialect: client.Dialect(s), events: []client.Event{text("x")}})
	}},
	{"error", true, true, func(t *testing.T, s string) Model {
		m := feed(asked(t), text("partial"))
		return update(m, streamMsg{id: m.streamID, done: true, err: errors.New(s)})
	}},
	{"error event", true, true, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindError, Err: &client.ServerError{Message: s}})
	}},
	{"retried error", true, true, func(t *testing.T, s string) Model {
		m := asked(t)
		m = update(m, streamMsg{id: m.streamID, done: true, err: errors.New(s)})
		m, _ = press(m, "ctrl+r")
		return m
	}},
	{"retry reason", true, false, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindRetry, Retry: client.Retry{Attempt: 1, Of: 2, Err: errors.New(s)}})
	}},
	{"reconnect reason", true, false, func(t *testing.T, s string) Model {
		return feed(asked(t), text("a"), client.Event{Kind: client.KindReconnect, Retry: client.Retry{Attempt: 1, Of: 2, Err: errors.New(s)}})
	}},
	{"tool name", true, true, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t", Name: s}}, done())
	}},
	{"tool arguments", true, true, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t", Name: "f"}},
			client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t"}, Text: s}, done())
	}},
	// A result shows on up to three lines, each indented under its arrow:
	// its line breaks are kept, its controls are not.
	{"tool result", false, true, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindToolResult, Tool: client.Tool{Name: "f", Result: s}}, done())
	}},
	{"answer", false, true, func(t *testing.T, s string) Model {
		return feed(asked(t), text(s), done())
	}},
	{"answer streaming", false, false, func(t *testing.T, s string) Model {
		return feed(asked(t), text(s))
	}},
	{"thinking", false, false, func(t *testing.T, s string) Model {
		return feed(asked(t), client.Event{Kind: client.KindThinking, Text: s})
	}},
	{"question", false, true, func(t *testing.T, s string) Model {
		m := newTestModel(t, 100, 30, nil)
		m.input.SetValue(s) // as a paste would
		m, _ = press(m, "enter")
		return feed(m, text("answer"), done())
	}},
}

func asked(t *testing.T) Model { return ask(t, newTestModel(t, 100, 30, nil), "q") }

// sgr is tok's own styling, the one sequence the chat writes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestServerTextNeverReachesTheTerminalRaw(t *testing.T) {
	for _, path := range hostilePaths {
		for _, h := range hostile {
			t.Run(path.name+"/"+h.name, func(t *testing.T) {
				m := path.make(t, "left"+h.s+"right")
				outs := map[string]string{"View": m.View().Content}
				if path.transcript {
					outs["Transcript"] = m.Transcript()
				}
				for where, out := range outs {
					if err := rawControl(out); err != "" {
						t.Errorf("%s: %s:\n%q", where, err, out)
					}
					if !path.oneLine {
						continue
					}
					line := lineWith(stripSGR(out), "left")
					if !strings.Contains(line, "right") {
						t.Errorf("%s: the text is not one line: %q", where, line)
					}
				}
			})
		}
	}
}

// rawControl says what in out, once tok's styling is left out, a
// terminal would take for a control: ESC, BEL, a C1 control, or a byte
// that is not UTF-8.
func rawControl(out string) string {
	rest := stripSGR(out)
	if !utf8.ValidString(rest) {
		return "a byte that is not UTF-8"
	}
	for _, r := range rest {
		switch {
		case r == 0x1b:
			return "ESC"
		case r < 0x20 && r != '\n' && r != '\t':
			return "a C0 control"
		case r >= 0x7f && r < 0xa0:
			return "a C1 control"
		}
	}
	return ""
}

func stripSGR(s string) string { return sgr.ReplaceAllString(s, "") }

// lineWith returns the first line of s that holds sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func TestACopiedAnswerCarriesNoControls(t *testing.T) {
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			m := feed(asked(t), text("left"+h.s+"right"), done())
			_, cmd := press(m, "ctrl+y")
			osc52 := cmd().(tea.BatchMsg)[0]() // the terminal's copy; [1] is the system clipboard's
			if err := rawControl(fmt.Sprint(osc52)); err != "" {
				t.Errorf("the copy holds %s: %q", err, fmt.Sprint(osc52))
			}
		})
	}
}
