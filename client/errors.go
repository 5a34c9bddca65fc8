package client

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// ErrIdleTimeout is the cause of a request that received no bytes, not even
// a heartbeat, for the idle timeout.
var ErrIdleTimeout = errors.New("idle timeout")

// ErrTimeout is the cause of a request that ran past its total timeout.
var ErrTimeout = errors.New("timeout")

// HTTPError is a non-2xx answer. It carries the status, the server's message
// from a JSON error body in any dialect's shape, and Retry-After.
type HTTPError struct {
	StatusCode int
	// Status is the status line's text, such as "429 Too Many Requests".
	Status string
	// Message and Type come from the JSON body; Message holds the start of
	// a body that is not JSON (or an HTML page's title).
	Message string
	Type    string
	// HTML reports that the body was an HTML page (a proxy's error page).
	HTML bool
	// RetryAfter is the wait the server asked for, or 0.
	RetryAfter time.Duration
	// URL is the address that answered.
	URL string
	// CredentialsLeftAt is the host the request was sent to when a
	// redirect led it to another, which got none of its credentials (see
	// [IsSecretName]); "" when none were left behind.
	CredentialsLeftAt string
}

func (e *HTTPError) Error() string {
	s := e.Status
	if s == "" {
		s = strconv.Itoa(e.StatusCode)
	}
	if e.HTML {
		s += " (an HTML page"
		if e.Message != "" {
			s += ": " + quoteExcerpt(e.Message)
		}
		return s + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// newHTTPError reads the error from a non-2xx response's body.
func newHTTPError(resp *http.Response, body []byte) *HTTPError {
	e := &HTTPError{
		StatusCode: resp.StatusCode,
		Status:     statusLine(resp),
		RetryAfter: retryAfter(resp.Header, time.Now()),
		URL:        RedactURL(resp.Request.URL.String()),
	}
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "<"):
		e.HTML, e.Message = true, htmlTitle(body)
	case errorFromJSON(body) != nil:
		se := errorFromJSON(body)
		e.Message, e.Type = se.Message, se.Type
	default:
		e.Message = firstLine(trimmed, 200)
	}
	return e
}

// statusLine is the status as "429 Too Many Requests"; a code net/http
// has no name for (Anthropic's 529) gets the API's.
func statusLine(resp *http.Response) string {
	code := strconv.Itoa(resp.StatusCode)
	if resp.StatusCode == 529 && strings.TrimSpace(strings.TrimPrefix(resp.Status, code)) == "status code 529" {
		return "529 Overloaded"
	}
	return resp.Status
}

// maxRetryAfter caps the wait a server may ask for (a day), so that no
// number it sends overflows a duration; tok gives up on far shorter waits.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads the wait a server asked for: OpenAI's retry-after-ms,
// else Retry-After.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 {
		return time.Duration(min(ms, maxRetryAfter.Seconds()*1000) * float64(time.Millisecond))
	}
	return parseRetryAfter(h.Get("Retry-After"), now)
}

// parseRetryAfter parses a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return time.Duration(min(s, maxRetryAfter.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), maxRetryAfter)
	}
	return 0
}

// errorFromJSON reads an error body in the shapes the APIs use: OpenAI and
// Anthropic {"error":{"message","type"}}, Gemini {"error":{"message",
// "status"}} (also wrapped in an array), {"error":"text"}, {"message":"…"}
// and FastAPI's {"detail":"…"}. It returns nil when b is none of them.
func errorFromJSON(b []byte) *ServerError {
	var p fastjson.Parser
	v, err := p.ParseBytes(b)
	if err != nil {
		return nil
	}
	if v.Type() == fastjson.TypeArray && len(v.GetArray()) > 0 {
		v = v.GetArray()[0]
	}
	if ev, ok := errorEvent(v); ok {
		return ev.Err
	}
	for _, k := range [...]string{"message", "detail", "errorText"} {
		if s := raw(v, k); s != "" {
			return &ServerError{Message: s}
		}
	}
	return nil
}

// serverError makes a ServerError from an error event's message. Gateways
// often pass an upstream error on as text with its JSON inside
// ("429 {\"type\":\"error\",\"error\":{…}}"); that JSON is read out, so the
// user sees the upstream's words, not its encoding.
func serverError(msg, typ string) *ServerError {
	i := strings.IndexAny(msg, "{[")
	if i < 0 {
		return &ServerError{Message: msg, Type: typ}
	}
	inner := errorFromJSON([]byte(msg[i:]))
	if inner == nil {
		return &ServerError{Message: msg, Type: typ}
	}
	if prefix := strings.TrimSpace(msg[:i]); prefix != "" {
		inner.Message = prefix + " " + inner.Message
	}
	if inner.Type == "" {
		inner.Type = typ
	}
	return inner
}

func firstLine(s string, max int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// CutOffError reports a stream that ended before its terminal event. The
// events before it were delivered; the partial answer is the caller's to keep.
type CutOffError struct {
	// Tokens counts the text and reasoning events that arrived.
	Tokens int
	// Err is the cause: nil for a clean close, else the read error.
	Err error
}

func (e *CutOffError) Error() string {
	s := fmt.Sprintf("the stream was cut off after %d tokens", e.Tokens)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CutOffError) Unwrap() error { return e.Err }
