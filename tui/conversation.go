package tui

import (
	"unicode/utf8"

	"github.com/tokcli/tok/client"
)

// conversation is what the next request carries: every question with
// the answer it got, partial answers included, but not the answers that
// were retried. Each answer is its turns as client.Answer gathers them:
// its text and tool calls, then the tools' results (a call that got none
// says so), so that the roles alternate as every API wants. A question
// left without any answer (stopped before the first word, failed, or
// answered with nothing) gets a note saying so. Dropping that question
// instead would hide from the model a question the user still sees on
// screen; leaving it bare would put two questions in a row, which a
// client merges into one.
func conversation(turns []*turn) []client.Message {
	var msgs []client.Message
	for _, t := range turns {
		if t.retried {
			continue
		}
		msgs = append(msgs, t.message())
		if t.state.live() {
			continue // the question being asked
		}
		reply := t.reply.Messages()
		if len(reply) == 0 {
			reply = []client.Message{{Role: "assistant", Content: unanswered(t.state)}}
		}
		msgs = append(msgs, reply...)
	}
	return msgs
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
