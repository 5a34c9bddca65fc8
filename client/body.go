package client

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// framer yields the frames of a body: SSE, the AI SDK data stream lines, or
// plain text chunks.
type framer interface {
	Next() (Frame, error)
}

// bodyKind is what a body turned out to be.
type bodyKind int

const (
	bodySSE bodyKind = iota
	bodyDataStream
	bodyText
)

// ErrNotAStream is reported for a 2xx body that is not a stream tok can read:
// an HTML page, a JSON document, or binary data.
var ErrNotAStream = errors.New("the body is not a stream")

// NotAStreamError says what a body was instead of a stream.
type NotAStreamError struct {
	// What names the body: "an HTML page", "a JSON document", "binary data".
	What string
	// Excerpt is the start of the body, or an HTML page's title.
	Excerpt string
	// JSON is the server's error message when the document carried one.
	JSON *ServerError
}

func (e *NotAStreamError) Error() string {
	s := "the server sent " + e.What + " instead of a stream"
	if e.JSON != nil {
		return s + ": " + e.JSON.Error()
	}
	if e.Excerpt != "" {
		s += " (" + quoteExcerpt(e.Excerpt) + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrNotAStream) true.
func (e *NotAStreamError) Is(target error) bool { return target == ErrNotAStream }

// sniff decides what the body is from its first bytes, reading no more than
// it needs: a plain-text answer must not wait for a newline.
func sniff(br *bufio.Reader) (bodyKind, error) {
	for n := 1; ; {
		_, err := br.Peek(n) // waits until n bytes are in, or the body ends
		b, _ := br.Peek(br.Buffered())
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return bodyText, nil
			}
			return bodyText, err
		}
		if kind, ok := classifyStart(b, err != nil || len(b) == br.Size()); ok {
			if kind == bodyText {
				return kind, checkText(br, b)
			}
			return kind, nil
		}
		n = len(b) + 1
	}
}

var sseFields = [...]string{"data", "event", "id", "retry"}

// classifyStart reports what a body starting with b is; ok is false when it
// needs more bytes to tell. final means no more bytes will come.
func classifyStart(b []byte, final bool) (kind bodyKind, ok bool) {
	b = bytes.TrimPrefix(b, bom)
	b = bytes.TrimLeft(b, "\r\n")
	if len(b) == 0 {
		return bodyText, final
	}
	switch b[0] {
	case ':':
		return bodySSE, true
	case '<', '{', '[':
		return bodyText, true // checkText tells the caller why it is not text
	}
	line, complete := b, final
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		line, complete = b[:i], true
	}
	for _, f := range sseFields {
		switch {
		case bytes.HasPrefix(line, []byte(f)) && len(line) > len(f) && line[len(f)] == ':':
			return bodySSE, true
		case len(line) == len(f) && string(line) == f && complete: // a field with no value
			return bodySSE, true
		case len(line) <= len(f) && bytes.HasPrefix([]byte(f), line) && !complete:
			return 0, false
		}
	}
	if len(line) >= 3 && line[1] == ':' && isDataStreamCode(line[0]) && strings.IndexByte(`"{[-0123456789tfn`, line[2]) >= 0 {
		return bodyDataStream, true
	}
	if len(line) < 3 && !complete {
		return 0, false
	}
	return bodyText, true
}

// checkText rejects bodies that are markup, JSON documents or binary data.
func checkText(br *bufio.Reader, start []byte) error {
	s := bytes.TrimLeft(bytes.TrimPrefix(start, bom), " \t\r\n")
	switch {
	case len(s) == 0:
		return nil
	case s[0] == '<':
		b, _ := br.Peek(min(br.Size(), 4096))
		return &NotAStreamError{What: "an HTML page", Excerpt: htmlTitle(b)}
	case s[0] == '{' || s[0] == '[':
		b, _ := io.ReadAll(io.LimitReader(br, 1<<20))
		e := &NotAStreamError{What: "a JSON document", Excerpt: string(b)}
		if se := errorFromJSON(b); se != nil {
			e.JSON = se
		}
		return e
	}
	b, _ := br.Peek(br.Buffered())
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(trimPartialRune(b)) {
		return &NotAStreamError{What: "binary data"}
	}
	return nil
}

// htmlTitle returns the page's <title>, or its first bytes.
func htmlTitle(b []byte) string {
	lower := bytes.ToLower(b)
	if i := bytes.Index(lower, []byte("<title>")); i >= 0 {
		rest := b[i+len("<title>"):]
		if j := bytes.Index(bytes.ToLower(rest), []byte("</title>")); j >= 0 {
			return string(bytes.TrimSpace(rest[:j]))
		}
	}
	return string(bytes.TrimSpace(b[:min(len(b), 80)]))
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// textFramer yields whatever text has arrived as one frame, holding back a
// UTF-8 sequence split across reads.
type textFramer struct {
	r       io.Reader
	buf     []byte
	pending []byte
}

func (t *textFramer) Next() (Frame, error) {
	if t.buf == nil {
		t.buf = make([]byte, 16<<10)
	}
	for {
		n, err := t.r.Read(t.buf)
		chunk := append(t.pending, t.buf[:n]...)
		if err != nil {
			t.pending = nil
			if len(chunk) > 0 {
				return Frame{Data: strings.ToValidUTF8(string(chunk), "\uFFFD")}, nil
			}
			return Frame{}, err
		}
		whole := trimPartialRune(chunk)
		t.pending = append(t.pending[:0:0], chunk[len(whole):]...)
		if len(whole) > 0 {
			// Binary was ruled out at the start; a stray bad byte later
			// on is shown as U+FFFD rather than passed to the terminal.
			return Frame{Data: strings.ToValidUTF8(string(whole), "\uFFFD")}, nil
		}
	}
}

// lineFramer yields the AI SDK data stream's "CODE:JSON" lines as frames.
type lineFramer struct {
	br *bufio.Reader
}

func (l *lineFramer) Next() (Frame, error) {
	for {
		line, err := readLine(l.br, MaxEventSize)
		term := err == nil
		line = bytes.TrimRight(line, "\r\n")
		if len(line) >= 2 && line[1] == ':' {
			return Frame{Event: string(line[:1]), Data: string(line[2:]), Unterminated: !term}, nil
		}
		if err != nil {
			return Frame{}, err
		}
	}
}

// readLine reads up to and including the next newline, as ReadBytes
// does, but refuses a line longer than max.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		b, err := br.ReadSlice('\n')
		if len(line)+len(b) > max {
			return nil, ErrEventTooLarge
		}
		line = append(line, b...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}
