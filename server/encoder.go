package server

import (
	"net/http"

	"github.com/tokcli/tok/client"
)

// encoder writes one answer in a dialect's wire format. Its methods are
// called in the order of the plan: begin, then thinking, text and tool
// steps, then end (or fail). index counts the tokens sent so far in the
// whole answer, for resume.
type encoder interface {
	begin(fw frames) error
	thinking(fw frames, text string, index int) error
	text(fw frames, text string, index int) error
	toolStart(fw frames, call toolCall) error
	toolArgs(fw frames, call toolCall, fragment string, index int) error
	toolEnd(fw frames, call toolCall) error
	fail(fw frames, message string) error
	end(fw frames, usage client.Usage, why stop) error
}

// apiError is a request the dialect's API would reject, or the server's
// guards and limits refuse.
type apiError struct {
	status  int
	kind    string // the API's error type or status name
	message string
}

// dialect is one API the server speaks.
type dialect struct {
	name string
	// parse checks the request as the real API does.
	parse func(r *http.Request, body []byte) (chatRequest, *apiError)
	// writeError answers an apiError in the API's JSON shape.
	writeError func(w http.ResponseWriter, e *apiError)
	// newEncoder returns the encoder of one answer.
	newEncoder func(req chatRequest) encoder
	// serverTools: the server runs tools and the answer goes on after one.
	serverTools bool
	// header adds the dialect's own response headers.
	header func(h http.Header)
}

// statusKind names a status the way most APIs' error types do.
func statusKind(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType, http.StatusMisdirectedRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case 529, http.StatusServiceUnavailable:
		return "overloaded_error"
	default:
		return "api_error"
	}
}
