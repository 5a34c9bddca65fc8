package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// usageError is a mistake in how tok was called: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errInterrupted is a Ctrl+C: exit code 130.
var errInterrupted = errors.New("interrupted")

// failure ties an error to the endpoint it came from, for the message.
type failure struct {
	url string
	err error
	// For the advice on an API's answer: the provider, the model asked
	// for and the setting it came from ("" for the provider's default),
	// and where its key came from.
	provider  client.Provider
	model     string
	modelFrom string
	keyFrom   string
	// urlFrom names the setting the address came from ("" for an API's
	// own address, or the demo model).
	urlFrom string
	// secret is the key, which no message may print.
	secret string
}

// failure ties err to the target that failed.
func (o *rootOptions) failure(err error) failure { return o.target.failure(err) }

// failure ties err to t, which failed.
func (t target) failure(err error) failure {
	f := failure{url: t.ep.Target(), err: err, provider: t.ep.Provider, keyFrom: t.keyFrom, urlFrom: t.urlFrom,
		modelFrom: t.modelFrom, secret: t.ep.Key}
	if t.ep.Provider != "" {
		f.model = t.model()
	}
	if t.demo() {
		f.url = ""
	}
	return f
}

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// Exit codes, as documented in tok --help and the README.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitTokenLimit  = 4
	exitInterrupted = 130
)

// errTokenLimit is an answer the model stopped at its token limit: exit
// code 4, after a note that says so.
var errTokenLimit = errors.New("the answer stopped at the token limit")

// maxErrorLine caps the one line an error is, in runes: a server's
// message cannot fill the terminal.
const maxErrorLine = 600

// reportError prints err as one line on stderr and returns the exit code.
func reportError(ios *ioStreams, err error) int {
	var ue usageError
	var pe probeExit
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &pe):
		return int(pe) // the report said why
	case errors.Is(err, errTokenLimit):
		return exitTokenLimit // the note said why
	case errors.Is(err, errInterrupted):
		how := "interrupted"
		if se := (*client.StopError)(nil); errors.As(err, &se) && se.How != client.StopAborted {
			how = "stopped (" + se.How.String() + ")" // a WebSocket's: acknowledged, or the socket closed
		}
		ios.errLine("tok: " + how + "; the answer above is what arrived")
		return exitInterrupted
	case errors.As(err, &ue):
		ios.errLine(fmt.Sprintf("tok: %s (see tok --help)", ue.err))
		return exitUsage
	}
	ios.errLine("tok: " + describe(err))
	return exitFailed
}

// describe says what went wrong and what to do about it, in one line. A
// key never appears in it, even when a server echoes one back: the client
// scrubs its errors of the request's credentials, and describe scrubs the
// key once more, for the errors tok builds itself. It is one line whatever
// the server sent: control sequences stripped, line breaks folded, the
// length capped (render.Line).
func describe(err error) string {
	s := describeErr(err)
	var f failure
	if errors.As(err, &f) {
		s = client.Scrub(s, f.secret)
	}
	return render.Line(s, maxErrorLine)
}

func describeErr(err error) string {
	var (
		f   failure
		he  *client.HTTPError
		co  *client.CutOffError
		te  *client.TimeoutError
		na  *client.NotAStreamError
		se  *client.ServerError
		dns *net.DNSError
		op  *net.OpError
		ie  *client.ImageError
	)
	errors.As(err, &f)
	f.url = client.RedactURL(f.url)
	switch {
	case errors.As(err, &ie):
		return imageAdvice(ie)
	case errors.As(err, &co) && errors.As(err, &te) && te.Idle:
		return co.Error() + "; if the server is just slow, raise --idle-timeout"
	case errors.As(err, &co):
		return co.Error() + "; the text above is what arrived"
	case errors.As(err, &he):
		return describeHTTP(he, f)
	case errors.As(err, &te) && te.Idle:
		return fmt.Sprintf("no answer from %s: %s; is the server up? raise --idle-timeout if it is slow", f.url, te)
	case errors.As(err, &te):
		return fmt.Sprintf("%s; raise --timeout", te)
	case errors.As(err, &na):
		return na.Error() + "; check that " + f.where() + " points at a streaming endpoint"
	case errors.Is(err, client.ErrUnknownDialect):
		return err.Error() + "; tok reads its own protocol, Anthropic, OpenAI, Gemini, AI SDK and plain-text streams"
	case errors.Is(err, client.ErrEmptyAnswer):
		return err.Error() + "; check that " + f.where() + " points at a chat endpoint, or ask again"
	case errors.Is(err, client.ErrEventTooLarge), errors.Is(err, client.ErrAnswerTooLarge):
		return err.Error() + "; the text above is what arrived"
	case errors.As(err, &se):
		return "the server reported an error: " + se.Error()
	case f.url != "" && errors.As(err, &dns):
		return fmt.Sprintf("could not find the host %s; check %s", dns.Name, f.where())
	case f.url != "" && errors.As(err, &op) && op.Op == "dial":
		return fmt.Sprintf("could not connect to %s: %s; %s", f.url, causeText(op.Err), f.dialAdvice())
	}
	return err.Error()
}

