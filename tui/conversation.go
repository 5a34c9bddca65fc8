package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/tokcli/tok/client"
)

// conversation is what the next request carries: every question with
// the answer it got, partial answers included, but not the answers that
// were retried. Each question that ended is followed by an answer, so
// the roles alternate as every API wants: a tool call is told in words
// (tok sends no tool results, and an API wants one for each call it
// sees as a call), and a question left without any answer (stopped
// before the first word, failed, or answered with nothing) gets a note
// saying so. Dropping that question instead would hide from the model a
// question the user still sees on screen; leaving it bare would put two
// questions in a row, which a client merges into one.
func conversation(turns []*turn) []client.Message {
	var msgs []client.Message
	for _, t := range turns {
		if t.retried {
			continue
		}
		msgs = append(msgs, client.Message{Role: "user", Content: t.question})
		if t.state.live() {
			continue // the question being asked
		}
		reply := t.reply()
		if strings.TrimSpace(reply) == "" {
			reply = unanswered(t.state)
		}
		msgs = append(msgs, client.Message{Role: "assistant", Content: reply})
	}
	return msgs
}

// reply is the answer as the next request carries it: its text, with
// each tool call in brackets where it came.
func (t *turn) reply() string {
	var b strings.Builder
	afterTool := false
	for _, p := range t.parts {
		switch p.kind {
		case partText:
			if afterTool {
				b.WriteString("\n\n")
			}
			b.WriteString(p.text.String())
			afterTool = false
		case partTool:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "\n\n") {
				b.WriteString("\n\n")
			}
			b.WriteString(toolNote(p))
			afterTool = true
		}
	}
	return b.String()
}

// toolNoteMax bounds a tool call's arguments and result in a note, in
// bytes: a search result can be long, and the model has seen it.
const toolNoteMax = 2000

// toolNote tells a tool call in words: one the model asked for (tok
// does not run tools), or one the server ran.
func toolNote(p *part) string {
	call := strings.TrimSpace(clip(p.tool.Name, 200) + " " + clip(strings.TrimSpace(p.text.String()), toolNoteMax))
	switch {
	case p.done:
		return "[the server ran " + call + ", which returned " + clip(strings.TrimSpace(p.tool.Result), toolNoteMax) + "]"
	case p.running:
		return "[the server was running " + call + " when the answer ended]"
	}
	return "[asked to run " + call + "; tok does not run tools, so it was not run]"
}

// unanswered stands for the answer to a question that got none.
func unanswered(s state) string {
	switch s {
	case stateStopped:
		return "[no answer: the user stopped it before it began]"
	case stateFailed:
		return "[no answer: the request failed]"
	}
	return "[no answer]"
}

// clip cuts s to at most n bytes, at a character's start, marking the
// cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// cut reports whether the answer ended at the token limit.
func (t *turn) cut() bool { return t.state == stateDone && t.atLimit }
