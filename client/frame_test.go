package client

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// splitReader delivers its input in the pieces given by offsets.
type splitReader struct {
	b    []byte
	cuts []int
	pos  int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if r.pos >= len(r.b) {
		return 0, io.EOF
	}
	end := len(r.b)
	for _, c := range r.cuts {
		if c > r.pos && c < end {
			end = c
		}
	}
	n := copy(p, r.b[r.pos:end])
	r.pos += n
	return n, nil
}

// chunkReader delivers its input n bytes per read.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(r.n, len(p), len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

type frameResult struct {
	frames   []Frame // dispatched frames only
	tail     *Frame
	comments []string
	lastID   string
	retry    int
}

func readFrames(t testing.TB, r io.Reader) frameResult {
	t.Helper()
	var res frameResult
	fr := NewFrameReader(r)
	fr.OnComment = func(b []byte) { res.comments = append(res.comments, string(b)) }
	for {
		f, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if f.Unterminated {
			if res.tail != nil {
				t.Fatal("two unterminated tails")
			}
			res.tail = &f
			continue
		}
		if res.tail != nil {
			t.Fatal("a frame after the unterminated tail")
		}
		res.frames = append(res.frames, f)
	}
	res.lastID, res.retry = fr.LastEventID(), fr.Retry()
	return res
}

func TestFrameReaderPassesConformanceCases(t *testing.T) {
	for _, c := range conformanceCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			in := []byte(c.Input)
			readers := map[string]func() io.Reader{
				"whole":        func() io.Reader { return bytes.NewReader(in) },
				"byte by byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
			}
			if len(c.SplitAt) > 0 {
				readers["split as the source"] = func() io.Reader { return &splitReader{b: in, cuts: c.SplitAt} }
			}
			if c.ChunkSize > 0 {
				readers["chunked as the source"] = func() io.Reader { return &chunkReader{b: in, n: c.ChunkSize} }
			}
			for name, mk := range readers {
				res := readFrames(t, mk())
				checkConformance(t, name, c, res)
			}
		})
	}
}

func checkConformance(t *testing.T, how string, c conformanceCase, res frameResult) {
	t.Helper()
	if len(res.frames) != len(c.Events) {
		t.Fatalf("%s: %d events, want %d\ngot  %+v\nwant %+v", how, len(res.frames), len(c.Events), res.frames, c.Events)
	}
	for i, want := range c.Events {
		got := res.frames[i]
		if got.Event != want.Event || got.Data != want.Data || got.ID != want.ID {
			t.Errorf("%s: event %d = {%q %q %q}, want {%q %q %q}", how, i,
				got.Event, got.Data, got.ID, want.Event, want.Data, want.ID)
		}
	}
	if c.HasRetry {
		want := -1
		if c.Retry != nil {
			want = *c.Retry
		}
		if res.retry != want {
			t.Errorf("%s: retry = %d, want %d", how, res.retry, want)
		}
	}
	if c.LastEventID != nil && res.lastID != *c.LastEventID {
		t.Errorf("%s: last event ID = %q, want %q", how, res.lastID, *c.LastEventID)
	}
	if c.Comments != nil && strings.Join(res.comments, "|") != strings.Join(c.Comments, "|") {
		t.Errorf("%s: comments = %q, want %q", how, res.comments, c.Comments)
	}
}

func TestFrameReaderHandsOverTheUnterminatedTail(t *testing.T) {
	tests := []struct {
		name, in string
		frames   int
		tail     string // "" when there is none
	}{
		{"no trailing blank line", "data: a\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}", 1, `{"type":"message_stop"}`},
		{"one newline but no blank line", "data: a\n\ndata: b\n", 1, "b"},
		{"clean end", "data: a\n\n", 1, ""},
		{"trailing comment only", "data: a\n\n: ping", 1, ""},
		{"CR then end", "data: a\r\rdata: b\r", 1, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readFrames(t, strings.NewReader(tt.in))
			if len(res.frames) != tt.frames {
				t.Errorf("frames = %d, want %d", len(res.frames), tt.frames)
			}
			switch {
			case tt.tail == "" && res.tail != nil:
				t.Errorf("tail = %q, want none", res.tail.Data)
			case tt.tail != "" && res.tail == nil:
				t.Errorf("no tail, want %q", tt.tail)
			case tt.tail != "" && res.tail.Data != tt.tail:
				t.Errorf("tail = %q, want %q", res.tail.Data, tt.tail)
			}
		})
	}
}

func TestFrameReaderHasNoLineLengthLimit(t *testing.T) {
	long := strings.Repeat("x", 5<<20)
	res := readFrames(t, &chunkReader{b: []byte("data: " + long + "\n\n"), n: 4093})
	if len(res.frames) != 1 || res.frames[0].Data != long {
		t.Fatalf("got %d frames; want one with the 5 MiB line", len(res.frames))
	}
}

func TestFrameReaderReturnsReadErrors(t *testing.T) {
	boom := errors.New("boom")
	fr := NewFrameReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom)))
	if f, err := fr.Next(); err != nil || f.Data != "a" {
		t.Fatalf("first = %+v, %v", f, err)
	}
	if f, err := fr.Next(); err != nil || !f.Unterminated || f.Data != "b" {
		t.Fatalf("tail = %+v, %v", f, err)
	}
	if _, err := fr.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

// endless is a reader that never ends: what a server that sends one line
// without end looks like.
type endless struct{ b byte }

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	return len(p), nil
}

func TestFrameReaderBoundsAnEvent(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"one endless line", io.MultiReader(strings.NewReader("data: "), endless{'x'})},
		{"endless data lines", &repeatReader{s: "data: xxxxxxxxxxxxxxxx\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := NewFrameReader(tt.r)
			fr.Max = 1 << 20
			_, err := fr.Next()
			if !errors.Is(err, ErrEventTooLarge) {
				t.Fatalf("err = %v, want ErrEventTooLarge", err)
			}
			if len(fr.buf) > 2<<20 || cap(fr.data) > 2<<20 {
				t.Errorf("held %d + %d bytes for a limit of 1 MiB", len(fr.buf), cap(fr.data))
			}
			if _, err := fr.Next(); !errors.Is(err, ErrEventTooLarge) {
				t.Errorf("next err = %v, want the same error again", err)
			}
		})
	}
}

type repeatReader struct {
	s string
	i int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.i:])
		n += c
		r.i = (r.i + c) % len(r.s)
	}
	return n, nil
}

func TestAnEndlessDataStreamLineIsBounded(t *testing.T) {
	s := NewStream(io.MultiReader(strings.NewReader(`0:"`), endless{'x'}))
	var err error
	for _, e := range s.Events() {
		err = e
	}
	if !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("err = %v, want ErrEventTooLarge", err)
	}
}

func TestAnEndlessAnswerIsBounded(t *testing.T) {
	s := NewStream(io.MultiReader(strings.NewReader("plain text "), endless{'x'}))
	n, err := 0, error(nil)
	for ev, e := range s.Events() {
		n += len(ev.Text)
		err = e
	}
	if !errors.Is(err, ErrAnswerTooLarge) || n > MaxAnswerSize || n < MaxAnswerSize-64<<10 {
		t.Errorf("err = %v after %d bytes, want ErrAnswerTooLarge at %d", err, n, MaxAnswerSize)
	}
}
