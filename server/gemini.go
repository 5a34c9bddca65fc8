package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/tokcli/tok/client"
)

// geminiDialect is Gemini's streamGenerateContent with alt=sse
// (ai.google.dev/api/generate-content): a GenerateContentResponse per
// frame, no event names and no end sentinel. The chunk with a finishReason
// ends the answer. Tools are the caller's to run, so a function call ends
// the turn.
var geminiDialect = &dialect{
	name:       "gemini",
	parse:      parseGemini,
	writeError: writeGeminiError,
	newEncoder: func(req chatRequest) encoder { return &geminiEncoder{model: req.model, id: randomID()} },
}

type geminiBody struct {
	Contents          []geminiContent `json:"contents"`
	SystemInstruction *geminiContent  `json:"systemInstruction"`
	GenerationConfig  geminiConfig    `json:"generationConfig"`
}

type geminiConfig struct {
	MaxOutputTokens *int `json:"maxOutputTokens"`
	ThinkingConfig  *struct {
		IncludeThoughts bool `json:"includeThoughts"`
		ThinkingBudget  *int `json:"thinkingBudget"`
	} `json:"thinkingConfig"`
}

type geminiContent struct {
	Role  string       `json:"role"`
	Parts []geminiPart `json:"parts"`
}

// geminiPart is a Part: exactly one of its data fields is set (the
// proto's oneof data).
type geminiPart struct {
	Text             *string         `json:"text"`
	InlineData       *map[string]any `json:"inlineData"`
	FileData         *map[string]any `json:"fileData"`
	FunctionCall     *geminiCall     `json:"functionCall"`
	FunctionResponse *geminiCall     `json:"functionResponse"`
}

type geminiCall struct {
	Name     string         `json:"name"`
	Args     map[string]any `json:"args"`
	Response map[string]any `json:"response"`
}

// parseGemini checks the route, the key, alt=sse and then the body, in the
// order Google's front end does.
func parseGemini(r *http.Request, body []byte) (chatRequest, *apiError) {
	model, method, _ := strings.Cut(r.PathValue("action"), ":")
	if model == "" || method != "streamGenerateContent" {
		return chatRequest{}, &apiError{http.StatusNotFound, "NOT_FOUND", "models/" + r.PathValue("action") +
			" is not served: tok serve streams only, at models/MODEL:streamGenerateContent?alt=sse"}
	}
	q := r.URL.Query()
	if r.Header.Get("x-goog-api-key") == "" && q.Get("key") == "" && r.Header.Get("Authorization") == "" {
		return chatRequest{}, &apiError{http.StatusForbidden, "PERMISSION_DENIED", "Method doesn't allow unregistered callers " +
			"(callers without established identity). Please use API Key or other form of API consumer identity to call this API."}
	}
	if q.Get("alt") != "sse" {
		return chatRequest{}, geminiInvalid("tok serve streams Gemini as server-sent events only: add ?alt=sse " +
			"(without it Gemini streams one JSON array)")
	}
	var b geminiBody
	if err := json.Unmarshal(body, &b); err != nil {
		return chatRequest{}, geminiInvalid(geminiJSONError(err))
	}
	req, apiErr := b.request()
	req.model = model
	return req, apiErr
}

func (b *geminiBody) request() (chatRequest, *apiError) {
	if len(b.Contents) == 0 {
		return chatRequest{}, geminiInvalid("* GenerateContentRequest.contents: contents is not specified")
	}
	var req chatRequest
	for i, c := range b.Contents {
		text, err := c.check("contents[" + itoa(i) + "]")
		if err != nil {
			return chatRequest{}, err
		}
		// Turns without text (a function call or response alone) are not
		// turns of the demo conversation: the answer after a tool's result
		// carries on answering the last prompt.
		role := "user"
		if c.Role == "model" {
			role = "assistant"
		}
		if text != "" {
			req.messages = append(req.messages, client.Message{Role: role, Content: text})
		}
	}
	for _, p := range b.Contents[len(b.Contents)-1].Parts {
		req.toolResult = req.toolResult || p.FunctionResponse != nil
	}
	if si := b.SystemInstruction; si != nil {
		req.system = si.text()
	}
	return req, b.GenerationConfig.apply(&req)
}

