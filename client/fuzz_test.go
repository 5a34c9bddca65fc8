package client

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/iotest"
)

// seedFiles returns our own transcripts and, where it is present, the
// shared corpus, as fuzz seeds.
func seedFiles(f *testing.F) [][]byte {
	f.Helper()
	paths, _ := filepath.Glob("../testdata/*.sse")
	if _, err := os.Stat("../../shared/corpus/index.json"); err == nil {
		more, _ := filepath.Glob("../../shared/corpus/*/*.sse")
		paths = append(paths, more...)
	}
	var seeds [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed transcripts in ../testdata")
	}
	return seeds
}

// FuzzFramesChunkingInvariant: the frames of a body do not depend on how its
// bytes are split across reads.
func FuzzFramesChunkingInvariant(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		whole := readFrames(t, bytes.NewReader(in))
		split := readFrames(t, &chunkReader{b: in, n: int(chunk%64) + 1})
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("framing depends on read boundaries:\nwhole=%+v\nsplit=%+v", whole, split)
		}
	})
}

// FuzzStreamChunkingInvariant: every decoder gives the same events and the
// same end whatever the read boundaries (whole, byte by byte, chunks), never
// panics, and never yields an event together with an error.
func FuzzStreamChunkingInvariant(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s, uint8(13))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		whole := collect(NewStream(bytes.NewReader(in)))
		if errors.Is(whole.err, ErrNotAStream) {
			// What a body is, is read off its first bytes to arrive (tok
			// must not wait for more before streaming text), so that one
			// verdict depends on the reads. Everything after it must not.
			return
		}
		for name, r := range map[string]io.Reader{
			"byte by byte": iotest.OneByteReader(bytes.NewReader(in)),
			"chunked":      &chunkReader{b: in, n: int(chunk%64) + 1},
		} {
			got := collect(NewStream(r))
			if errors.Is(got.err, ErrNotAStream) {
				continue
			}
			if !reflect.DeepEqual(merged(whole.events), merged(got.events)) || whole.end != got.end {
				t.Fatalf("%s: decoding depends on read boundaries:\nwhole=%+v %s\ngot  =%+v %s", name, whole.events, whole.end, got.events, got.end)
			}
		}
		for _, ev := range whole.events {
			if ev.Kind == 0 || ev.Kind > KindError {
				t.Fatalf("event of no kind: %+v", ev)
			}
			if ev.Kind == KindError && ev.Err == nil {
				t.Fatalf("error event without an error: %+v", ev)
			}
		}
	})
}

// merged joins adjacent pieces of the same text: a plain-text body arrives
// in pieces that depend on the reads, but the answer must not.
func merged(evs []Event) []Event {
	var out []Event
	for _, ev := range evs {
		if n := len(out); n > 0 && ev.Kind == out[n-1].Kind && ev.Tool == out[n-1].Tool &&
			(ev.Kind == KindText || ev.Kind == KindThinking || ev.Kind == KindToolArgs) {
			out[n-1].Text += ev.Text
			continue
		}
		out = append(out, ev)
	}
	return out
}
