package tui

import (
	"context"
	"errors"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/render"
)

// saving saves one answer of the chat in the history as it streams. It
// is made in Update and then used only by the stream's command and its
// pump, one after the other. Its methods do nothing on a nil saving.
type saving struct {
	store    *history.Store
	ask      history.Ask
	describe func(error) string
	rec      *history.Recorder
}

// saver is the saving of the question being asked, or nil when the chat
// keeps no history. The conversation gets its id here, at its first
// question, so each turn after it is saved in the same one.
func (m *Model) saver(question, prompt string, retry bool) *saving {
	if m.cfg.History == nil || !m.cfg.Save {
		return nil
	}
	if m.convID == "" {
		m.convID = history.NewID()
	}
	title := history.Title(question)
	if title == "" {
		title = history.Title(prompt)
	}
	c := history.Conversation{Title: title}
	if m.cfg.NewConversation != nil {
		c = m.cfg.NewConversation(c.Title)
	}
	c.ID = m.convID
	return &saving{store: m.cfg.History, ask: history.Ask{Conversation: c, Prompt: prompt, Retry: retry}, describe: m.cfg.Describe}
}

// begin saves the question; its error is the chat's to show once.
func (s *saving) begin(ctx context.Context) error {
	if s == nil {
		return nil
	}
	rec, err := s.store.Begin(ctx, s.ask)
	s.rec = rec
	return err
}

func (s *saving) add(ev client.Event) {
	if s != nil && s.rec != nil {
		s.rec.Add(ev)
	}
}

// end saves how the answer ended: err nil when it completed; a
// cancelled stream was stopped by the user.
func (s *saving) end(stream *client.Stream, err error) {
	if s == nil || s.rec == nil {
		return
	}
	out := history.Outcome{Err: err, Stopped: errors.Is(err, context.Canceled)}
	if err != nil && !out.Stopped {
		out.Line = render.Line(s.describe(err), errMax)
	}
	if stream != nil {
		out.Dialect = string(stream.Dialect())
	}
	s.rec.End(out)
}

// saveNotice is what the chat says, once, when the history cannot be
// written.
func saveNotice(err error) string {
	return "not saved: " + render.Line(err.Error(), errMax)
}
