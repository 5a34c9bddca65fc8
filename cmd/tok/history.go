package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/tui"
)

// historyState is the root command's use of the history: the store,
// opened on first use, and the conversation -c or --cid continues.
type historyState struct {
	store   *history.Store
	openErr error
	opened  bool
	conv    *history.Conversation // what -c or --cid continues, or nil
	warn    string                // why nothing is saved, said once
	warned  bool
}

// openHistory opens the store once. errNoHome is no error to report: a
// tok with no home directory has nowhere to keep a history.
func (o *rootOptions) openHistory(ctx context.Context) (*history.Store, error) {
	h := &o.hist
	if !h.opened {
		h.opened = true
		path, err := history.Path(o.IO.env)
		if err != nil {
			h.openErr = errNoHome{err}
		} else {
			h.store, h.openErr = history.Open(ctx, path)
		}
	}
	return h.store, h.openErr
}

// errNoHome is no HOME and no XDG_DATA_HOME.
type errNoHome struct{ error }

// closeHistory closes the store, once the answers still being saved
// have ended.
func (o *rootOptions) closeHistory() {
	if o.hist.store != nil {
		o.hist.store.Close()
	}
}

// saving reports whether this run saves its conversation: not with
// --no-save, nor with save = false in the config file, for the endpoint
// or at the top.
func (o *rootOptions) saving() bool {
	if o.NoSave {
		return false
	}
	path, err := configPath(o.IO.env)
	if err != nil {
		return true
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return true // resolving the endpoint said so already
	}
	if fe, ok := cfg.Endpoints[o.target.name]; ok && fe.Save != nil {
		return *fe.Save
	}
	return cfg.Save == nil || *cfg.Save
}

// saveStore is the store to save this run's answers in, or nil: when
// saving is off, or the store cannot be opened, which it says once.
func (o *rootOptions) saveStore(ctx context.Context) *history.Store {
	if !o.saving() {
		return nil
	}
	st, err := o.openHistory(ctx)
	var nh errNoHome
	// A signal while it opens is the user's stop, not the history's fault.
	if err != nil && !errors.As(err, &nh) && ctx.Err() == nil && o.hist.warn == "" {
		o.hist.warn = fmt.Sprintf("tok: the history cannot be used (%s); this conversation is not saved", historyError(err))
	}
	return st
}

// historyError is err in a line, with the store's path.
func historyError(err error) string { return describe(err) }

// loadContinued loads the conversation -c or --cid names, and takes its
// endpoint for any the flags do not name: the conversation goes on with
// what it talked to, unless the flags say otherwise.
func (o *rootOptions) loadContinued(ctx context.Context, flagSet func(string) bool) error {
	if !o.Continue && o.CID == "" {
		return nil
	}
	st, err := o.openHistory(ctx)
	if err != nil {
		return fmt.Errorf("cannot continue a conversation: %w", err)
	}
	id, err := findConversation(ctx, st, o.CID)
	if err != nil {
		return err
	}
	c, err := st.Load(ctx, id)
	if err != nil {
		return err
	}
	o.hist.conv = c
	if !flagSet("url") && !flagSet("endpoint") && !flagSet("provider") && !flagSet("base-url") {
		o.takeEndpoint(c.Endpoint, flagSet)
	}
	if !flagSet("system") && c.System != "" {
		o.System, o.systemFromHistory = c.System, true
	}
	return nil
}

// takeEndpoint sets the flags' values from a saved endpoint.
func (o *rootOptions) takeEndpoint(e history.Endpoint, flagSet func(string) bool) {
	switch {
	case e.Name != "":
		o.EndpointName = e.Name
	case e.URL != "":
		o.URL = e.URL
	case e.Provider != "":
		o.Provider, o.BaseURL = e.Provider, e.BaseURL
		if !flagSet("api") {
			o.API = e.API
		}
	}
	if !flagSet("model") && e.Provider != "" {
		o.Model = e.Model
	}
}

// findConversation is the id prefix's conversation, or the one used
// last when prefix is "".
func findConversation(ctx context.Context, st *history.Store, prefix string) (string, error) {
	var ae *history.AmbiguousError
	id, err := st.Resolve(ctx, prefix)
	if prefix == "" {
		id, err = st.Latest(ctx)
	}
	switch {
	case errors.Is(err, history.ErrEmpty):
		return "", usageErrorf("no saved conversation to continue: ask something first, as in: tok \"hello\"")
	case errors.Is(err, history.ErrNotFound):
		return "", usageErrorf("no saved conversation has the id %q: see tok history list", prefix)
	case errors.As(err, &ae):
		return "", usageError{ae}
	}
	return id, err
}

