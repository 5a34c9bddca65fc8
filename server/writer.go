package server

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// frames is where an answer is written, one frame of its dialect at a
// time: an SSE stream ([frameWriter]) or a WebSocket, one message per
// frame ([wsFrames]). The first failed write is kept and returned from
// every later call: the client has gone.
type frames interface {
	// frame writes one frame: over SSE an optional id and event line,
	// then data; over a WebSocket, data alone as one text message.
	frame(id, event, data string) error
	// retry sends the client's reconnection time (SSE only).
	retry(d time.Duration) error
	// comment sends a heartbeat (SSE only).
	comment(text string) error
	// close releases what is held back and ends the encoding, not the
	// connection.
	close() error
	// drop cuts the connection mid-answer, with no end of any kind: it
	// may not return (SSE aborts the handler).
	drop()
}

// frameWriter writes a stream to the client with the scenario's framing:
// CRLF line endings, gzip flushed per frame, or output held back and
// released in lumps as a buffering proxy does. It flushes after each frame
// otherwise. Its first write error is kept and returned from then on: the
// client has gone. Each write has [Config.WriteTimeout] to reach the
// connection, so a client that stops reading is let go, not held forever.
type frameWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	gz      *gzip.Writer
	eol     string
	lump    int    // release held output in lumps of this size (0: no holding)
	held    []byte // output not yet released
	err     error
}

func (s *Server) newFrameWriter(w http.ResponseWriter, sc Scenario) *frameWriter {
	fw := &frameWriter{w: w, rc: http.NewResponseController(w), timeout: s.cfg.WriteTimeout, eol: "\n", lump: sc.Buffer}
	if sc.CRLF {
		fw.eol = "\r\n"
	}
	if sc.Gzip {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Del("Content-Length")
		fw.gz = gzip.NewWriter(w)
	}
	return fw
}

// frame writes one SSE frame: an optional id and event line, then data.
func (fw *frameWriter) frame(id, event, data string) error {
	var b strings.Builder
	if id != "" {
		b.WriteString("id: " + id + fw.eol)
	}
	if event != "" {
		b.WriteString("event: " + event + fw.eol)
	}
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: " + line + fw.eol)
	}
	b.WriteString(fw.eol)
	return fw.write([]byte(b.String()))
}

// retry writes an SSE retry field: the client's reconnection time.
func (fw *frameWriter) retry(d time.Duration) error {
	return fw.write([]byte("retry: " + itoa(int(d.Milliseconds())) + fw.eol + fw.eol))
}

// comment writes a heartbeat.
func (fw *frameWriter) comment(text string) error {
	return fw.write([]byte(": " + text + fw.eol + fw.eol))
}

// write sends bytes as they are (replay), subject to holding.
func (fw *frameWriter) write(b []byte) error {
	if fw.err != nil {
		return fw.err
	}
	if fw.lump > 0 {
		fw.held = append(fw.held, b...)
		for len(fw.held) >= fw.lump && fw.err == nil {
			fw.send(fw.held[:fw.lump])
			fw.held = fw.held[fw.lump:]
		}
		return fw.err
	}
	fw.send(b)
	return fw.err
}

// send writes and flushes through gzip.
func (fw *frameWriter) send(b []byte) {
	fw.rc.SetWriteDeadline(time.Now().Add(fw.timeout))
	defer fw.rc.SetWriteDeadline(time.Time{})
	var out io.Writer = fw.w
	if fw.gz != nil {
		out = fw.gz
	}
	if _, err := out.Write(b); err != nil {
		fw.err = err
		return
	}
	if fw.gz != nil {
		if err := fw.gz.Flush(); err != nil {
			fw.err = err
			return
		}
	}
	if err := fw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		fw.err = err
	}
}

// drop closes the TCP connection without ending the response.
func (fw *frameWriter) drop() {
	fw.close()
	panic(http.ErrAbortHandler)
}

// close releases what is held and ends the gzip stream.
func (fw *frameWriter) close() error {
	if len(fw.held) > 0 && fw.err == nil {
		fw.send(fw.held)
		fw.held = nil
	}
	if fw.gz != nil && fw.err == nil {
		fw.err = fw.gz.Close()
		if fw.err == nil {
			fw.err = fw.rc.Flush()
		}
	}
	return fw.err
}
