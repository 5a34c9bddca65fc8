// Package framing compares tok's own SSE frame reader (client.FrameReader)
// with github.com/tmaxmax/go-sse's sse.Read on a ~10 MB OpenAI Chat
// Completions stream. It is a separate module so that the main module does
// not depend on go-sse. See README.md.
package framing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	sse "github.com/tmaxmax/go-sse"
	"github.com/tokcli/tok/client"
)

// words are delta.content values, already JSON-encoded (without the
// quotes): plain tokens, raw UTF-8, \uXXXX escapes, \" \n \t and \\.
var words = []string{
	"Hello", ",", " world", "!", " The", " the", " a", " of", " to", " and",
	" in", " is", " that", " for", " it", " model", " stream", " token",
	" response", " function", " returns", " value", ".", ":", ";", " (", ")",
	"\\n", "\\n\\n", "```", "go", "\\n\\t", "    ", " \\\"quoted\\\"", " \\\"",
	"\\\\", " path\\\\to", " café", " naïve", " 日本", "語", " 🚀", " —",
	" \\u00e9t\\u00e9", " \\u2014", " \\ud83d\\ude00", " résumé", " über",
	" 1", "2", "3", "0", " %", " +", " =", " {", "}", " [", "]", "<", ">",
	" func", " main", "()", " fmt", ".Println", "(\\\"", "\\\")", " err",
	" nil", " if", " return", " Sure", " Here", "'s", " an", " example",
}

const (
	chunkHead = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1730000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"`
	chunkTail = `"},"logprobs":null,"finish_reason":null}]}` + "\n\n"
	finish    = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1730000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}` + "\n\n"
	done      = "data: [DONE]\n\n"

	targetSize = 10 << 20
)

// corpus is the generated stream and what it holds.
type corpus struct {
	stream []byte
	frames int // dispatched frames, including the finish chunk and [DONE]
	texts  int // chunks with non-empty content
}

var getCorpus = sync.OnceValue(func() corpus {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(targetSize + 4096)
	// The first chunk carries the role, as OpenAI's does.
	b.WriteString(`data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1730000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	c := corpus{frames: 1}
	for b.Len() < targetSize {
		b.WriteString(chunkHead)
		b.WriteString(words[rng.IntN(len(words))])
		b.WriteString(chunkTail)
		c.frames++
		c.texts++
	}
	b.WriteString(finish)
	b.WriteString(done)
	c.frames += 2
	c.stream = b.Bytes()
	return c
})

// chunkReader returns at most n bytes per Read, like a network connection.
type chunkReader struct {
	r *bytes.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func newReader(stream []byte, max int) io.Reader {
	r := bytes.NewReader(stream)
	if max > 0 {
		return &chunkReader{r, max}
	}
	return r
}

// ownFrames frames r with client.FrameReader.
func ownFrames(tb testing.TB, r io.Reader) (frames, dataLen int) {
	fr := client.NewFrameReader(r)
	for {
		f, err := fr.Next()
		if err == io.EOF {
			return frames, dataLen
		}
		if err != nil {
			tb.Fatal(err)
		}
		if f.Unterminated {
			tb.Fatal("unexpected unterminated tail")
		}
		frames++
		dataLen += len(f.Data)
	}
}

// goSSEFrames frames r with sse.Read.
func goSSEFrames(tb testing.TB, r io.Reader) (frames, dataLen int) {
	for ev, err := range sse.Read(r, nil) {
		if err != nil {
			tb.Fatal(err)
		}
		frames++
		dataLen += len(ev.Data)
	}
	return frames, dataLen
}

// ownText runs the full tok path: framing, dialect detection, decoding.
func ownText(tb testing.TB, r io.Reader) (texts, textLen int) {
	s := client.NewStream(r)
	for ev, err := range s.Events() {
		if err != nil {
			tb.Fatal(err)
		}
		if ev.Kind == client.KindText {
			texts++
			textLen += len(ev.Text)
		}
	}
	return texts, textLen
}

type chatChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

// goSSEText frames with go-sse and decodes with encoding/json.
func goSSEText(tb testing.TB, r io.Reader) (texts, textLen int) {
	for ev, err := range sse.Read(r, nil) {
		if err != nil {
			tb.Fatal(err)
		}
		if ev.Data == "[DONE]" {
			break
		}
		var c chatChunk
		if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
			tb.Fatal(err)
		}
		for _, ch := range c.Choices {
			if ch.Delta.Content != "" {
				texts++
				textLen += len(ch.Delta.Content)
			}
		}
	}
	return texts, textLen
}

func TestSameFrames(t *testing.T) {
	c := getCorpus()
	t.Logf("stream: %d bytes, %d frames, %d text chunks", len(c.stream), c.frames, c.texts)

	t.Run("frames", func(t *testing.T) {
		for _, max := range []int{0, 4096, 7} {
			fr := client.NewFrameReader(newReader(c.stream, max))
			next, stop := iter.Pull2(iter.Seq2[sse.Event, error](sse.Read(newReader(c.stream, max), nil)))
			n := 0
			for {
				f, err := fr.Next()
				ev, gerr, ok := next()
				if err == io.EOF {
					if ok {
						t.Fatalf("max %d: go-sse has an extra frame %d: %q", max, n, ev.Data)
					}
					break
				}
				if err != nil || gerr != nil {
					t.Fatalf("max %d: frame %d: own err %v, go-sse err %v", max, n, err, gerr)
				}
				if !ok {
					t.Fatalf("max %d: go-sse ended at frame %d; own has %q", max, n, f.Data)
				}
				if f.Data != ev.Data || f.Unterminated {
					t.Fatalf("max %d: frame %d differs:\nown   %q (unterminated %v)\ngo-sse %q", max, n, f.Data, f.Unterminated, ev.Data)
				}
				// go-sse leaves the type blank where EventSource says "message".
				if typ := cmp(ev.Type, "", "message"); f.Event != typ {
					t.Fatalf("max %d: frame %d: event %q vs %q", max, n, f.Event, ev.Type)
				}
				n++
			}
			stop()
			if n != c.frames {
				t.Fatalf("max %d: %d frames, want %d", max, n, c.frames)
			}
		}
	})

	t.Run("text", func(t *testing.T) {
		ot, ol := ownText(t, bytes.NewReader(c.stream))
		gt, gl := goSSEText(t, bytes.NewReader(c.stream))
		if ot != gt || ol != gl || ot != c.texts {
			t.Fatalf("own %d texts (%d bytes), go-sse+json %d texts (%d bytes), want %d texts", ot, ol, gt, gl, c.texts)
		}
	})
}

