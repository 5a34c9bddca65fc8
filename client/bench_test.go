package client

import (
	"bytes"
	"fmt"
	"testing"
)

// openAIStream builds about size bytes of OpenAI Chat Completions chunks,
// as a real answer streams them.
func openAIStream(size int) ([]byte, int) {
	words := []string{"The", " answer", " is", " streamed", ",", " token", " by", " token", ".", "\\n", " café", " 日本", " 🚀", " \\\"quoted\\\""}
	var b bytes.Buffer
	n := 0
	for b.Len() < size {
		fmt.Fprintf(&b, `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1730000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"%s"},"logprobs":null,"finish_reason":null}]}`+"\n\n", words[n%len(words)])
		n++
	}
	b.WriteString(`data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n")
	return b.Bytes(), n
}

// BenchmarkStreamOpenAI10MB frames and decodes a 10 MB OpenAI stream: the
// whole path from body bytes to events. Target: ≥ 300 MiB/s on a CI core.
func BenchmarkStreamOpenAI10MB(b *testing.B) {
	stream, texts := openAIStream(10 << 20)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for ev, err := range NewStream(bytes.NewReader(stream)).Events() {
			if err != nil {
				b.Fatal(err)
			}
			if ev.Kind == KindText {
				n++
			}
		}
		if n != texts {
			b.Fatalf("%d texts, want %d", n, texts)
		}
	}
}

// BenchmarkFrameReader10MB frames the same stream without decoding.
func BenchmarkFrameReader10MB(b *testing.B) {
	stream, _ := openAIStream(10 << 20)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		fr := NewFrameReader(bytes.NewReader(stream))
		for {
			if _, err := fr.Next(); err != nil {
				break
			}
		}
	}
}
