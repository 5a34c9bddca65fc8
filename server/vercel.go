package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokcli/tok/client"
)

// vercelDialect is the AI SDK v5 UI message stream, as a route handler
// returning toUIMessageStreamResponse() answers useChat
// (ai-sdk.dev/docs/ai-sdk-ui/stream-protocol): one JSON chunk per data
// frame, then "data: [DONE]". The server runs tools: a tool's output is
// streamed and the answer goes on in a new step.
var vercelDialect = &dialect{
	name:        "vercel",
	parse:       parseVercel,
	writeError:  writeVercelError,
	newEncoder:  func(chatRequest) encoder { return &vercelEncoder{} },
	serverTools: true,
	header:      func(h http.Header) { h.Set("x-vercel-ai-ui-message-stream", "v1") },
}

// vercelBody is what useChat posts: UIMessages with parts, or the older
// {role, content} messages.
type vercelBody struct {
	Messages []vercelMessage `json:"messages"`
}

type vercelMessage struct {
	Role    string       `json:"role"`
	Parts   []vercelPart `json:"parts"`
	Content *string      `json:"content"`
}

type vercelPart struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	State string `json:"state"`
}

func parseVercel(_ *http.Request, body []byte) (chatRequest, *apiError) {
	var b vercelBody
	if err := json.Unmarshal(body, &b); err != nil {
		return chatRequest{}, badRequest("the body is not the JSON useChat sends: " + err.Error())
	}
	if len(b.Messages) == 0 {
		return chatRequest{}, badRequest("messages: at least one message is required")
	}
	var req chatRequest
	var system []string
	for i, m := range b.Messages {
		text, err := m.check("messages[" + itoa(i) + "]")
		if err != nil {
			return chatRequest{}, err
		}
		if m.Role == "system" {
			system = append(system, text)
			continue
		}
		req.messages = append(req.messages, client.Message{Role: m.Role, Content: text})
	}
	req.system = strings.Join(system, "\n")
	last := b.Messages[len(b.Messages)-1]
	// With tools run in the browser, useChat posts again once the last
	// assistant message holds the tool's output.
	req.toolResult = last.Role == "assistant" && last.hasToolOutput()
	if last.Role != "user" && !req.toolResult {
		return chatRequest{}, badRequest("messages: the last message must be from the user, or an assistant message with a tool's output")
	}
	return req, nil
}

// check validates one message and returns its text.
func (m vercelMessage) check(at string) (string, *apiError) {
	if m.Role != "system" && m.Role != "user" && m.Role != "assistant" {
		return "", badRequest(at + ".role: must be system, user or assistant, not " + strconv.Quote(m.Role))
	}
	if m.Content != nil && len(m.Parts) == 0 {
		return *m.Content, nil
	}
	if len(m.Parts) == 0 {
		return "", badRequest(at + ": parts (or content) is required")
	}
	var texts []string
	for j, p := range m.Parts {
		switch {
		case p.Type == "":
			return "", badRequest(at + ".parts[" + itoa(j) + "].type is required")
		case p.Type == "text":
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, ""), nil
}

func (m vercelMessage) hasToolOutput() bool {
	for _, p := range m.Parts {
		if (strings.HasPrefix(p.Type, "tool-") || p.Type == "dynamic-tool") && p.State == "output-available" {
			return true
		}
	}
	return false
}

// writeVercelError answers {"error": message}: an AI SDK route is the
// app's own, and this is the shape its examples answer.
func writeVercelError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]string{"error": e.message})
}

// vercelEncoder writes UI message chunks. Text and reasoning come in
// parts opened with *-start and closed with *-end; at most one is open.
// The answer is one step, or two around a tool call the server ran.
type vercelEncoder struct {
	open     string // the type of the open part, "text" or "reasoning"; "" when none
	openID   string
	parts    int
	stepOpen bool
}

// send writes a chunk of type typ with the fields given as name, value
// pairs, in that order after the type, as the AI SDK writes them.
func (e *vercelEncoder) send(fw frames, typ string, fields ...any) error {
	var b strings.Builder
	b.WriteString(`{"type":"` + typ + `"`)
	for i := 0; i+1 < len(fields); i += 2 {
		v, err := json.Marshal(fields[i+1])
		if err != nil {
			return err
		}
		b.WriteString(`,"` + fields[i].(string) + `":`)
		b.Write(v)
	}
	b.WriteString("}")
	return fw.frame("", "", b.String())
}

