package server

// The JSON helpers the API dialects share: members in the API's order,
// request bodies read with errors that name the field, and the checks
// every API makes (model, token caps, stream, keys).

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/tokcli/tok/demo"
)

// contentText reads content, a string or an array of parts {type, text}:
// it joins the text of the parts of the text types; kinds lists the other
// part types allowed.
func contentText(at string, raw json.RawMessage, texts []string, kinds ...string) (string, *apiError) {
	var s string
	var parts []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if jsonKind(raw) == '"' {
		json.Unmarshal(raw, &s)
		return s, nil
	}
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &parts) != nil {
		return "", badRequest(at + ": must be a string or an array of content parts")
	}
	var b strings.Builder
	for j, p := range parts {
		switch {
		case contains(texts, p.Type) && p.Text == nil:
			return "", badRequest(at + "[" + itoa(j) + "].text: required")
		case contains(texts, p.Type):
			b.WriteString(*p.Text)
		case !contains(kinds, p.Type):
			return "", badRequest(at + "[" + itoa(j) + "].type: unknown content part type " + strconv.Quote(p.Type))
		}
	}
	return b.String(), nil
}

// wireField is one member of a [wireObject].
type wireField struct {
	k string
	v any
}

// wireObject is a JSON object that keeps its members in order, so that a
// stream reads like the API's own.
type wireObject []wireField

// MarshalJSON writes the members in order.
func (o wireObject) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(strconv.AppendQuote(b, f.k), ':'), wireJSON(f.v)...)
	}
	return append(b, '}'), nil
}

// wireJSON marshals v as the APIs do, leaving <, > and & as they are.
func wireJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // the encoders' values always marshal
	return strings.TrimSuffix(b.String(), "\n")
}

// decodeAPIBody reads a JSON object into v; a wrong type names its field.
func decodeAPIBody(body []byte, v any) *apiError {
	err := json.Unmarshal(body, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field == "":
		return badRequest("the body must be a JSON object, not " + te.Value)
	case errors.As(err, &te):
		return badRequest(te.Field + ": must be " + jsonTypeNames[te.Type.Kind()] + ", not " + te.Value)
	}
	return badRequest("the body is not valid JSON: " + err.Error())
}

// jsonTypeNames name the fields' kinds as JSON types, for errors.
var jsonTypeNames = map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "a boolean",
	reflect.Int: "an integer", reflect.Slice: "an array", reflect.Struct: "an object", reflect.Map: "an object"}

// jsonKind returns the first byte of a JSON value, 0 when there is none.
func jsonKind(raw json.RawMessage) byte {
	if s := bytes.TrimSpace(raw); len(s) > 0 {
		return s[0]
	}
	return 0
}

func requireModel(dst *string, m *string) *apiError {
	if m == nil || *m == "" {
		return badRequest("model: required, a non-empty string")
	}
	*dst = *m
	return nil
}

// tokenCap reads a token limit of at least floor into dst.
func tokenCap(dst *int, name string, n *int, floor int, required bool) *apiError {
	switch {
	case n == nil && required:
		return badRequest(name + ": required")
	case n != nil && *n < floor:
		return badRequest(name + ": must be at least " + itoa(floor) + ", not " + itoa(*n))
	case n != nil:
		*dst = *n
	}
	return nil
}

func requireStream(s *bool) *apiError {
	if s == nil || !*s {
		return badRequest(`stream: tok serve streams only; set "stream": true`)
	}
	return nil
}

// firstError returns the first failed check: a parser runs its checks in
// order and answers the first failure, as the APIs do.
func firstError(checks ...*apiError) *apiError {
	for _, e := range checks {
		if e != nil {
			return e
		}
	}
	return nil
}

// hasBearer reports whether the request has an Authorization: Bearer key.
func hasBearer(r *http.Request) bool {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && strings.TrimSpace(key) != ""
}

// promptTokens counts the request's text as the demo model splits it.
func promptTokens(req chatRequest) int {
	n := len(demo.Tokens(req.system))
	for _, m := range req.messages {
		n += len(demo.Tokens(m.Content))
	}
	return max(n, 1)
}
