package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// fileCommand is the chat's command that attaches a file to the next
// question: /file PATH.
const fileCommand = "/file"

// attachedMsg is a file /file read, or why it could not.
type attachedMsg struct {
	att client.Attachment
	err error
}

// fileArg reports whether q is a /file command, and its path.
func fileArg(q string) (path string, ok bool) {
	q = strings.TrimSpace(q)
	rest, ok := strings.CutPrefix(q, fileCommand)
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	path = strings.TrimSpace(rest)
	if len(path) >= 2 && (path[0] == '"' || path[0] == '\'') && path[len(path)-1] == path[0] {
		path = path[1 : len(path)-1] // a quoted path, as a shell would take it
	}
	return path, true
}

// attach runs /file PATH: the file is read aside, and attachedMsg says
// how it went.
func (m Model) attach(path string) (tea.Model, tea.Cmd) {
	m.input.Reset()
	m.layout()
	m.syncKeys()
	if path == "" {
		m.notice = "/file needs a path, as in: /file main.go"
		return m, nil
	}
	return m, readFile(path)
}

// readFile reads path as an attachment; ~/ is the home directory, as
// in a shell.
func readFile(path string) tea.Cmd {
	return func() tea.Msg {
		name := path
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		a, err := client.ReadAttachment(path)
		var fe *client.FileError
		if errors.As(err, &fe) {
			fe.Name = name
		}
		a.Name = name
		if a.Image != nil {
			a.Image.Name = name
		}
		return attachedMsg{att: a, err: err}
	}
}

// handleAttached keeps the file for the next question, or says why not.
func (m Model) handleAttached(msg attachedMsg) (tea.Model, tea.Cmd) {
	a := msg.att
	switch {
	case msg.err != nil:
		m.notice = render.Line(msg.err.Error(), lineMax)
	case a.Image != nil && !m.cfg.Images:
		m.notice = render.Line(a.Name+" is an image; "+m.cfg.Endpoint+" takes text only: ask Anthropic, OpenAI or Gemini", lineMax)
	case attachedSize(m.files)+a.Size > client.MaxAttachments:
		m.notice = "not attached: the files would come to over " + client.LimitWords(client.MaxAttachments) + ", the limit for one question"
	default:
		m.files = append(m.files, a)
		m.notice = "attached " + render.Line(a.Name, 80) + " (" + client.FormatSize(a.Size) + ")"
	}
	return m, nil
}

func attachedSize(atts []client.Attachment) int64 {
	var n int64
	for _, a := range atts {
		n += a.Size
	}
	return n
}

// filesStatus is the status line while files wait for the next question.
func (m Model) filesStatus() string {
	if len(m.files) == 0 || m.live() != nil {
		return ""
	}
	return xansi.Truncate(" "+m.paint.st.Notice.Render(filesLine(m.files)+" · sent with the next question"), m.width, "…")
}

// filesLine names attachments: "attached main.go (2.1 KB), diagram.png (120.0 KB)".
func filesLine(atts []client.Attachment) string {
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = render.Line(a.Name, 80) + " (" + client.FormatSize(a.Size) + ")"
	}
	return "attached " + strings.Join(names, ", ")
}

// message is the turn's question as the request carries it: the
// attached text files fenced before the typed words, and the images.
func (t *turn) message() client.Message {
	if len(t.files) == 0 {
		return client.Message{Role: "user", Content: t.question}
	}
	return client.Question("", t.files, t.question)
}

// displayed is the question as the transcript shows it: the typed words, and
// a line naming the files that went with them.
func (t *turn) displayed() string {
	if len(t.files) == 0 {
		return t.question
	}
	return t.question + "\n[" + filesLine(t.files) + "]"
}
