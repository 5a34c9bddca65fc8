package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

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

// beginSave saves the question aside while the request goes out:
// opening the store and writing to it cost more than a request on
// loopback, and the answer's first text must not wait for the disk. The
// events that come before the question is written wait in the saver. A
// question the user stops at once is written all the same: the store's
// open and write are bounded by its busy timeout.
func (o *rootOptions) beginSave(ctx context.Context, prompt string) *saver {
	title := history.Title(o.Prompt)
	if title == "" {
		title = history.Title(prompt)
	}
	ask := history.Ask{Conversation: o.conversation(title), Prompt: prompt}
	s := &saver{o: o, say: o.IO.errLine, begun: make(chan struct{})}
	go s.begin(ctx, ask)
	return s
}

// saver saves one answer of the one-shot; its methods do nothing on a
// nil saver.
type saver struct {
	o     *rootOptions
	say   func(line string) // where its warnings go (see sayTo)
	begun chan struct{}     // closed once the question is written, or cannot be
	mu    sync.Mutex
	rec   *history.Recorder // set once begun; nil then if nothing is saved
	early []client.Event    // events that came before begun
	off   bool              // begun, and nothing is saved
}

// begin writes the question, then hands the events that came meanwhile
// to the recorder. Nothing else touches o.hist until end has waited for
// it.
func (s *saver) begin(ctx context.Context, ask history.Ask) {
	defer close(s.begun)
	rec := s.record(ctx, ask)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rec, s.off = rec, rec == nil
	if rec != nil {
		for _, ev := range s.early {
			rec.Add(ev)
		}
	}
	s.early = nil
}

// record opens the store and writes the question: the recorder of its
// answer, or nil when nothing is saved (o.hist.warn says why, if it is
// a fault).
func (s *saver) record(ctx context.Context, ask history.Ask) *history.Recorder {
	ctx = context.WithoutCancel(ctx) // a stop keeps what was asked
	st := s.o.saveStore(ctx)
	if st == nil {
		return nil
	}
	rec, err := st.Begin(ctx, ask)
	if err != nil {
		s.o.hist.warn = fmt.Sprintf("tok: the history cannot be written (%s); this answer is not saved", historyError(err))
		return nil
	}
	return rec
}

// sayTo sends the saver's warnings through say: the printer's note,
// which keeps them off the answer's open block on a terminal.
func (s *saver) sayTo(say func(line string)) {
	if s != nil {
		s.say = say
	}
}

func (s *saver) add(ev client.Event) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.rec != nil:
		s.rec.Add(ev)
	case !s.off:
		s.early = append(s.early, ev)
	}
}

// end saves how the answer ended: err is what ended it (nil: it
// completed), and a cancelled ctx means the user stopped it. It says,
// once, when nothing is saved.
func (s *saver) end(ctx context.Context, stream *client.Stream, err error) {
	if s == nil {
		return
	}
	<-s.begun
	if h := &s.o.hist; h.warn != "" && !h.warned {
		h.warned = true
		s.say(h.warn)
	}
	if s.rec == nil {
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
		s.say(fmt.Sprintf("tok: the history was not written (%s); the answer above is not saved whole", historyError(werr)))
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
