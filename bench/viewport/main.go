// Command viewport is the floor under bench/tui.py: a bare Bubble Tea v2
// program that streams an answer into a viewport, laid out as tok's chat
// is (a header, the transcript, a rule, the input, the status and help
// lines) but with no markdown, no styles and no caching of its own. Run
// in place of tok (bench/tui.py --tok viewport), it shows what Bubble
// Tea's renderer costs at a token rate, so that tok's cost above it can
// be told apart.
//
//	go build -o /tmp/viewport ./bench/viewport
//	python3 bench/tui.py --tok /tmp/tok --tok /tmp/viewport --runs 5
//
// It answers the same command line as tok does there (--url URL), shows
// "ready", and on Enter posts to the URL and reads tok's SSE protocol.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

func main() {
	url := flag.String("url", "", "the tok-protocol endpoint to stream from")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "viewport: give the endpoint with --url")
		os.Exit(2)
	}
	m := model{url: *url, vp: viewport.New(), ch: make(chan string, 512)}
	if _, err := tea.NewProgram(m).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "viewport:", err)
		os.Exit(1)
	}
}

type (
	tokensMsg []string // the tokens that arrived since the last message
	doneMsg   struct{ err error }
)

type model struct {
	url           string
	vp            viewport.Model
	ch            chan string
	lines         []string // the answer, wrapped
	tokens        int
	status        string
	width, height int
}

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.vp.SetWidth(msg.Width)
		m.vp.SetHeight(max(msg.Height-5, 1))
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c", "ctrl+d":
			return m, tea.Quit
		case "enter":
			m.status = "streaming"
			return m, tea.Batch(stream(m.url, m.ch), wait(m.ch))
		}
	case tokensMsg:
		for _, t := range msg {
			m.add(t)
		}
		m.tokens += len(msg)
		m.vp.SetContentLines(m.lines[max(len(m.lines)-m.vp.Height(), 0):])
		m.vp.GotoBottom()
		return m, wait(m.ch)
	case doneMsg:
		m.status = "done"
		if msg.err != nil {
			m.status = msg.err.Error()
		}
	}
	return m, nil
}

// add appends a token to the answer, wrapping at the width.
func (m *model) add(t string) {
	for i, para := range strings.Split(t, "\n\n") {
		if i > 0 || len(m.lines) == 0 {
			m.lines = append(m.lines, "", "  ")
		}
		last := &m.lines[len(m.lines)-1]
		if len(*last)+len(para) > m.width-2 && strings.TrimSpace(*last) != "" {
			m.lines = append(m.lines, "  ")
			last = &m.lines[len(m.lines)-1]
		}
		*last += para
	}
}

func (m model) View() tea.View {
	status := "ready"
	if m.status != "" {
		status = fmt.Sprintf("%s · %d tokens", m.status, m.tokens)
	}
	v := tea.NewView(strings.Join([]string{" viewport · the floor", m.vp.View(), strings.Repeat("─", m.width),
		"┃ ", " " + status, " esc stop · ctrl+c quit"}, "\n"))
	v.AltScreen = true
	return v
}

// stream posts the question and hands each token to ch, closing it at
// the end of the answer.
func stream(url string, ch chan<- string) tea.Cmd {
	return func() tea.Msg {
		defer close(ch)
		body := `{"messages":[{"role":"user","content":"go"}]}`
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return doneMsg{err}
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: "))
			if !ok {
				continue
			}
			var ev struct{ Type, Content string }
			if json.Unmarshal(data, &ev) == nil && ev.Type == "token" {
				ch <- ev.Content
			}
		}
		return doneMsg{sc.Err()}
	}
}

// wait blocks for the next token, then takes the ones already there.
func wait(ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		t, ok := <-ch
		if !ok {
			return nil
		}
		msg := tokensMsg{t}
		for {
			select {
			case t, ok := <-ch:
				if !ok {
					return msg
				}
				msg = append(msg, t)
			default:
				return msg
			}
		}
	}
}
