package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
)

// responsesDialect is the OpenAI Responses API, POST /v1/responses
// (https://platform.openai.com/docs/api-reference/responses-streaming).
// Like the real API it stops after a function call.
var responsesDialect = &dialect{
	name:       "responses",
	parse:      parseResponses,
	writeError: writeOpenAIError,
	newEncoder: func(req chatRequest) encoder {
		return &responsesEncoder{id: "resp_" + randomID() + randomID() + randomID() + randomID(),
			model: req.model, system: req.system, maxOutput: req.maxTokens, created: time.Now().Unix(), previous: req.previousResponseID}
	},
	header: openAIHeader,
}

type responsesBody struct {
	Model           *string         `json:"model"`
	Input           json.RawMessage `json:"input"`
	Instructions    *string         `json:"instructions"`
	Stream          *bool           `json:"stream"`
	MaxOutputTokens *int            `json:"max_output_tokens"`
	Reasoning       json.RawMessage `json:"reasoning"`
}

// responsesItem is an input item; only messages and tool outputs are read.
type responsesItem struct {
	Type    string          `json:"type"`
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	CallID  *string         `json:"call_id"`
}

// responsesItemTypes are the other input items the API takes.
var responsesItemTypes = []string{"function_call", "reasoning", "item_reference", "web_search_call",
	"file_search_call", "computer_call", "computer_call_output", "custom_tool_call", "custom_tool_call_output"}

func parseResponses(r *http.Request, body []byte) (chatRequest, *apiError) {
	if !hasBearer(r) {
		return chatRequest{}, openAIKeyMissing()
	}
	var b responsesBody
	if e := decodeAPIBody(body, &b); e != nil {
		return chatRequest{}, e
	}
	req, e := b.request()
	return req, firstError(e, requireStream(b.Stream))
}

// request checks the body's fields as the API does, in its order, all
// but stream, which the WebSocket mode does without.
func (b *responsesBody) request() (chatRequest, *apiError) {
	var req chatRequest
	e := firstError(
		requireModel(&req.model, b.Model),
		responsesInput(&req, b.Input),
		tokenCap(&req.maxTokens, "max_output_tokens", b.MaxOutputTokens, 16, false),
		responsesReasoning(&req.thinking, b.Reasoning))
	if b.Instructions != nil && *b.Instructions != "" {
		req.system = strings.TrimSpace(*b.Instructions + "\n" + req.system)
	}
	return req, e
}

// responsesInput reads input, a string (the user's turn) or an array of
// items; the request carries a tool's result when the last item is a
// function call's output.
func responsesInput(req *chatRequest, raw json.RawMessage) *apiError {
	var items []responsesItem
	switch {
	case jsonKind(raw) == '"':
		var s string
		json.Unmarshal(raw, &s)
		req.messages = []client.Message{{Role: "user", Content: s}}
		return nil
	case jsonKind(raw) == 0 || jsonKind(raw) == 'n':
		return badRequest("input: required")
	case jsonKind(raw) != '[' || json.Unmarshal(raw, &items) != nil:
		return badRequest("input: must be a string or an array of input items")
	}
	var sys []string
	for i, it := range items {
		at := "input[" + itoa(i) + "]"
		switch {
		case it.Type == "" || it.Type == "message":
			text, e := responsesMessage(at, it)
			if e != nil {
				return e
			}
			if it.Role == "system" || it.Role == "developer" {
				sys = append(sys, text)
			} else {
				req.messages = append(req.messages, client.Message{Role: it.Role, Content: text})
			}
		case it.Type == "function_call_output" && (it.CallID == nil || *it.CallID == ""):
			return badRequest(at + ".call_id: required")
		case it.Type != "function_call_output" && !contains(responsesItemTypes, it.Type):
			return badRequest(at + ".type: unknown input item type " + strconv.Quote(it.Type))
		}
	}
	req.system = strings.Join(sys, "\n")
	req.toolResult = len(items) > 0 && items[len(items)-1].Type == "function_call_output"
	return nil
}

func responsesMessage(at string, it responsesItem) (string, *apiError) {
	if !contains([]string{"user", "assistant", "system", "developer"}, it.Role) {
		return "", badRequest(at + ".role: must be user, assistant, system or developer, not " + strconv.Quote(it.Role))
	}
	return contentText(at+".content", it.Content, []string{"input_text", "output_text"},
		"refusal", "input_image", "input_file", "input_audio")
}

