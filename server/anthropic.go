package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokcli/tok/client"
)

// anthropicDialect is the Anthropic Messages API, POST /v1/messages
// (https://docs.anthropic.com/en/api/messages-streaming). Like the real API
// it stops after a tool call with stop_reason tool_use.
var anthropicDialect = &dialect{
	name:       "anthropic",
	parse:      parseAnthropic,
	writeError: writeAnthropicError,
	newEncoder: func(req chatRequest) encoder {
		return &anthropicEncoder{model: req.model, input: promptTokens(req)}
	},
	header: func(h http.Header) { h.Set("request-id", anthropicRequestID()) },
}

type anthropicBody struct {
	Model     *string                  `json:"model"`
	MaxTokens *int                     `json:"max_tokens"`
	Messages  []anthropicMessage       `json:"messages"`
	System    json.RawMessage          `json:"system"`
	Thinking  *anthropicThinkingConfig `json:"thinking"`
	Stream    *bool                    `json:"stream"`
}

type anthropicMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// anthropicBlock is a content block of a request; only text is read.
type anthropicBlock struct {
	Type string  `json:"type"`
	Text *string `json:"text"`
}

type anthropicThinkingConfig struct {
	Type         string `json:"type"`
	BudgetTokens *int   `json:"budget_tokens"`
}

// anthropicBlockTypes are the request content blocks the API knows.
var anthropicBlockTypes = []string{"text", "image", "document", "search_result", "tool_use", "tool_result",
	"thinking", "redacted_thinking", "server_tool_use", "container_upload"}

func parseAnthropic(r *http.Request, body []byte) (chatRequest, *apiError) {
	var b anthropicBody
	switch {
	case r.Header.Get("x-api-key") == "" && !hasBearer(r):
		return chatRequest{}, &apiError{http.StatusUnauthorized, "authentication_error", "x-api-key header is required"}
	case r.Header.Get("anthropic-version") == "":
		return chatRequest{}, badRequest("anthropic-version: header is required")
	}
	if e := decodeAPIBody(body, &b); e != nil {
		return chatRequest{}, e
	}
	var req chatRequest
	e := firstError(
		requireModel(&req.model, b.Model),
		tokenCap(&req.maxTokens, "max_tokens", b.MaxTokens, 1, true),
		anthropicMessages(&req, b.Messages),
		anthropicSystem(&req.system, b.System),
		anthropicThinking(&req, b.Thinking),
		requireStream(b.Stream))
	return req, e
}

// anthropicMessages sets the turns with text, and whether the last turn is
// the user's answer to a tool call. A user turn of only tool results is
// left out of the turns, so the answer after the tool is to the question.
func anthropicMessages(req *chatRequest, msgs []anthropicMessage) *apiError {
	if len(msgs) == 0 {
		return badRequest("messages: at least one message is required")
	}
	for i, m := range msgs {
		at := "messages." + itoa(i)
		if m.Role != "user" && m.Role != "assistant" {
			return badRequest(at + `.role: must be "user" or "assistant", not ` + strconv.Quote(m.Role))
		}
		text, result, e := anthropicContent(at+".content", m.Content)
		if e != nil {
			return e
		}
		req.toolResult = result && m.Role == "user"
		if text != "" || !req.toolResult {
			req.messages = append(req.messages, client.Message{Role: m.Role, Content: text})
		}
	}
	return nil
}

// anthropicContent reads content, a string or an array of blocks: it
// returns the text of the text blocks and whether a tool_result is there.
func anthropicContent(at string, raw json.RawMessage) (text string, toolResult bool, _ *apiError) {
	if jsonKind(raw) == '"' {
		json.Unmarshal(raw, &text)
		return text, false, nil
	}
	var blocks []anthropicBlock
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &blocks) != nil {
		return "", false, badRequest(at + ": must be a string or an array of content blocks")
	}
	var b strings.Builder
	for j, bl := range blocks {
		switch {
		case bl.Type == "text" && bl.Text == nil:
			return "", false, badRequest(at + "." + itoa(j) + ".text: field required")
		case bl.Type == "text":
			b.WriteString(*bl.Text)
		case bl.Type == "tool_result":
			toolResult = true
		case !contains(anthropicBlockTypes, bl.Type) && !strings.HasSuffix(bl.Type, "_tool_result"):
			return "", false, badRequest(at + "." + itoa(j) + ".type: unknown content block type " + strconv.Quote(bl.Type))
		}
	}
	return b.String(), toolResult, nil
}

// anthropicSystem reads system, a string or an array of text blocks.
func anthropicSystem(dst *string, raw json.RawMessage) *apiError {
	if jsonKind(raw) == 0 || jsonKind(raw) == 'n' {
		return nil
	}
	text, result, e := anthropicContent("system", raw)
	if e == nil && result {
		e = badRequest("system: only text blocks are allowed")
	}
	*dst = text
	return e
}

// anthropicThinking reads the extended thinking configuration; its budget
// must be below max_tokens, read before it.
func anthropicThinking(req *chatRequest, t *anthropicThinkingConfig) *apiError {
	switch {
	case t == nil || t.Type == "disabled":
		return nil
	case t.Type != "enabled" && t.Type != "adaptive":
		return badRequest(`thinking.type: must be "enabled", "disabled" or "adaptive", not ` + strconv.Quote(t.Type))
	case t.Type == "enabled" && t.BudgetTokens == nil:
		return badRequest("thinking.enabled.budget_tokens: field required")
	case t.Type == "enabled" && *t.BudgetTokens < 1024:
		return badRequest("thinking.enabled.budget_tokens: must be at least 1024")
	case t.Type == "enabled" && *t.BudgetTokens >= req.maxTokens:
		return badRequest("max_tokens must be greater than thinking.budget_tokens")
	}
	req.thinking = true
	return nil
}