func cmp(s, ifEq, then string) string {
	if s == ifEq {
		return then
	}
	return s
}

// TestBehaviour records, as executable facts, the differences that matter
// to tok beyond speed. It asserts what go-sse v0.12.0 does today.
func TestBehaviour(t *testing.T) {
	t.Run("unterminated tail", func(t *testing.T) {
		const body = "data: {\"a\":1}\n\ndata: [DONE]" // no blank line at the end
		own := collectOwn(t, body)
		gs, err := collectGoSSE(body)
		t.Logf("own %q, go-sse %q (err %v)", own, gs, err)
		if len(own) != 2 || own[1] != "[DONE] (unterminated)" {
			t.Errorf("own: %q", own)
		}
		if len(gs) != 1 || err != nil {
			t.Errorf("go-sse: %q, %v; expected the tail dropped silently", gs, err)
		}
	})

	t.Run("long event", func(t *testing.T) {
		body := "data: " + strings.Repeat("x", 100<<10) + "\n\n"
		own := collectOwn(t, body)
		gs, err := collectGoSSE(body)
		t.Logf("own: %d frame(s); go-sse: %d event(s), err %v", len(own), len(gs), err)
		if len(own) != 1 || len(own[0]) != 100<<10 {
			t.Errorf("own: %d frames", len(own))
		}
		if !errors.Is(err, bufio.ErrTooLong) {
			t.Errorf("go-sse: err %v, expected bufio.ErrTooLong past the 64 KiB default", err)
		}
		// With ReadConfig.MaxEventSize raised it passes, but some finite
		// limit must always be chosen.
		n := 0
		for ev, err := range sse.Read(strings.NewReader(body), &sse.ReadConfig{MaxEventSize: 1 << 20}) {
			if err != nil {
				t.Fatal(err)
			}
			n += len(ev.Data)
		}
		if n != 100<<10 {
			t.Errorf("go-sse with MaxEventSize 1 MiB: %d bytes", n)
		}
	})

	t.Run("comments", func(t *testing.T) {
		const body = ": keep-alive\n\n: OPENROUTER PROCESSING\n\ndata: x\n\n"
		var seen []string
		fr := client.NewFrameReader(strings.NewReader(body))
		fr.OnComment = func(b []byte) { seen = append(seen, string(b)) }
		for {
			if _, err := fr.Next(); err != nil {
				break
			}
		}
		t.Logf("own: Comments=%d, OnComment saw %q; go-sse: Read has no comment hook (comments are dropped by the parser)", fr.Comments, seen)
		if fr.Comments != 2 || len(seen) != 2 {
			t.Errorf("own comments: %d %q", fr.Comments, seen)
		}
	})

	t.Run("block without data", func(t *testing.T) {
		// WHATWG: a block with no data dispatches nothing.
		const body = "event: ping\n\ndata: x\n\n"
		own := collectOwn(t, body)
		gs, _ := collectGoSSE(body)
		t.Logf("own %q, go-sse %q", own, gs)
		if len(own) != 1 {
			t.Errorf("own: %q", own)
		}
		if len(gs) != 2 || gs[0] != "" {
			t.Errorf("go-sse: %q; expected an empty-data event for the event-only block", gs)
		}
	})
}

func collectOwn(t *testing.T, body string) []string {
	var out []string
	fr := client.NewFrameReader(strings.NewReader(body))
	for {
		f, err := fr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Unterminated {
			f.Data += " (unterminated)"
		}
		out = append(out, f.Data)
	}
}

func collectGoSSE(body string) ([]string, error) {
	var out []string
	for ev, err := range sse.Read(strings.NewReader(body), nil) {
		if err != nil {
			return out, err
		}
		out = append(out, ev.Data)
	}
	return out, nil
}

func BenchmarkFraming(b *testing.B) {
	c := getCorpus()
	for _, bc := range []struct {
		name  string
		max   int
		frame func(testing.TB, io.Reader) (int, int)
	}{
		{"own", 0, ownFrames},
		{"gosse", 0, goSSEFrames},
		{"own-4k", 4096, ownFrames},
		{"gosse-4k", 4096, goSSEFrames},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.stream)))
			b.ReportAllocs()
			for b.Loop() {
				n, _ := bc.frame(b, newReader(c.stream, bc.max))
				if n != c.frames {
					b.Fatalf("%d frames, want %d", n, c.frames)
				}
			}
		})
	}
}

func BenchmarkFramingAndDecoding(b *testing.B) {
	c := getCorpus()
	for _, bc := range []struct {
		name   string
		decode func(testing.TB, io.Reader) (int, int)
	}{
		{"own", ownText},
		{"gosse+encoding-json", goSSEText},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.stream)))
			b.ReportAllocs()
			for b.Loop() {
				n, _ := bc.decode(b, bytes.NewReader(c.stream))
				if n != c.texts {
					b.Fatalf("%d texts, want %d", n, c.texts)
				}
			}
		})
	}
}
