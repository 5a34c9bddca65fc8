package client

import (
	"strconv"
	"strings"
)

// Answer gathers one answer's events into the turns the next request
// carries: the model's text and tool calls as assistant turns, and the
// tools' results as tool turns after them, in the calls' order. The tool
// loop ([Client.ChatTools]) keeps one to ask for each continuation; a
// chat keeps one per answer, for the conversation it sends next and
// saves.
//
// Invariants of [Answer.Messages]: every tool call has exactly one
// result, right after the turn that made it (a call that got none, as
// when the answer was stopped or failed first, gets an error result that
// says so); every call has an ID, unique in the answer; reasoning is
// left out. The zero Answer is empty and ready to use.
type Answer struct {
	steps []answerStep
	ids   int // calls numbered so far, for the IDs a dialect left out
}

// answerStep is one request's worth: text, the calls it made, and the
// results they got.
type answerStep struct {
	text    strings.Builder
	calls   []ToolCall
	sentID  []string // each call's ID as the stream named it
	results map[string]ToolResult
}

// NotRun is the result a call gets in [Answer.Messages] when the answer
// ended before the call ran or finished.
const NotRun = "not run: the answer ended before this call finished (it was stopped, or it failed)"

// Add applies one event.
func (a *Answer) Add(ev Event) {
	switch ev.Kind {
	case KindText:
		if ev.Text != "" {
			a.open().text.WriteString(ev.Text)
		}
	case KindToolStart:
		a.start(ev.Tool)
	case KindToolArgs:
		if s, i := a.find(ev.Tool, false); i >= 0 {
			s.calls[i].Args += ev.Text
		}
	case KindToolExecuting:
		s, i := a.find(ev.Tool, true)
		if i < 0 {
			s, i = a.start(ev.Tool)
		}
		if ev.Tool.Args != "" {
			s.calls[i].Args = ev.Tool.Args // the whole, as run
		}
	case KindToolResult:
		a.result(ev.Tool)
	}
}

// open is the step that new text or a new call belongs to: the last,
// unless its calls have results, which close it.
func (a *Answer) open() *answerStep {
	if n := len(a.steps); n > 0 && len(a.steps[n-1].results) == 0 {
		return &a.steps[n-1]
	}
	a.steps = append(a.steps, answerStep{})
	return &a.steps[len(a.steps)-1]
}

func (a *Answer) start(t Tool) (*answerStep, int) {
	s := a.open()
	a.ids++
	id := t.ID
	if id == "" || a.known(id) {
		id = "call_" + strconv.Itoa(a.ids)
		if t.ID != "" {
			id = t.ID + "_" + strconv.Itoa(a.ids)
		}
	}
	s.calls = append(s.calls, ToolCall{ID: id, Name: t.Name, Args: t.Args, Signature: t.Signature})
	s.sentID = append(s.sentID, t.ID)
	return s, len(s.calls) - 1
}

// known reports whether a call of the answer has the ID.
func (a *Answer) known(id string) bool {
	for _, s := range a.steps {
		for _, c := range s.calls {
			if c.ID == id {
				return true
			}
		}
	}
	return false
}

// find is the call an event refers to, in the last step, or -1. An
// execution or a result (unresolved) is the first call still without a
// result that has its ID (the one tok gave it, else the stream's), else
// its name. Arguments are the latest call with their ID as the stream
// gave it (Gemini repeats a name as the ID), else the latest call.
func (a *Answer) find(t Tool, unresolved bool) (*answerStep, int) {
	n := len(a.steps)
	if n == 0 {
		return nil, -1
	}
	s := &a.steps[n-1]
	open := func(i int) bool { _, done := s.results[s.calls[i].ID]; return !unresolved || !done }
	order := func(yield func(int) bool) { // latest first for arguments, first first for results
		for k := range s.calls {
			i := k
			if !unresolved {
				i = len(s.calls) - 1 - k
			}
			if !yield(i) {
				return
			}
		}
	}
	own := func(i int) bool { return t.ID != "" && s.calls[i].ID == t.ID }
	sent := func(i int) bool { return t.ID != "" && s.sentID[i] == t.ID }
	match := []func(i int) bool{own, sent,
		func(i int) bool { return unresolved && t.Name != "" && s.calls[i].Name == t.Name },
		func(i int) bool { return t.ID == "" },
	}
	if !unresolved { // arguments come from the stream, by its IDs
		match[0], match[1] = sent, own
	}
	for _, m := range match {
		for i := range order {
			if m(i) && open(i) {
				return s, i
			}
		}
	}
	return s, -1
}

func (a *Answer) result(t Tool) {
	s, i := a.find(t, true)
	if i < 0 {
		s, i = a.start(t)
	}
	c := s.calls[i]
	if s.results == nil {
		s.results = map[string]ToolResult{}
	}
	s.results[c.ID] = ToolResult{ID: c.ID, Name: c.Name, Content: t.Result, IsError: t.IsError}
}

// Pending are the calls of the last step that have no result yet.
func (a *Answer) Pending() []ToolCall {
	n := len(a.steps)
	if n == 0 {
		return nil
	}
	var out []ToolCall
	s := a.steps[n-1]
	for _, c := range s.calls {
		if _, ok := s.results[c.ID]; !ok {
			out = append(out, c)
		}
	}
	return out
}

// Text is the answer's text, every step's joined.
func (a *Answer) Text() string {
	var b strings.Builder
	for i := range a.steps {
		b.WriteString(a.steps[i].text.String())
	}
	return b.String()
}

// Messages are the answer's turns, as [Answer] describes them.
func (a *Answer) Messages() []Message {
	var out []Message
	for i := range a.steps {
		s := &a.steps[i]
		text := s.text.String()
		if strings.TrimSpace(text) == "" && len(s.calls) == 0 {
			continue
		}
		out = append(out, Message{Role: "assistant", Content: text, ToolCalls: append([]ToolCall(nil), s.calls...)})
		if len(s.calls) == 0 {
			continue
		}
		results := make([]ToolResult, len(s.calls))
		for j, c := range s.calls {
			r, ok := s.results[c.ID]
			if !ok {
				r = ToolResult{ID: c.ID, Name: c.Name, Content: NotRun, IsError: true}
			}
			results[j] = r
		}
		out = append(out, Message{Role: RoleTool, ToolResults: results})
	}
	return out
}