func (e *vercelEncoder) begin(fw frames) error {
	e.stepOpen = true
	if err := e.send(fw, "start", "messageId", "msg_tok_"+randomID()); err != nil {
		return err
	}
	return e.send(fw, "start-step")
}

// part opens a part of the given type unless it is the open one.
func (e *vercelEncoder) part(fw frames, typ string) error {
	if e.open == typ {
		return nil
	}
	if err := e.closePart(fw); err != nil {
		return err
	}
	e.open, e.openID = typ, typ+"-"+itoa(e.parts)
	e.parts++
	return e.send(fw, typ+"-start", "id", e.openID)
}

func (e *vercelEncoder) closePart(fw frames) error {
	if e.open == "" {
		return nil
	}
	typ := e.open
	e.open = ""
	return e.send(fw, typ+"-end", "id", e.openID)
}

func (e *vercelEncoder) delta(fw frames, typ, text string) error {
	if err := e.part(fw, typ); err != nil {
		return err
	}
	return e.send(fw, typ+"-delta", "id", e.openID, "delta", text)
}

func (e *vercelEncoder) thinking(fw frames, text string, _ int) error {
	return e.delta(fw, "reasoning", text)
}

func (e *vercelEncoder) text(fw frames, text string, _ int) error {
	return e.delta(fw, "text", text)
}

func (e *vercelEncoder) toolStart(fw frames, call toolCall) error {
	if err := e.closePart(fw); err != nil {
		return err
	}
	return e.send(fw, "tool-input-start", "toolCallId", call.ID, "toolName", call.Name)
}

func (e *vercelEncoder) toolArgs(fw frames, call toolCall, fragment string, _ int) error {
	return e.send(fw, "tool-input-delta", "toolCallId", call.ID, "inputTextDelta", fragment)
}

// toolEnd: the input is whole, the server runs the tool, and the model is
// called again with its output, in a new step. After a failed write the
// frames fail the rest at once.
func (e *vercelEncoder) toolEnd(fw frames, call toolCall) error {
	return errors.Join(
		e.send(fw, "tool-input-available", "toolCallId", call.ID, "toolName", call.Name, "input", json.RawMessage(call.Args)),
		e.send(fw, "tool-output-available", "toolCallId", call.ID, "output", json.RawMessage(call.Result)),
		e.send(fw, "finish-step"),
		e.send(fw, "start-step"))
}

// fail sends the error chunk, then closes the step and the message as the
// AI SDK does (../shared/corpus/vercel-ui/sdk-error-masked.sse).
func (e *vercelEncoder) fail(fw frames, message string) error {
	if err := e.send(fw, "error", "errorText", message); err != nil {
		return err
	}
	return e.finish(fw, "finishReason", "error")
}

// end closes the open part, the step and the message. finishReason is
// the SDK's FinishReason; the usage rides in messageMetadata, the one
// place the strict chunk schema leaves open, as the SDK's
// message-metadata examples send totalUsage.
func (e *vercelEncoder) end(fw frames, u client.Usage, why stop) error {
	if err := e.closePart(fw); err != nil {
		return err
	}
	reason := map[stop]string{stopEnd: "stop", stopMaxTokens: "length", stopToolUse: "tool-calls"}[why]
	usage := map[string]int{"inputTokens": u.InputTokens, "outputTokens": u.OutputTokens, "totalTokens": u.InputTokens + u.OutputTokens}
	return e.finish(fw, "finishReason", reason, "messageMetadata", map[string]any{"usage": usage})
}

// finish sends finish-step when a step is open, then finish with its
// fields, then [DONE].
func (e *vercelEncoder) finish(fw frames, fields ...any) error {
	if e.stepOpen {
		e.stepOpen = false
		if err := e.send(fw, "finish-step"); err != nil {
			return err
		}
	}
	if err := e.send(fw, "finish", fields...); err != nil {
		return err
	}
	return fw.frame("", "", "[DONE]")
}
