package client

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

func (c *Client) debugf(format string, args ...any) {
	if c.cfg.Debug != nil {
		fmt.Fprintf(c.cfg.Debug, format, args...)
	}
}

// debugHeaders writes h, the values of secret headers as hints and
// sec's secrets scrubbed from the others (a server may echo a key).
func (c *Client) debugHeaders(prefix string, h http.Header, sec secrets) {
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			if IsSecretName(k) {
				v = Redact(v)
			}
			v = sec.scrub(v)
			c.debugf("%s %s: %s\n", prefix, k, v)
		}
	}
}

func (c *Client) debugRequest(req *http.Request) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("> %s %s\n", req.Method, RedactURL(req.URL.String()))
	c.debugHeaders(">", req.Header, nil)
}

// debugUpgrade writes a WebSocket's upgrade request as it goes out:
// header, then what the WebSocket library adds.
func (c *Client) debugUpgrade(req *http.Request, header http.Header) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("> GET %s (WebSocket upgrade)\n", RedactURL(req.URL.String()))
	h := header.Clone()
	h.Set("Connection", "Upgrade")
	h.Set("Upgrade", "websocket")
	h.Set("Sec-WebSocket-Version", "13")
	c.debugHeaders(">", h, nil)
}

// debugResponse writes the response's status and headers, scrubbed of
// the request's secrets.
func (c *Client) debugResponse(resp *http.Response, sec secrets) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("< %s %s\n", resp.Proto, sec.scrub(resp.Status))
	c.debugHeaders("<", resp.Header, sec)
}

func (c *Client) debugTimings(t Timings) {
	if c.cfg.Debug == nil {
		return
	}
	c.debugf("* dns %s, connect %s, tls %s, request written %s, headers %s, first byte %s, first text %s, end %s, %d events\n",
		ms(t.DNS), ms(t.Connect), ms(t.TLS), ms(t.WroteRequest), ms(t.Headers), ms(t.FirstByte), ms(t.FirstText), ms(t.End), t.Events)
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}
