package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
)

// openAIDialect is OpenAI Chat Completions, POST /v1/chat/completions
// (https://platform.openai.com/docs/api-reference/chat-streaming). Like the
// real API it stops after a tool call with finish_reason tool_calls.
var openAIDialect = &dialect{
	name:       "openai",
	parse:      parseOpenAI,
	writeError: writeOpenAIError,
	newEncoder: func(req chatRequest) encoder {
		return &openAIEncoder{id: "chatcmpl-" + randomID() + randomID(), model: req.model,
			created: time.Now().Unix(), fingerprint: "fp_" + randomID()[:10], includeUsage: req.includeUsage}
	},
	header: openAIHeader,
}

type openAIBody struct {
	Model         *string         `json:"model"`
	Messages      []openAIMessage `json:"messages"`
	Stream        *bool           `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           *int    `json:"max_tokens"`
	MaxCompletionTokens *int    `json:"max_completion_tokens"`
	ReasoningEffort     *string `json:"reasoning_effort"`
}

type openAIMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCallID *string         `json:"tool_call_id"`
}

// openAIRoles are the roles a chat message may have.
var openAIRoles = []string{"system", "developer", "user", "assistant", "tool"}

func parseOpenAI(r *http.Request, body []byte) (chatRequest, *apiError) {
	if !hasBearer(r) {
		return chatRequest{}, openAIKeyMissing()
	}
	var b openAIBody
	if e := decodeAPIBody(body, &b); e != nil {
		return chatRequest{}, e
	}
	if b.MaxCompletionTokens != nil {
		b.MaxTokens = b.MaxCompletionTokens
	}
	var req chatRequest
	var streamOptions *apiError
	if b.StreamOptions != nil && (b.Stream == nil || !*b.Stream) {
		streamOptions = badRequest("stream_options: only allowed when stream is true")
	}
	e := firstError(
		requireModel(&req.model, b.Model),
		openAIMessages(&req, b.Messages),
		tokenCap(&req.maxTokens, "max_tokens", b.MaxTokens, 1, false),
		streamOptions,
		requireStream(b.Stream))
	req.includeUsage = b.StreamOptions != nil && b.StreamOptions.IncludeUsage
	req.thinking = b.ReasoningEffort != nil && *b.ReasoningEffort != "none"
	return req, e
}

// openAIMessages sets the user and assistant turns, the system and
// developer text, and whether the last message is a tool's result.
func openAIMessages(req *chatRequest, msgs []openAIMessage) *apiError {
	if len(msgs) == 0 {
		return badRequest("messages: at least one message is required")
	}
	var sys []string
	for i, m := range msgs {
		at := "messages[" + itoa(i) + "]"
		if !contains(openAIRoles, m.Role) {
			return badRequest(at + ".role: must be one of " + strings.Join(openAIRoles, ", ") + ", not " + strconv.Quote(m.Role))
		}
		if m.Role == "tool" && (m.ToolCallID == nil || *m.ToolCallID == "") {
			return badRequest(at + ".tool_call_id: required for a tool message")
		}
		text, e := openAIContent(at+".content", m.Content, m.Role == "assistant")
		if e != nil {
			return e
		}
		switch m.Role {
		case "system", "developer":
			sys = append(sys, text)
		case "user", "assistant":
			req.messages = append(req.messages, client.Message{Role: m.Role, Content: text})
		}
	}
	req.system, req.toolResult = strings.Join(sys, "\n"), msgs[len(msgs)-1].Role == "tool"
	return nil
}

// openAIContent reads content; an assistant's may be null (a tool call).
func openAIContent(at string, raw json.RawMessage, nullable bool) (string, *apiError) {
	if k := jsonKind(raw); nullable && (k == 'n' || k == 0) {
		return "", nil
	}
	return contentText(at, raw, []string{"text"}, "image_url", "input_audio", "file", "refusal")
}

func openAIKeyMissing() *apiError {
	return &apiError{http.StatusUnauthorized, "invalid_request_error",
		"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."}
}

// writeOpenAIError answers {"error":{"message","type","param","code"}},
// the shape of both OpenAI APIs, with OpenAI's types and codes.
func writeOpenAIError(w http.ResponseWriter, e *apiError) {
	openAIHeader(w.Header())
	typ, code := "invalid_request_error", any(nil)
	switch {
	case e.status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case e.status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
	case e.status == http.StatusNotFound:
		typ = "not_found_error"
	case e.status >= 500:
		typ = "server_error"
	}
	writeJSON(w, e.status, wireObject{{"error", wireObject{
		{"message", e.message}, {"type", typ}, {"param", nil}, {"code", code}}}})
}

func openAIHeader(h http.Header) { h.Set("x-request-id", "req_"+randomID()+randomID()) }

// openAIEncoder writes chat.completion.chunk objects: a first chunk with
// the assistant role, then reasoning_content (DeepSeek's field), content
// and tool_calls deltas, a chunk with the finish_reason, an optional usage
// chunk with "choices": [], then [DONE].
type openAIEncoder struct {
	id, model, fingerprint string
	created                int64
	includeUsage           bool
	reasoning              int // reasoning tokens sent
}

// openAIStops spells each stop as finish_reason does.
var openAIStops = map[stop]string{stopEnd: "stop", stopMaxTokens: "length", stopToolUse: "tool_calls"}

func (e *openAIEncoder) chunk(fw frames, choices []any, more ...wireField) error {
	c := wireObject{{"id", e.id}, {"object", "chat.completion.chunk"}, {"created", e.created},
		{"model", e.model}, {"system_fingerprint", e.fingerprint}, {"choices", choices}}
	if e.includeUsage && len(more) == 0 {
		more = []wireField{{"usage", nil}}
	}
	return fw.frame("", "", wireJSON(append(c, more...)))
}

func (e *openAIEncoder) delta(fw frames, delta wireObject, finish any) error {
	return e.chunk(fw, []any{wireObject{{"index", 0}, {"delta", delta}, {"logprobs", nil}, {"finish_reason", finish}}})
}

func (e *openAIEncoder) begin(fw frames) error {
	return e.delta(fw, wireObject{{"role", "assistant"}, {"content", ""}, {"refusal", nil}}, nil)
}

func (e *openAIEncoder) thinking(fw frames, text string, _ int) error {
	e.reasoning++
	return e.delta(fw, wireObject{{"reasoning_content", text}}, nil)
}

func (e *openAIEncoder) text(fw frames, text string, _ int) error {
	return e.delta(fw, wireObject{{"content", text}}, nil)
}

func (e *openAIEncoder) toolStart(fw frames, call toolCall) error {
	tc := wireObject{{"index", 0}, {"id", "call_" + randomID() + randomID()}, {"type", "function"},
		{"function", wireObject{{"name", call.Name}, {"arguments", ""}}}}
	return e.delta(fw, wireObject{{"tool_calls", []any{tc}}}, nil)
}

func (e *openAIEncoder) toolArgs(fw frames, _ toolCall, fragment string, _ int) error {
	tc := wireObject{{"index", 0}, {"function", wireObject{{"arguments", fragment}}}}
	return e.delta(fw, wireObject{{"tool_calls", []any{tc}}}, nil)
}

func (e *openAIEncoder) toolEnd(frames, toolCall) error { return nil }

// fail sends the error object OpenAI-compatible servers send mid-stream,
// and no [DONE] after it.
func (e *openAIEncoder) fail(fw frames, message string) error {
	return fw.frame("", "", wireJSON(wireObject{{"error", wireObject{
		{"message", message}, {"type", "server_error"}, {"param", nil}, {"code", nil}}}}))
}

func (e *openAIEncoder) end(fw frames, u client.Usage, why stop) error {
	if err := e.delta(fw, wireObject{}, openAIStops[why]); err != nil {
		return err
	}
	if e.includeUsage {
		usage := wireObject{{"prompt_tokens", u.InputTokens}, {"completion_tokens", u.OutputTokens},
			{"total_tokens", u.InputTokens + u.OutputTokens},
			{"prompt_tokens_details", wireObject{{"cached_tokens", 0}}},
			{"completion_tokens_details", wireObject{{"reasoning_tokens", e.reasoning}}}}
		if err := e.chunk(fw, []any{}, wireField{"usage", usage}); err != nil {
			return err
		}
	}
	return fw.frame("", "", "[DONE]")
}