// apply sets the answer's cap and reasoning. Gemini returns thought
// summaries only when asked to include them, and a budget of 0 turns
// thinking off.
func (gc geminiConfig) apply(req *chatRequest) *apiError {
	if mt := gc.MaxOutputTokens; mt != nil {
		if *mt < 0 {
			return geminiInvalid("* GenerateContentRequest.generation_config.max_output_tokens: must be positive")
		}
		req.maxTokens = *mt
	}
	if tc := gc.ThinkingConfig; tc != nil {
		req.thinking = tc.IncludeThoughts && (tc.ThinkingBudget == nil || *tc.ThinkingBudget != 0)
	}
	return nil
}

// check validates one Content and returns its text.
func (c geminiContent) check(at string) (string, *apiError) {
	if c.Role != "" && c.Role != "user" && c.Role != "model" {
		return "", geminiInvalid("Please use a valid role: user, model.")
	}
	if len(c.Parts) == 0 {
		return "", geminiInvalid("* GenerateContentRequest." + at + ".parts: contents.parts must not be empty.")
	}
	for j, p := range c.Parts {
		pat := "* GenerateContentRequest." + at + ".parts[" + itoa(j) + "]"
		switch n := p.dataFields(); {
		case n == 0:
			return "", geminiInvalid(pat + ".data: required oneof field 'data' must have one initialized field")
		case n > 1:
			return "", geminiInvalid(pat + ".data: oneof field 'data' is already set; a part holds one of text, inlineData, fileData, functionCall, functionResponse")
		}
		for name, call := range map[string]*geminiCall{"function_call": p.FunctionCall, "function_response": p.FunctionResponse} {
			if call != nil && call.Name == "" {
				return "", geminiInvalid(pat + "." + name + ".name: Name cannot be empty.")
			}
		}
	}
	return c.text(), nil
}

func (p geminiPart) dataFields() int {
	n := 0
	for _, set := range []bool{p.Text != nil, p.InlineData != nil, p.FileData != nil, p.FunctionCall != nil, p.FunctionResponse != nil} {
		if set {
			n++
		}
	}
	return n
}

func (c geminiContent) text() string {
	var texts []string
	for _, p := range c.Parts {
		if p.Text != nil && *p.Text != "" {
			texts = append(texts, *p.Text)
		}
	}
	return strings.Join(texts, "\n")
}

func geminiInvalid(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "INVALID_ARGUMENT", msg}
}

// geminiJSONError words a JSON error as Google's proto JSON parser does,
// without Go's type names.
func geminiJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "Invalid JSON payload received. " + err.Error()
	}
	if te.Field == "" {
		return "Invalid JSON payload received. Expected an object, not " + te.Value + "."
	}
	want, ok := map[reflect.Kind]string{reflect.String: "TYPE_STRING", reflect.Int: "TYPE_INT32", reflect.Bool: "TYPE_BOOL",
		reflect.Slice: "a list"}[te.Type.Kind()]
	if !ok {
		want = "TYPE_MESSAGE"
	}
	return "Invalid JSON payload received. Invalid value at '" + te.Field + "' (" + want + "), " + te.Value
}

// geminiStatus is the google.rpc.Code name Google's APIs pair with an
// HTTP status.
func geminiStatus(status int) string {
	names := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
		502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 529: "UNAVAILABLE"}
	if s, ok := names[status]; ok {
		return s
	}
	if status < 500 {
		return "FAILED_PRECONDITION"
	}
	return "UNKNOWN"
}

