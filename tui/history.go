package tui

import (
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
)

// Messages is what a request that continues the saved conversation c
// carries before its new question: the same turns, in the same shape,
// as the chat would send had it asked them itself (see conversation).
func Messages(c *history.Conversation) []client.Message {
	return conversation(turnsFrom(c))
}

// turnsFrom makes chat turns of a saved conversation's, finished.
func turnsFrom(c *history.Conversation) []*turn {
	turns := make([]*turn, 0, len(c.Turns))
	for _, h := range c.Turns {
		turns = append(turns, turnFrom(h))
	}
	return turns
}

func turnFrom(h history.Turn) *turn {
	t := &turn{question: h.Prompt, retried: h.Retried, usage: client.Usage{InputTokens: h.Usage.InputTokens,
		OutputTokens: h.Usage.OutputTokens}, model: h.Model, firstText: h.FirstToken, loaded: true}
	if h.Thinking != "" {
		p := &part{kind: partThinking}
		p.text.WriteString(h.Thinking)
		t.parts = append(t.parts, p)
	}
	at := 0
	var results []client.Event // of the calls since the last text
	for _, k := range h.Tools {
		off := min(max(k.Offset, at), len(h.Answer))
		if off > at {
			t.replay(results...)
			results = nil
		}
		t.addSaved(h.Answer[at:off])
		at = off
		tool := client.Tool{ID: k.ID, Name: k.Name, Args: k.Arguments, Signature: k.Signature,
			Result: k.Result, IsError: k.IsError}
		p := &part{kind: partTool, tool: tool, running: k.State == "running", done: k.State == "done"}
		p.text.WriteString(k.Arguments)
		t.parts = append(t.parts, p)
		t.replay(client.Event{Kind: client.KindToolStart, Tool: tool})
		if p.done {
			results = append(results, client.Event{Kind: client.KindToolResult, Tool: tool})
		}
	}
	t.replay(results...)
	t.addSaved(h.Answer[at:])
	t.state, t.err = stateDone, ""
	switch h.Ending {
	case history.EndLength:
		t.atLimit = true
	case history.EndStopped:
		t.state = stateStopped
	case history.EndError, history.EndCutOff, history.EndStreaming:
		t.state, t.err = stateFailed, h.Error
		if t.err == "" {
			t.err = h.Ending.Words()
		}
	}
	return t
}

// replay gives the turn's reply (the turns the next request carries)
// saved events. A step's calls are replayed before their results, as
// the tool loop streams them: calls with no text between them are one
// step.
func (t *turn) replay(evs ...client.Event) {
	for _, ev := range evs {
		t.reply.Add(ev)
	}
}

// addSaved appends saved answer text as a text part.
func (t *turn) addSaved(text string) {
	if text == "" {
		return
	}
	t.replay(client.Event{Kind: client.KindText, Text: text})
	p := &part{kind: partText}
	p.text.WriteString(text)
	t.parts = append(t.parts, p)
}
