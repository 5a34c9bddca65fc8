package client

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"syscall"
	"time"
)

// schedule decides whether a failure before text is worth another try,
// and if it is, fills in the retry.
func (s *retryState) schedule(err error, cfg Config, retry *Retry) bool {
	if s.tries >= cfg.Retries || !retryable(err) {
		return false
	}
	wait := jitter(doubled(cmpOr(cfg.RetryBackoff, 500*time.Millisecond), s.tries, 8*time.Second))
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		if he.RetryAfter > cmpOr(cfg.MaxRetryWait, time.Minute) {
			return false
		}
		wait = he.RetryAfter
	}
	s.tries++
	*retry = Retry{Attempt: s.tries, Of: cfg.Retries, Wait: wait, Err: err}
	return true
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// doubled is d doubled n times, at most ceiling: a backoff that cannot
// overflow, however many tries it is asked for.
func doubled(d time.Duration, n int, ceiling time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	for ; n > 0 && d < ceiling; n-- {
		d *= 2
	}
	return min(d, ceiling)
}

// jitter takes up to a fifth off d, so clients cut off together do not
// come back together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d/5)+1))
}

// errCutBeforeText is a body that ended before its first token and its
// terminal event.
var errCutBeforeText = errors.New("the connection closed before the answer began")

// retryStatus are the HTTP statuses worth another try.
var retryStatus = []int{408, 409, 429, 500, 502, 503, 504, 529}

// retryTypes are the error types of error events worth another try, as
// Anthropic, OpenAI and Gemini name them.
var retryTypes = []string{"overloaded_error", "rate_limit_error", "api_error", "rate_limit_exceeded",
	"server_error", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"}

// retryable reports whether a failure before the first token may pass if
// the request is sent again.
func retryable(err error) bool {
	var he *HTTPError
	var se *ServerError
	switch {
	case err == nil:
		return false
	case errors.As(err, &he):
		return slices.Contains(retryStatus, he.StatusCode)
	case errors.As(err, &se):
		return slices.Contains(retryTypes, se.Type)
	}
	return errors.Is(err, errCutBeforeText) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, errConnectionClosed)
}