// responsesReasoning reads reasoning, an object: present, the model
// thinks, unless its effort is "none".
func responsesReasoning(dst *bool, raw json.RawMessage) *apiError {
	var r struct {
		Effort *string `json:"effort"`
	}
	switch {
	case jsonKind(raw) == 0 || jsonKind(raw) == 'n':
		return nil
	case jsonKind(raw) != '{' || json.Unmarshal(raw, &r) != nil:
		return badRequest(`reasoning: must be an object such as {"effort":"low"}`)
	}
	*dst = r.Effort == nil || *r.Effort != "none"
	return nil
}

// responsesEncoder writes the Responses stream: response.created and
// in_progress, then one output item per run of reasoning (reasoning_text
// deltas), text (output_text deltas) or a function call (arguments
// deltas), each added, filled and done, then response.completed (or
// response.incomplete). Every event carries an increasing sequence_number.
//
// NOTE: [frames] keep their first error and returns it from every later
// write, so a run of sends returns the failure at its last send.
type responsesEncoder struct {
	id, model, system string
	previous          string // previous_response_id (the WebSocket mode)
	maxOutput         int
	created           int64
	seq               int
	items             []any             // output items done, for the final response
	cur               *responsesItemOut // the open item, nil when none
	reasoning         int
}

// responsesItemOut is an output item being streamed.
type responsesItemOut struct {
	kind, id, callID, name, text string
}

func (e *responsesEncoder) send(fw frames, typ string, fields ...wireField) error {
	obj := append(wireObject{{"type", typ}, {"sequence_number", e.seq}}, fields...)
	e.seq++
	return fw.frame("", typ, wireJSON(obj))
}

// response is the response object of the lifecycle events.
func (e *responsesEncoder) response(status string, usage any) wireObject {
	incomplete, maxOut, instructions, previous := any(nil), any(nil), any(nil), any(nil)
	if status == "incomplete" {
		incomplete = wireObject{{"reason", "max_output_tokens"}}
	}
	if e.maxOutput > 0 {
		maxOut = e.maxOutput
	}
	if e.system != "" {
		instructions = e.system
	}
	if e.previous != "" {
		previous = e.previous
	}
	return wireObject{{"id", e.id}, {"object", "response"}, {"created_at", e.created}, {"status", status},
		{"error", nil}, {"incomplete_details", incomplete}, {"instructions", instructions},
		{"max_output_tokens", maxOut}, {"model", e.model}, {"output", append([]any{}, e.items...)},
		{"parallel_tool_calls", true}, {"previous_response_id", previous},
		{"reasoning", wireObject{{"effort", nil}, {"summary", nil}}}, {"store", true}, {"temperature", 1.0},
		{"text", wireObject{{"format", wireObject{{"type", "text"}}}}}, {"tool_choice", "auto"},
		{"tools", []any{}}, {"top_p", 1.0}, {"truncation", "disabled"}, {"usage", usage},
		{"user", nil}, {"metadata", wireObject{}}}
}

func (e *responsesEncoder) begin(fw frames) error {
	e.send(fw, "response.created", wireField{"response", e.response("in_progress", nil)})
	return e.send(fw, "response.in_progress", wireField{"response", e.response("in_progress", nil)})
}

// part is the content part of a reasoning or message item.
func (it *responsesItemOut) part() wireObject {
	if it.kind == "reasoning" {
		return wireObject{{"type", "reasoning_text"}, {"text", it.text}}
	}
	return wireObject{{"type", "output_text"}, {"annotations", []any{}}, {"logprobs", []any{}}, {"text", it.text}}
}

func (it *responsesItemOut) item(status string) wireObject {
	var content []any
	if status != "in_progress" {
		content = []any{it.part()}
	}
	switch it.kind {
	case "reasoning":
		return wireObject{{"id", it.id}, {"type", "reasoning"}, {"summary", []any{}}, {"content", append([]any{}, content...)}}
	case "message":
		return wireObject{{"id", it.id}, {"type", "message"}, {"status", status},
			{"content", append([]any{}, content...)}, {"role", "assistant"}}
	}
	return wireObject{{"id", it.id}, {"type", "function_call"}, {"status", status},
		{"arguments", it.text}, {"call_id", it.callID}, {"name", it.name}}
}