// writeGeminiError answers {"error":{"code","message","status"}}. An
// oversized body is Gemini's 400, not a 413; a rate limit carries the
// RetryInfo detail Gemini's 429s have.
func writeGeminiError(w http.ResponseWriter, e *apiError) {
	code, msg := e.status, e.message
	if code == http.StatusRequestEntityTooLarge {
		code, msg = http.StatusBadRequest, "Request payload size exceeds the limit: "+itoa(maxBody)+" bytes."
	}
	body := map[string]any{"code": code, "message": msg, "status": geminiStatus(code)}
	if ra := w.Header().Get("Retry-After"); ra != "" {
		body["details"] = []map[string]string{{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": ra + "s"}}
	}
	writeJSON(w, code, map[string]any{"error": body})
}

// geminiEncoder writes GenerateContentResponse chunks. Gemini sends a
// function call whole, in one part, so the argument fragments are gathered
// and the call goes out with the next chunk: the finishing one, as in
// ../shared/corpus/gemini/function-call.sse.
type geminiEncoder struct {
	model, id string
	thoughts  int            // thinking tokens sent, for thoughtsTokenCount
	args      []byte         // the call's argument fragments so far
	pending   map[string]any // a functionCall part not sent yet
}

type geminiChunk struct {
	Candidates    []geminiCandidate `json:"candidates"`
	UsageMetadata *geminiUsage      `json:"usageMetadata,omitempty"`
	ModelVersion  string            `json:"modelVersion"`
	ResponseID    string            `json:"responseId"`
}

type geminiCandidate struct {
	Content struct {
		Parts []map[string]any `json:"parts"`
		Role  string           `json:"role"`
	} `json:"content"`
	FinishReason string `json:"finishReason,omitempty"`
	Index        int    `json:"index"`
}

type geminiUsage struct {
	PromptTokenCount     int `json:"promptTokenCount"`
	CandidatesTokenCount int `json:"candidatesTokenCount"`
	TotalTokenCount      int `json:"totalTokenCount"`
	ThoughtsTokenCount   int `json:"thoughtsTokenCount,omitempty"`
}

// send writes a chunk of parts, led by the pending functionCall if any.
func (e *geminiEncoder) send(fw frames, finish string, u *geminiUsage, parts ...map[string]any) error {
	if e.pending != nil {
		parts, e.pending = append([]map[string]any{e.pending}, parts...), nil
	}
	c := geminiCandidate{FinishReason: finish}
	c.Content.Parts, c.Content.Role = parts, "model"
	b, err := json.Marshal(geminiChunk{[]geminiCandidate{c}, u, e.model, e.id})
	if err != nil {
		return err
	}
	return fw.frame("", "", string(b))
}

// begin: Gemini has no opening frame; the first chunk carries content.
func (e *geminiEncoder) begin(frames) error { return nil }

func (e *geminiEncoder) thinking(fw frames, text string, _ int) error {
	e.thoughts++
	return e.send(fw, "", nil, map[string]any{"text": text, "thought": true})
}

func (e *geminiEncoder) text(fw frames, text string, _ int) error {
	return e.send(fw, "", nil, map[string]any{"text": text})
}

func (e *geminiEncoder) toolStart(frames, toolCall) error { return nil }

func (e *geminiEncoder) toolArgs(_ frames, _ toolCall, fragment string, _ int) error {
	e.args = append(e.args, fragment...)
	return nil
}

func (e *geminiEncoder) toolEnd(_ frames, call toolCall) error {
	args := json.RawMessage(e.args)
	if !json.Valid(args) {
		args = json.RawMessage(call.Args)
	}
	e.pending, e.args = map[string]any{"functionCall": struct {
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	}{call.Name, args}}, nil
	return nil
}

// fail sends Gemini's mid-stream error; the stream ends after it.
func (e *geminiEncoder) fail(fw frames, message string) error {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": 500, "message": message, "status": "INTERNAL"}})
	return fw.frame("", "", string(b))
}

// end sends the finishing chunk: the pending function call, or an empty
// text part as Gemini does when the last text went out already.
func (e *geminiEncoder) end(fw frames, u client.Usage, why stop) error {
	finish := "STOP" // a function call ends with STOP too
	if why == stopMaxTokens {
		finish = "MAX_TOKENS"
	}
	usage := &geminiUsage{PromptTokenCount: u.InputTokens, CandidatesTokenCount: u.OutputTokens - e.thoughts,
		TotalTokenCount: u.InputTokens + u.OutputTokens, ThoughtsTokenCount: e.thoughts}
	if e.pending != nil {
		return e.send(fw, finish, usage)
	}
	return e.send(fw, finish, usage, map[string]any{"text": ""})
}
