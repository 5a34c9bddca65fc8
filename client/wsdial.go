package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/coder/websocket"
)

// dialWS opens the WebSocket of req: its URL (ws, wss, or http(s) read as
// ws(s)), its headers on the upgrade. The idle timeout bounds the wait
// for the upgrade's answer as it bounds a request's headers.
func (c *Client) dialWS(ctx context.Context, req *http.Request, rec *recorder) (*wsConn, *http.Response, error) {
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(errClosed)
	if c.cfg.IdleTimeout > 0 {
		t := time.AfterFunc(c.cfg.IdleTimeout, func() { cancel(ErrIdleTimeout) })
		defer t.Stop()
	}
	hctx = httptrace.WithClientTrace(hctx, rec.trace())
	header := upgradeHeader(req.Header)
	c.debugUpgrade(req, header)
	sec := requestSecrets(req)
	w := &wsConn{opened: time.Now(), closed: make(chan struct{})}
	w.life, w.cancel = context.WithCancel(context.Background())
	ws, resp, err := websocket.Dial(hctx, req.URL.String(), &websocket.DialOptions{
		HTTPClient: c.hc, HTTPHeader: header, Host: req.Host,
		OnPongReceived: func(context.Context, []byte) { w.touch() },
	})
	if resp != nil {
		rec.set(func(t *Timings, now time.Duration) { t.Headers = now })
		c.debugResponse(resp, sec)
		if tr := traceOf(ctx); tr != nil && tr.Response != nil {
			tr.Response(resp, rec.get())
		}
	}
	if err != nil {
		w.cancel()
		return nil, resp, sec.scrubError(c.upgradeError(hctx, req, resp, err))
	}
	ws.SetReadLimit(MaxEventSize)
	w.ws = ws
	w.touch()
	w.wg.Add(2)
	go w.read()
	go w.ping(c.pingInterval())
	return w, resp, nil
}

func (c *Client) pingInterval() time.Duration {
	if c.cfg.PingInterval > 0 {
		return c.cfg.PingInterval
	}
	return DefaultPingInterval
}

// upgradeHeader is the request's headers for the upgrade: what asks for
// an event stream or describes a body has no place on it.
func upgradeHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range [...]string{"Accept", "Content-Type", "Content-Length"} {
		out.Del(k)
	}
	return out
}

// upgradeError explains a failed upgrade: an answer other than 101 is an
// *HTTPError (a 2xx one, a server that does not speak WebSocket there),
// anything else a transport error, explained as a request's is.
func (c *Client) upgradeError(ctx context.Context, req *http.Request, resp *http.Response, err error) error {
	if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return c.explain(ctx, err)
	}
	var body []byte
	if resp.Body != nil {
		body = make([]byte, 1024)
		n, _ := resp.Body.Read(body)
		body = body[:n]
	}
	if resp.Request == nil {
		resp.Request = req
	}
	he := newHTTPError(resp, body)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		he.Message = "the server answered without switching to a WebSocket; if it streams SSE, use http:// or https://"
	}
	return he
}

// closeError explains how the socket closed: a normal close is the end
// of the body (io.EOF in endOf's terms), a close frame with another code
// says so, and a socket gone without one is a connection cut.
func closeError(err error) error {
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce) && (ce.Code == websocket.StatusNormalClosure || ce.Code == websocket.StatusGoingAway):
		return errWSClosed
	case errors.As(err, &ce):
		return &WSCloseError{Code: int(ce.Code), Reason: ce.Reason}
	case errors.Is(err, websocket.ErrMessageTooBig):
		return ErrEventTooLarge
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return errConnectionClosed
	}
	return err
}

// errWSClosed is a socket the server closed normally: the body's end.
var errWSClosed = errors.New("the server closed the WebSocket")

// WSCloseError is a WebSocket the server closed with a status other than
// a normal close, before the answer's end.
type WSCloseError struct {
	Code   int
	Reason string
}

func (e *WSCloseError) Error() string {
	s := fmt.Sprintf("the server closed the WebSocket with status %d", e.Code)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}