func writeAnthropicError(w http.ResponseWriter, e *apiError) {
	id := anthropicRequestID()
	w.Header().Set("request-id", id)
	writeJSON(w, e.status, wireObject{{"type", "error"},
		{"error", wireObject{{"type", e.kind}, {"message", e.message}}}, {"request_id", id}})
}

func anthropicRequestID() string { return "req_011C" + randomID() + randomID() }

// anthropicEncoder writes the Messages stream: message_start, a
// content_block_start/delta/stop run per block with increasing indexes
// (thinking, text, tool_use), a ping after the first block starts, then
// message_delta and message_stop. Event names repeat the payload's type.
type anthropicEncoder struct {
	model  string
	input  int
	index  int    // of the open block, else of the next one
	open   string // the open block's type, "" when none
	pinged bool
}

// anthropicStops spells each stop as stop_reason does.
var anthropicStops = map[stop]string{stopEnd: "end_turn", stopMaxTokens: "max_tokens", stopToolUse: "tool_use"}

func (e *anthropicEncoder) send(fw frames, typ string, fields ...wireField) error {
	return fw.frame("", typ, wireJSON(append(wireObject{{"type", typ}}, fields...)))
}

func (e *anthropicEncoder) begin(fw frames) error {
	return e.send(fw, "message_start", wireField{"message", wireObject{
		{"id", "msg_01" + randomID() + randomID()}, {"type", "message"}, {"role", "assistant"},
		{"model", e.model}, {"content", []any{}}, {"stop_reason", nil}, {"stop_sequence", nil},
		{"usage", anthropicUsage(e.input, 1)},
	}})
}

func anthropicUsage(in, out int) wireObject {
	return wireObject{{"input_tokens", in}, {"cache_creation_input_tokens", 0},
		{"cache_read_input_tokens", 0}, {"output_tokens", out}}
}

// start closes the open block and starts the next one.
func (e *anthropicEncoder) start(fw frames, block wireObject) error {
	if err := e.stop(fw); err != nil {
		return err
	}
	e.open = block[0].v.(string)
	if err := e.send(fw, "content_block_start", wireField{"index", e.index}, wireField{"content_block", block}); err != nil {
		return err
	}
	if e.pinged {
		return nil
	}
	e.pinged = true
	return fw.frame("", "ping", `{"type": "ping"}`)
}

// stop closes the open block; a thinking block gets its signature first.
func (e *anthropicEncoder) stop(fw frames) error {
	if e.open == "" {
		return nil
	}
	if e.open == "thinking" {
		if err := e.delta(fw, "signature_delta", "signature", thinkingSignature()); err != nil {
			return err
		}
	}
	e.open = ""
	e.index++
	return e.send(fw, "content_block_stop", wireField{"index", e.index - 1})
}

func (e *anthropicEncoder) delta(fw frames, typ, key, value string) error {
	return e.send(fw, "content_block_delta", wireField{"index", e.index},
		wireField{"delta", wireObject{{"type", typ}, {key, value}}})
}

func (e *anthropicEncoder) thinking(fw frames, text string, _ int) error {
	if e.open != "thinking" {
		if err := e.start(fw, wireObject{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}); err != nil {
			return err
		}
	}
	return e.delta(fw, "thinking_delta", "thinking", text)
}

func (e *anthropicEncoder) text(fw frames, text string, _ int) error {
	if e.open != "text" {
		if err := e.start(fw, wireObject{{"type", "text"}, {"text", ""}}); err != nil {
			return err
		}
	}
	return e.delta(fw, "text_delta", "text", text)
}

// toolStart opens a tool_use block with empty input; like the real API it
// sends an empty input_json_delta before the fragments.
func (e *anthropicEncoder) toolStart(fw frames, call toolCall) error {
	block := wireObject{{"type", "tool_use"}, {"id", "toolu_01" + randomID() + randomID()},
		{"name", call.Name}, {"input", wireObject{}}}
	if err := e.start(fw, block); err != nil {
		return err
	}
	return e.delta(fw, "input_json_delta", "partial_json", "")
}

func (e *anthropicEncoder) toolArgs(fw frames, _ toolCall, fragment string, _ int) error {
	return e.delta(fw, "input_json_delta", "partial_json", fragment)
}

func (e *anthropicEncoder) toolEnd(fw frames, _ toolCall) error { return e.stop(fw) }

func (e *anthropicEncoder) fail(fw frames, message string) error {
	return e.send(fw, "error", wireField{"error", wireObject{{"type", "overloaded_error"}, {"message", message}}})
}

func (e *anthropicEncoder) end(fw frames, u client.Usage, why stop) error {
	if err := e.stop(fw); err != nil {
		return err
	}
	err := e.send(fw, "message_delta",
		wireField{"delta", wireObject{{"stop_reason", anthropicStops[why]}, {"stop_sequence", nil}}},
		wireField{"usage", anthropicUsage(u.InputTokens, u.OutputTokens)})
	if err != nil {
		return err
	}
	return e.send(fw, "message_stop")
}

// thinkingSignature stands in for the opaque signature of a thinking block.
func thinkingSignature() string {
	return randomID() + randomID() + randomID() + randomID() + randomID() + randomID()
}
