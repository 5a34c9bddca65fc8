package client

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// collected is what a stream delivered, in a comparable form.
type collected struct {
	events []Event
	text   string
	end    string // "complete", "error" or "truncated"; or the error's text
	err    error
}

func collect(s *Stream) collected {
	var c collected
	var text strings.Builder
	for ev, err := range s.Events() {
		if err != nil {
			if n := len(c.events); n == 0 || c.events[n-1].Kind != KindError || err != error(c.events[n-1].Err) {
				c.err = err // not the error event's own error
			}
			break
		}
		ev.At = 0
		c.events = append(c.events, ev)
		if ev.Kind == KindText {
			text.WriteString(ev.Text)
		}
	}
	c.text = text.String()
	switch {
	case c.err != nil && errors.As(c.err, new(*CutOffError)):
		c.end = "truncated"
	case c.err != nil:
		c.end = c.err.Error()
	case len(c.events) > 0 && c.events[len(c.events)-1].Kind == KindError:
		c.end = "error"
	case len(c.events) > 0 && c.events[len(c.events)-1].Kind == KindDone:
		c.end = "complete"
	default:
		c.end = "no terminal event"
	}
	return c
}

func TestStreamDecodesEveryCorpusTranscript(t *testing.T) {
	dir, ts := corpusTranscripts(t)
	for _, tr := range ts {
		t.Run(tr.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tr.File))
			if err != nil {
				t.Fatal(err)
			}
			s := NewStream(bytes.NewReader(b))
			got := collect(s)
			if tr.Dialect == "other" {
				if !errors.Is(got.err, ErrUnknownDialect) {
					t.Fatalf("err = %v, want ErrUnknownDialect", got.err)
				}
				return
			}
			if d := s.Dialect(); string(d) != tr.Dialect {
				t.Errorf("dialect = %q, want %q", d, tr.Dialect)
			}
			if got.text != *tr.ExpectedText {
				t.Errorf("text = %q\nwant   %q", got.text, *tr.ExpectedText)
			}
			if got.end != *tr.ExpectedEnd {
				t.Errorf("end = %q, want %q (err %v)", got.end, *tr.ExpectedEnd, got.err)
			}
		})
	}
}