// messages is what the request carries: the continued conversation's
// turns, if any, then the prompt.
func (o *rootOptions) messages(question client.Message) []client.Message {
	var msgs []client.Message
	if o.hist.conv != nil {
		msgs = tui.Messages(o.hist.conv)
	}
	return append(msgs, question)
}

// conversation is the conversation a new turn is saved in: the one
// continued, or a new one titled after the prompt.
func (o *rootOptions) conversation(title string) history.Conversation {
	if c := o.hist.conv; c != nil {
		return history.Conversation{ID: c.ID, Endpoint: history.Endpoint{Label: o.target.label(), Model: o.savedModel()}}
	}
	return history.Conversation{Title: title, Endpoint: o.savedEndpoint(), System: o.target.ep.System}
}

// savedEndpoint is the target as the history keeps it: what can be
// asked again, and nothing secret (no key, no header, an address only
// when it holds no credentials).
func (o *rootOptions) savedEndpoint() history.Endpoint { return o.target.saved() }

func (o *rootOptions) savedModel() string { return o.target.savedModel() }

// saved is t as the history keeps it (see savedEndpoint).
func (t target) saved() history.Endpoint {
	return history.Endpoint{Label: t.label(), Name: t.name, Provider: string(t.ep.Provider), API: t.ep.API,
		BaseURL: withoutSecrets(t.ep.BaseURL), URL: withoutSecrets(t.ep.URL), Model: t.savedModel()}
}

func (t target) savedModel() string {
	if t.ep.Provider == "" {
		return ""
	}
	return t.model()
}

// withoutSecrets is an address when it holds no credentials, else "":
// the label keeps its redacted form for the eye.
func withoutSecrets(u string) string {
	if client.RedactURL(u) != u {
		return ""
	}
	return u
}

// saver saves one answer of the one-shot; its methods do nothing on a
// nil saver (nothing to save).
type saver struct {
	o   *rootOptions
	rec *history.Recorder
}

// beginSave saves the question before it is asked.
func (o *rootOptions) beginSave(ctx context.Context, prompt string) *saver {
	st := o.saveStore(ctx)
	if st == nil {
		o.warnHistory()
		return nil
	}
	title := history.Title(o.Prompt)
	if title == "" {
		title = history.Title(prompt)
	}
	rec, err := st.Begin(ctx, history.Ask{Conversation: o.conversation(title), Prompt: prompt})
	if err != nil {
		o.hist.warn = fmt.Sprintf("tok: the history cannot be written (%s); this answer is not saved", historyError(err))
		o.warnHistory()
		return nil
	}
	return &saver{o: o, rec: rec}
}

// warnHistory says once that the history is not kept.
func (o *rootOptions) warnHistory() {
	if o.hist.warn != "" && !o.hist.warned {
		o.hist.warned = true
		o.IO.errLine(o.hist.warn)
	}
}

func (s *saver) add(ev client.Event) {
	if s != nil {
		s.rec.Add(ev)
	}
}

// end saves how the answer ended: err is what ended it (nil: it
// completed), and a cancelled ctx means the user stopped it.
func (s *saver) end(ctx context.Context, stream *client.Stream, err error) {
	if s == nil {
		return
	}
	out := history.Outcome{Err: err, Stopped: err != nil && ctx.Err() != nil}
	if err != nil {
		out.Line = describe(s.o.failure(err))
	}
	if stream != nil {
		out.Dialect = string(stream.Dialect())
	}
	if werr := s.rec.End(out); werr != nil {
		s.o.IO.errLine(fmt.Sprintf("tok: the history was not written (%s); the answer above is not saved whole", historyError(werr)))
	}
}

// chatHistory is the chat's part of tui.Config: the store for the
// picker (even with --no-save, which only keeps the chat from saving),
// whether to save, the conversation -c or --cid continues, and why
// nothing is saved, if so.
func (o *rootOptions) chatHistory(ctx context.Context) tui.Config {
	save := o.saveStore(ctx)
	st, _ := o.openHistory(ctx)
	return tui.Config{History: st, Save: save != nil, Conversation: o.hist.conv, Notice: o.hist.warn,
		NewConversation: o.target.newConversation}
}
