package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokcli/tok/client"
)

// tokDialect is tok's own protocol (../shared/PROTOCOL.md).
var tokDialect = &dialect{
	name:        "tok",
	parse:       parseTok,
	writeError:  writeTokError,
	newEncoder:  func(req chatRequest) encoder { return &tokEncoder{session: req.sessionID} },
	serverTools: true,
}

type tokBody struct {
	Messages     []client.Message `json:"messages"`
	SystemPrompt string           `json:"systemPrompt"`
	SessionID    string           `json:"sessionId"`
	ResumeFrom   *int             `json:"resumeFrom"`
}

// maxSessionID bounds a session's id, which the store keeps as a key.
const maxSessionID = 256

func parseTok(r *http.Request, body []byte) (chatRequest, *apiError) {
	var b tokBody
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		b.Messages = []client.Message{{Role: "user", Content: q.Get("q")}}
		b.SystemPrompt, b.SessionID = q.Get("systemPrompt"), q.Get("sessionId")
		if v := q.Get("resumeFrom"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return chatRequest{}, badRequest("resumeFrom must be a whole number")
			}
			b.ResumeFrom = &n
		}
	} else if err := json.Unmarshal(body, &b); err != nil {
		return chatRequest{}, badRequest("the body is not the JSON tok's protocol expects: " + err.Error())
	}
	if err := checkTurns(b.Messages, "user", "assistant"); err != nil {
		return chatRequest{}, err
	}
	req := chatRequest{messages: b.Messages, system: b.SystemPrompt, sessionID: b.SessionID}
	if b.ResumeFrom != nil {
		req.resumeFrom, req.resumed = *b.ResumeFrom, true
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.Atoi(id)
		if err != nil {
			return chatRequest{}, badRequest("Last-Event-ID must be a token index")
		}
		req.resumeFrom, req.lastEventID, req.resumed = n+1, id, true
	}
	if len(req.sessionID) > maxSessionID {
		return chatRequest{}, badRequest("sessionId is " + itoa(len(req.sessionID)) + " bytes long; at most " + itoa(maxSessionID))
	}
	if req.resumeFrom < 0 || (req.resumeFrom > 0 && req.sessionID == "") {
		return chatRequest{}, badRequest("resumeFrom needs a sessionId and a non-negative index")
	}
	return req, nil
}

// checkTurns checks the messages as the APIs do: at least one, roles from
// the allowed set, the last from the first allowed role (the user).
func checkTurns(msgs []client.Message, roles ...string) *apiError {
	if len(msgs) == 0 {
		return badRequest("messages: at least one message is required")
	}
	for i, m := range msgs {
		if !contains(roles, m.Role) {
			return badRequest("messages." + itoa(i) + ".role: must be one of " + strings.Join(roles, ", ") + ", not " + strconv.Quote(m.Role))
		}
	}
	if last := msgs[len(msgs)-1].Role; last != roles[0] {
		return badRequest("messages: the last message must be from the " + roles[0])
	}
	return nil
}

func badRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_request_error", msg}
}

func writeTokError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]string{"type": "error", "code": e.kind, "message": e.message})
}

// tokEncoder writes tok's protocol: a JSON object per frame, then [DONE].
// With a session, token frames carry index and an SSE id (the id alone
// with noIndex, the scenario's no-index).
type tokEncoder struct {
	session string
	noIndex bool
}

// tokFrame is one frame of tok's protocol, type first as people read it.
type tokFrame struct {
	Type       string          `json:"type"`
	MessageID  string          `json:"messageId,omitempty"`
	Content    string          `json:"content,omitempty"`
	Index      *int            `json:"index,omitempty"`
	Name       string          `json:"name,omitempty"`
	ID         string          `json:"id,omitempty"`        // a gateway's tool frames (gateway_tools.go)
	Arguments  json.RawMessage `json:"arguments,omitempty"` // tool_executing's
	Result     json.RawMessage `json:"result,omitempty"`
	IsError    bool            `json:"isError,omitempty"`
	DurationMS *int64          `json:"durationMs,omitempty"`
	Usage      *tokUsage       `json:"usage,omitempty"`
	Message    string          `json:"message,omitempty"`
}

type tokUsage struct {
	InputTokens  int `json:"inputTokens"`
	OutputTokens int `json:"outputTokens"`
}

func (e *tokEncoder) send(fw frames, id string, f tokFrame) error {
	b, _ := json.Marshal(f)
	return fw.frame(id, "", string(b))
}

func (e *tokEncoder) begin(fw frames) error {
	return e.send(fw, "", tokFrame{Type: "start", MessageID: "msg_tok_" + randomID()})
}

// thinking: tok's protocol has no reasoning frames, so it is not sent.
func (e *tokEncoder) thinking(frames, string, int) error { return nil }

func (e *tokEncoder) text(fw frames, text string, index int) error {
	f, id := tokFrame{Type: "token", Content: text}, ""
	if e.session != "" {
		f.Index, id = &index, itoa(index)
	}
	if e.noIndex {
		f.Index = nil
	}
	return e.send(fw, id, f)
}

func (e *tokEncoder) toolStart(fw frames, call toolCall) error {
	return e.send(fw, "", tokFrame{Type: "tool_start", Name: call.Name})
}

// toolArgs: tok's protocol does not stream a tool's input.
func (e *tokEncoder) toolArgs(frames, toolCall, string, int) error { return nil }

func (e *tokEncoder) toolEnd(fw frames, call toolCall) error {
	if err := e.send(fw, "", tokFrame{Type: "tool_executing", Name: call.Name}); err != nil {
		return err
	}
	return e.send(fw, "", tokFrame{Type: "tool_result", Name: call.Name, Result: json.RawMessage(call.Result)})
}

func (e *tokEncoder) fail(fw frames, message string) error {
	if err := e.send(fw, "", tokFrame{Type: "error", Message: message}); err != nil {
		return err
	}
	return fw.frame("", "", "[DONE]")
}

func (e *tokEncoder) end(fw frames, u client.Usage, _ stop) error {
	if err := e.send(fw, "", tokFrame{Type: "done", Usage: &tokUsage{u.InputTokens, u.OutputTokens}}); err != nil {
		return err
	}
	return fw.frame("", "", "[DONE]")
}
