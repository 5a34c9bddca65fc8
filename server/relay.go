package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/tokcli/tok/client"
)

// play writes the answer: the stored tokens from resumeFrom, then the
// upstream's events, and returns how the request ended.
func (rl *relay) play(st *client.Stream) string {
	if rl.enc.begin(rl.fw) != nil {
		return EndClientDisconnect
	}
	for i := rl.req.resumeFrom; i < len(rl.stored); i++ {
		if rl.enc.text(rl.fw, rl.stored[i], i) != nil {
			return EndClientDisconnect
		}
		rl.tokenSent()
	}
	switch {
	case rl.storedDone:
		return rl.finish("")
	case st == nil:
		return rl.fail(cannotContinue)
	}
	return rl.pump(st)
}

// pump relays the upstream's events until a terminal one, an error, or
// the client's leaving.
func (rl *relay) pump(st *client.Stream) string {
	for {
		ev, err := rl.next(st)
		switch {
		case rl.ctx.Err() != nil:
			if err == nil && (ev.Kind == client.KindText || ev.Kind == client.KindThinking) {
				rl.after++
			}
			return rl.stopped()
		case err != nil:
			return rl.fail(rl.upstreamMessage(err))
		}
		if end, done := rl.handle(ev); done {
			return end
		}
	}
}

func (rl *relay) next(st *client.Stream) (client.Event, error) {
	if ev := rl.first; ev != nil {
		rl.first = nil
		return *ev, nil
	}
	return st.Next()
}

// handle writes one event; done reports that the request ended.
func (rl *relay) handle(ev client.Event) (end string, done bool) {
	if end, done, ok := rl.toolEvent(ev); ok {
		return end, done
	}
	if ev.Kind == client.KindToolArgs {
		return rl.written(rl.toolArgs(ev.Text))
	}
	if rl.call != nil {
		if end, done := rl.written(rl.closeCall()); done {
			return end, true
		}
	}
	switch ev.Kind {
	case client.KindText:
		return rl.written(rl.text(ev.Text))
	case client.KindThinking:
		rl.tokenSent()
		return rl.written(rl.enc.thinking(rl.fw, ev.Text, rl.index))
	case client.KindToolStart:
		return rl.written(rl.openCall(ev.Tool))
	case client.KindUsage:
		rl.usage = ev.Usage
	case client.KindDone:
		return rl.finish(ev.StopReason), true
	case client.KindError:
		if ev.Err == nil {
			ev.Err = &client.ServerError{}
		}
		return rl.fail(rl.upstreamMessage(ev.Err)), true
	}
	return "", false
}

// written turns a write error into the end of the request.
func (rl *relay) written(err error) (end string, done bool) {
	if err != nil {
		return EndClientDisconnect, true
	}
	return "", false
}

// text writes a text token and keeps it for a session.
func (rl *relay) text(text string) error {
	if text = rl.trimSkip(text); text == "" {
		return nil
	}
	if err := rl.enc.text(rl.fw, text, rl.index); err != nil {
		return err
	}
	rl.keep.append(rl.index, text)
	rl.index++
	rl.tokenSent()
	return nil
}

// trimSkip drops from the start of a continuation the whitespace the
// stored answer already ends with.
func (rl *relay) trimSkip(text string) string {
	for rl.skip != "" && text != "" && text[0] == rl.skip[0] {
		text, rl.skip = text[1:], rl.skip[1:]
	}
	if text != "" {
		rl.skip = ""
	}
	return text
}

func (rl *relay) openCall(t client.Tool) error {
	if t.ID == "" {
		t.ID = "call_" + randomID()
	}
	rl.call, rl.calls = &toolCall{ID: t.ID, Name: t.Name, Result: notRun}, rl.calls+1
	return rl.enc.toolStart(rl.fw, *rl.call)
}

func (rl *relay) toolArgs(fragment string) error {
	if rl.call == nil {
		return nil
	}
	rl.call.Args += fragment
	return rl.enc.toolArgs(rl.fw, *rl.call, fragment, rl.index)
}

// closeCall ends the open call. Encoders that repeat the arguments whole
// need JSON: arguments that are not are sent as a JSON string.
func (rl *relay) closeCall() error {
	call := *rl.call
	rl.call = nil
	switch {
	case strings.TrimSpace(call.Args) == "":
		call.Args = "{}"
	case !json.Valid([]byte(call.Args)):
		b, _ := json.Marshal(call.Args)
		call.Args = string(b)
	}
	return rl.enc.toolEnd(rl.fw, call)
}

func (rl *relay) tokenSent() {
	rl.sent++
	rl.stats.sent(rl.rec, rl.sent, rl.started)
}

// finish ends a whole answer. The session is marked finished before the
// client can read the end and ask again, as the scripted model does.
func (rl *relay) finish(reason string) string {
	rl.keep.finish()
	usage := rl.usage
	if usage == (client.Usage{}) { // the upstream sent none, or a stored answer: an estimate
		usage = client.Usage{InputTokens: promptTokens(rl.req), OutputTokens: rl.sent}
	}
	usage.OutputTokens += rl.prefix
	if rl.enc.end(rl.fw, usage, rl.stopOf(reason)) != nil || rl.fw.close() != nil {
		return EndClientDisconnect
	}
	return EndComplete
}

// stopOf maps the upstream's stop reason. Gemini and Responses end a turn
// that called a tool as any other, so a call makes it a tool-use stop.
func (rl *relay) stopOf(reason string) stop {
	switch strings.ToLower(reason) {
	case "max_tokens", "length", "max_output_tokens":
		return stopMaxTokens
	case "tool_use", "tool_calls":
		return stopToolUse
	}
	if rl.calls > 0 {
		return stopToolUse
	}
	return stopEnd
}

// fail ends the answer with the dialect's error event.
func (rl *relay) fail(message string) string {
	rl.stats.update(rl.rec, func(rec *Record) { rec.Error = message })
	if rl.enc.fail(rl.fw, message) != nil || rl.fw.close() != nil {
		return EndClientDisconnect
	}
	return EndErrorEvent
}

// stopped ends a relay whose context is done: the client left, or the
// server is shutting down and says so (to a client that may have left
// too, which the failed write then tells), or hands a session off.
func (rl *relay) stopped() string {
	if rl.shuttingDown() && rl.req.sessionID != "" {
		return handOff(rl.fw)
	}
	if rl.shuttingDown() {
		return rl.fail(errShuttingDown.Error())
	}
	return EndClientDisconnect
}

func (rl *relay) shuttingDown() bool {
	return errors.Is(context.Cause(rl.ctx), errShuttingDown)
}

// upstreamMessage says that err came from upstream, without the key.
func (rl *relay) upstreamMessage(err error) string {
	msg := err.Error()
	if errors.Is(err, io.EOF) {
		msg = "the stream ended early"
	}
	if key := rl.up.Endpoint.Key; key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	return "upstream " + string(rl.up.Endpoint.Provider) + ": " + msg
}
