package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
)

// runFile types cmd, presses Enter and delivers what reading the file said.
func runFile(t *testing.T, m Model, cmd string) Model {
	t.Helper()
	m, c := press(typeText(m, cmd), "enter")
	if m.live() != nil {
		t.Fatalf("%q was sent as a question", cmd)
	}
	if c != nil {
		m = update(m, c())
	}
	return m
}

func TestFileAttachesToTheNextQuestion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "main.go")
	os.WriteFile(path, []byte("package main\n"), 0o600)
	m := runFile(t, newTestModel(t, 200, 30, nil), "/file "+path)
	wantOnScreen(t, screen(m), "attached "+path+" (13 B)")
	if m.input.Value() != "" {
		t.Errorf("the input kept %q", m.input.Value())
	}
	m = typeText(m, "x") // another key: the files stay on the status line
	wantOnScreen(t, screen(m), "sent with the next question")
	m = ask(t, m, "what is it?")
	msgs := conversation(m.turns)
	want := path + ":\n```go\npackage main\n```\n\nxwhat is it?"
	if got := msgs[len(msgs)-1].Content; got != want {
		t.Errorf("the question = %q, want %q", got, want)
	}
	if len(m.files) != 0 {
		t.Errorf("%d files wait after the question took them", len(m.files))
	}
	wantOnScreen(t, screen(m), "[attached "+path+" (13 B)]")
}

func TestFileSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	png := filepath.Join(dir, "d.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600)
	for cmd, want := range map[string]string{
		"/file " + filepath.Join(dir, "nope.go"): "nope.go does not exist",
		"/file":                                  "/file needs a path",
		"/file '" + filepath.Join(dir, "my file.go") + "'": "my file.go does not exist",
		"/file " + png: "d.png is an image; test endpoint takes text only",
	} {
		m := runFile(t, newTestModel(t, 200, 30, nil), cmd)
		wantOnScreen(t, screen(m), want)
		if len(m.files) != 0 {
			t.Errorf("%q attached %d files", cmd, len(m.files))
		}
	}
}

// tok -f in the chat: the files go with the first question, images as
// images.
func TestAttachGoesWithTheFirstQuestion(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, nil)
	cfg.Images = true
	cfg.Attach = []client.Attachment{{Name: "d.png", Size: 3, Image: &client.Image{Name: "d.png", MIME: "image/png", Data: []byte("png")}}}
	m := update(New(cfg), tea.WindowSizeMsg{Width: 100, Height: 30})
	wantOnScreen(t, screen(m), "attached d.png (3 B) · sent with the next question")
	m = ask(t, m, "what is it?")
	q := conversation(m.turns)[0]
	if len(q.Images) != 1 || q.Content != "what is it?" {
		t.Errorf("the first question = %+v", q)
	}
	if !strings.Contains(q.Described(), "[image d.png, image/png, 3 B: not kept]") {
		t.Errorf("saved as %q", q.Described())
	}
}

// Ctrl+L to an endpoint that reads images lets /file attach one; back
// to one that does not, it is refused at once.
func TestTheEndpointPickedSaysWhetherImagesMayBeAttached(t *testing.T) {
	t.Parallel()
	png := filepath.Join(t.TempDir(), "d.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600)
	m := newTestModel(t, 200, 30, nil)
	for _, images := range []bool{true, false} {
		m = update(m, switchedMsg{name: "other", target: Target{Label: "other", Open: m.cfg.Open, Images: images}})
		m.files = nil
		m = runFile(t, m, "/file "+png)
		if got := len(m.files) == 1; got != images {
			t.Errorf("endpoint reads images %v: attached = %v (%q)", images, got, m.notice)
		}
	}
}