// where names the setting the failing address came from, for advice.
func (f failure) where() string {
	switch {
	case f.urlFrom != "":
		return f.urlFrom
	case f.provider != "":
		return "the network (tok was talking to " + string(f.provider) + "'s own API)"
	}
	return "--url"
}

func (f failure) dialAdvice() string {
	if f.urlFrom == "" && f.provider != "" {
		return "is the network up? check your connection or proxy"
	}
	return "is the server running? check " + f.where()
}

// causeText is the innermost reason of a network error ("connection refused").
func causeText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// httpAdvice says what to do about an HTTP status (mods_errors.go's table).
var httpAdvice = map[int]string{
	http.StatusBadRequest:            "the server rejected the request",
	http.StatusUnauthorized:          "pass credentials with -H, as in -H 'Authorization: Bearer $TOKEN'",
	http.StatusForbidden:             "the credentials passed with -H are not allowed here",
	http.StatusNotFound:              "nothing is served at that path; check --url",
	http.StatusMethodNotAllowed:      "the path does not take POST; check --url",
	http.StatusRequestEntityTooLarge: "the prompt is too large for the server; send less text",
	http.StatusTooManyRequests:       "rate limited; try again later",
	http.StatusBadGateway:            "a proxy could not reach the server behind it",
	http.StatusServiceUnavailable:    "the server is unavailable; try again later",
	http.StatusGatewayTimeout:        "a proxy gave up waiting for the server behind it",
	529:                              "the server is overloaded; try again later",
}

func describeHTTP(e *client.HTTPError, f failure) string {
	s := fmt.Sprintf("%s answered %s", e.URL, e.Error())
	advice, ok := httpAdvice[e.StatusCode]
	if !ok && e.StatusCode >= 500 {
		advice = "the server failed; try again later"
	}
	switch {
	case e.CredentialsLeftAt != "" && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden):
		advice = "a redirect led here from " + e.CredentialsLeftAt + ", and tok sends credentials only to the host they were given for: point tok at this address if you trust it"
	case f.provider != "":
		advice = apiAdvice(e.StatusCode, f, advice)
	case strings.HasSuffix(advice, "check --url"): // the address may have come from the config file
		advice = strings.TrimSuffix(advice, "--url") + f.where()
	case strings.HasPrefix(e.Message, "upstream ") && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden):
		advice = "the gateway's own key was refused by the API behind it: check the key tok serve was started with"
	}
	if e.RetryAfter >= time.Second {
		advice = strings.TrimSuffix(advice, "; try again later") + fmt.Sprintf("; retry after %s", e.RetryAfter.Round(time.Second))
	}
	if advice != "" {
		s += "; " + advice
	}
	return s
}

// apiAdvice is the advice on an LLM API's answer, which knows where the
// key came from and which model was asked for.
func apiAdvice(status int, f failure, advice string) string {
	switch status {
	case http.StatusUnauthorized:
		if f.secret == "" {
			return "no key was sent: set " + f.keyFrom
		}
		return "the key was refused: check " + f.keyFrom
	case http.StatusForbidden:
		return "the key from " + f.keyFrom + " may not use this model or API"
	case http.StatusNotFound:
		return notFoundAdvice(f)
	case http.StatusBadRequest:
		return "the API refused the request; its message says why"
	}
	return advice
}

// retryReason is the short cause of a retry: the status or the server's
// error, without the advice to wait, since tok is about to.
func (o *rootOptions) retryReason(err error) string { return o.target.retryReason(err) }

// retryReason is the short cause of a retry of t's request.
func (t target) retryReason(err error) string {
	var he *client.HTTPError
	var se *client.ServerError
	var te *client.TimeoutError
	switch {
	case errors.As(err, &te):
		return te.Error()
	case errors.As(err, &he):
		err = failure{err: errors.New(he.Error()), secret: t.ep.Key}
	case errors.As(err, &se):
		err = failure{err: errors.New("error event: " + se.Error()), secret: t.ep.Key}
	default:
		err = t.failure(err)
	}
	return describe(err)
}

// notFoundAdvice explains an API's 404: the model, unless the address
// itself looks wrong, in which case it names the setting it came from.
func notFoundAdvice(f failure) string {
	switch {
	case strings.Contains(f.url, "/v1/v1/"):
		return fmt.Sprintf("the address has /v1 twice: tok adds the API's path to the base URL, so drop the /v1 at the end of %s", f.urlFrom)
	case f.urlFrom != "" && !strings.Contains(strings.ToLower(f.err.Error()), "model"):
		return fmt.Sprintf("nothing at that address, or no model %q there; check %s (tok adds the API's path to it) and %s", f.model, f.urlFrom, f.modelSetting())
	}
	return fmt.Sprintf("no model %q at %s; check %s", f.model, f.url, f.modelSetting())
}

// modelSetting names where the model came from, or the flag that names
// one when it was the provider's default.
func (f failure) modelSetting() string {
	if f.modelFrom != "" {
		return f.modelFrom
	}
	return "--model"
}
