package tui

import (
	"fmt"
	"io"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/render"
)

// Programs are the user's programs the chat lends the terminal to: the
// editor for the draft (Ctrl+G, or Ctrl+X Ctrl+E as in bash) and the
// pager for the last answer (Ctrl+O). cmd picks them ($VISUAL, $EDITOR,
// $PAGER); the chat never reads the environment.
type Programs struct {
	// Edit has the editor edit text on the terminal in/out and returns
	// what it saved; an editor that fails is an error. Nil: no editor.
	Edit func(text string, in io.Reader, out, errOut io.Writer) (string, error)
	// Page shows text in the pager, drawn on out. Nil: no pager.
	Page func(text string, out, errOut io.Writer) error
	// run runs c with the terminal, the chat suspended meanwhile, then
	// delivers fn's message; nil is tea.Exec. Tests set their own.
	run func(c tea.ExecCommand, fn tea.ExecCallback) tea.Cmd
}

// lent is a run of the editor or the pager: tea.Exec hands it the
// terminal (SetStdin …), runs it with the chat suspended, and restores
// the chat. ran and err are what the run came to (the callback's error
// may be the terminal's restore instead).
type lent struct {
	run         func(in io.Reader, out, errOut io.Writer) error
	in          io.Reader
	out, errOut io.Writer
	ran         bool
	err         error
}

func (l *lent) SetStdin(r io.Reader)  { l.in = r }
func (l *lent) SetStdout(w io.Writer) { l.out = w }
func (l *lent) SetStderr(w io.Writer) { l.errOut = w }

func (l *lent) Run() error {
	l.ran, l.err = true, l.run(l.in, l.out, l.errOut)
	return l.err
}

// outcome is the run's error, or the error that kept it from running.
func (l *lent) outcome(err error) error {
	if l.ran {
		return l.err
	}
	return err
}

// editedMsg is what the editor left: the text it saved, and the draft
// it was given; err if it failed.
type editedMsg struct {
	draft, text string
	err         error
}

// pagedMsg reports the pager's end; err if it failed.
type pagedMsg struct{ err error }

// handleProgramKey opens the editor or the pager, reporting whether msg
// was one of their keys. Ctrl+X waits for the key after it: Ctrl+E opens
// the editor, and any other key does what it always does. The approval
// prompt and the picker keep their keys (they see them first).
func (m *Model) handleProgramKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	prefix := m.ctrlX
	m.ctrlX = false
	if m.approval.prompt != nil {
		return nil, false
	}
	switch {
	case prefix && key.Matches(msg, m.keys.CtrlXE), key.Matches(msg, m.keys.Edit):
		return m.openEditor(), true
	case key.Matches(msg, m.keys.CtrlX):
		m.ctrlX, m.notice = true, "ctrl+x …"
		return nil, true
	case key.Matches(msg, m.keys.Page):
		return m.openPager(), true
	}
	return nil, false
}

// openEditor hands the draft to the editor. What it saves comes back
// as an editedMsg; nothing is sent until Enter.
func (m *Model) openEditor() tea.Cmd {
	edit := m.cfg.Programs.Edit
	if edit == nil {
		m.notice = "no editor: set $VISUAL or $EDITOR"
		return nil
	}
	draft := m.input.Value()
	var text string
	l := &lent{run: func(in io.Reader, out, errOut io.Writer) (err error) {
		text, err = edit(draft, in, out, errOut)
		return err
	}}
	return m.exec(l, func(err error) tea.Msg { return editedMsg{draft: draft, text: text, err: l.outcome(err)} })
}

// openPager shows the last answer's markdown, sanitised, in the pager.
func (m *Model) openPager() tea.Cmd {
	md := render.Sanitize(m.lastAnswer())
	switch {
	case strings.TrimSpace(md) == "":
		m.notice = "no answer yet"
		return nil
	case m.cfg.Programs.Page == nil:
		m.notice = "no pager: set $PAGER"
		return nil
	}
	page := m.cfg.Programs.Page
	l := &lent{run: func(_ io.Reader, out, errOut io.Writer) error { return page(md, out, errOut) }}
	return m.exec(l, func(err error) tea.Msg { return pagedMsg{err: l.outcome(err)} })
}

// exec runs c with the terminal lent to it.
func (m *Model) exec(c tea.ExecCommand, fn tea.ExecCallback) tea.Cmd {
	if m.cfg.Programs.run != nil {
		return m.cfg.Programs.run(c, fn)
	}
	return tea.Exec(c, fn)
}

// handleProgram takes what the editor left as the draft, or says why
// the draft is as it was; and says why the pager failed, if it did.
func (m Model) handleProgram(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pagedMsg:
		if msg.err != nil {
			m.notice = "the pager failed: " + render.Line(msg.err.Error(), errMax)
		}
	case editedMsg:
		m.notice = m.takeEdit(msg)
		m.layout()
		m.syncKeys()
	}
	return m, nil
}

// takeEdit makes the editor's text the draft, and returns the notice
// that says what happened. The input keeps at most 10,000 lines: a text
// it would cut leaves the draft as it was.
func (m *Model) takeEdit(msg editedMsg) string {
	text := strings.TrimRight(strings.ReplaceAll(msg.text, "\r\n", "\n"), "\n")
	switch {
	case msg.err != nil:
		return "the editor failed (" + render.Line(msg.err.Error(), errMax) + "): the draft is as it was"
	case strings.TrimSpace(text) == "":
		return "the editor's file was empty: the draft is as it was"
	case text == msg.draft:
		return "the draft is unchanged"
	}
	m.input.SetValue(text)
	if strings.Count(m.input.Value(), "\n") != strings.Count(text, "\n") {
		m.input.SetValue(msg.draft)
		return "the editor's text is too long for the input: the draft is as it was"
	}
	return fmt.Sprintf("the draft is the editor's (%s) · enter sends", lineCount(text))
}

// lineCount is "1 line" or "n lines".
func lineCount(s string) string {
	if n := strings.Count(s, "\n") + 1; n != 1 {
		return fmt.Sprintf("%d lines", n)
	}
	return "1 line"
}