// open starts an output item of its kind unless one is open already.
func (e *responsesEncoder) open(fw frames, it *responsesItemOut) error {
	if e.cur != nil && e.cur.kind == it.kind && it.kind != "function_call" {
		return nil
	}
	e.close(fw, "completed")
	e.cur = it
	err := e.send(fw, "response.output_item.added", wireField{"output_index", len(e.items)}, wireField{"item", it.item("in_progress")})
	if it.kind == "function_call" {
		return err
	}
	return e.send(fw, "response.content_part.added", e.ref(true, wireField{"part", it.part()})...)
}

// ref names the open item (and its content part) in an event.
func (e *responsesEncoder) ref(part bool, more ...wireField) []wireField {
	f := []wireField{{"item_id", e.cur.id}, {"output_index", len(e.items)}}
	if part {
		f = append(f, wireField{"content_index", 0})
	}
	return append(f, more...)
}

// close ends the open item, if any, and keeps it for the response.
func (e *responsesEncoder) close(fw frames, status string) error {
	it := e.cur
	switch {
	case it == nil:
		return nil
	case it.kind == "reasoning":
		e.send(fw, "response.reasoning_text.done", e.ref(true, wireField{"text", it.text})...)
	case it.kind == "message":
		e.send(fw, "response.output_text.done", e.ref(true, wireField{"text", it.text}, wireField{"logprobs", []any{}})...)
	default:
		e.send(fw, "response.function_call_arguments.done", e.ref(false, wireField{"name", it.name}, wireField{"arguments", it.text})...)
	}
	if it.kind != "function_call" {
		e.send(fw, "response.content_part.done", e.ref(true, wireField{"part", it.part()})...)
	}
	item := it.item(status)
	err := e.send(fw, "response.output_item.done", wireField{"output_index", len(e.items)}, wireField{"item", item})
	e.items, e.cur = append(e.items, item), nil
	return err
}

func (e *responsesEncoder) thinking(fw frames, text string, _ int) error {
	e.open(fw, &responsesItemOut{kind: "reasoning", id: "rs_" + randomID() + randomID()})
	e.cur.text += text
	e.reasoning++
	return e.send(fw, "response.reasoning_text.delta", e.ref(true, wireField{"delta", text})...)
}

func (e *responsesEncoder) text(fw frames, text string, _ int) error {
	e.open(fw, &responsesItemOut{kind: "message", id: "msg_" + randomID() + randomID()})
	e.cur.text += text
	return e.send(fw, "response.output_text.delta", e.ref(true, wireField{"delta", text}, wireField{"logprobs", []any{}})...)
}

func (e *responsesEncoder) toolStart(fw frames, call toolCall) error {
	return e.open(fw, &responsesItemOut{kind: "function_call", id: "fc_" + randomID() + randomID(),
		callID: "call_" + randomID() + randomID(), name: call.Name})
}

func (e *responsesEncoder) toolArgs(fw frames, _ toolCall, fragment string, _ int) error {
	e.cur.text += fragment
	return e.send(fw, "response.function_call_arguments.delta", e.ref(false, wireField{"delta", fragment})...)
}

func (e *responsesEncoder) toolEnd(fw frames, _ toolCall) error {
	return e.close(fw, "completed")
}

// fail sends the error event with its fields both flat, as the API
// reference documents them, and nested under "error", as the live API
// sends them and as openai-go needs to turn the event into Err.
func (e *responsesEncoder) fail(fw frames, message string) error {
	return e.send(fw, "error", wireField{"code", "server_error"}, wireField{"message", message}, wireField{"param", nil},
		wireField{"error", wireObject{{"type", "server_error"}, {"code", "server_error"}, {"message", message}, {"param", nil}}})
}

func (e *responsesEncoder) end(fw frames, u client.Usage, why stop) error {
	status, event := "completed", "response.completed"
	if why == stopMaxTokens {
		status, event = "incomplete", "response.incomplete"
	}
	e.close(fw, status)
	usage := wireObject{{"input_tokens", u.InputTokens}, {"input_tokens_details", wireObject{{"cached_tokens", 0}}},
		{"output_tokens", u.OutputTokens}, {"output_tokens_details", wireObject{{"reasoning_tokens", e.reasoning}}},
		{"total_tokens", u.InputTokens + u.OutputTokens}}
	return e.send(fw, event, wireField{"response", e.response(status, usage)})
}
