package render

import (
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"charm.land/glamour/v2"
)

// longAnswer repeats testdata/long.md, an answer as a model writes one
// (headings, paragraphs, nested lists, Go code, a table, a quote), to
// size bytes.
func longAnswer(b testing.TB, size int) string {
	a, err := os.ReadFile("testdata/long.md")
	if err != nil {
		b.Fatal(err)
	}
	return strings.Repeat(string(a)+"\n", size/len(a)+1)[:size]
}

// cornerAnswer repeats the property tests' answers, a catalogue of corner
// cases (HTML, setext headings, indented and unlabelled code), to size
// bytes: the cost where the cheap paths do not apply.
func cornerAnswer(b *testing.B, size int) string {
	var sb strings.Builder
	for sb.Len() < size {
		for _, a := range answers(b) {
			// No reference definition: one stops all cutting (see scanner).
			a = strings.ReplaceAll(a, "[ref link][r]", "link")
			sb.WriteString(strings.ReplaceAll(a, "[r]: https://example.com\n", "") + "\n")
		}
	}
	return sb.String()[:size]
}

// benchStream streams an answer of size bytes in 4-byte tokens and
// reports the cost per token.
func benchStream(b *testing.B, text string) {
	b.ReportAllocs()
	for b.Loop() {
		s := New(dark, 80)
		for n := 4; n < len(text); n += 4 {
			if err := s.Update(text[:n]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)/4), "ns/token")
}

func BenchmarkStream1KB(b *testing.B)  { benchStream(b, longAnswer(b, 1<<10)) }
func BenchmarkStream16KB(b *testing.B) { benchStream(b, longAnswer(b, 16<<10)) }
func BenchmarkStream64KB(b *testing.B) { benchStream(b, longAnswer(b, 64<<10)) }

func BenchmarkStreamCorners16KB(b *testing.B) { benchStream(b, cornerAnswer(b, 16<<10)) }

// BenchmarkNaive16KB re-renders the whole answer with glamour on every
// token, as mods does: the cost the incremental Stream avoids.
func BenchmarkNaive16KB(b *testing.B) {
	text := longAnswer(b, 16<<10)
	tr, _ := glamour.NewTermRenderer(glamour.WithStyles(dark), glamour.WithWordWrap(80))
	for b.Loop() {
		for n := 4; n < len(text); n += 4 {
			if _, err := tr.Render(text[:n]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)/4), "ns/token")
}

// tableAnswer repeats testdata/tables.md (wide tables, one that fits,
// one with too many columns) to size bytes.
func tableAnswer(b *testing.B, size int) string {
	a, err := os.ReadFile("testdata/tables.md")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.ReplaceAll(string(a), "=====\n", "\n")
	return strings.Repeat(text+"\n", size/len(text)+1)[:size]
}

// BenchmarkStreamTables16KB streams tables: each update re-renders the
// open table whole.
func BenchmarkStreamTables16KB(b *testing.B) { benchStream(b, tableAnswer(b, 16<<10)) }

// BenchmarkLive1MB is the one-shot on a terminal after a fast server: a
// 1 MB answer arrives in 24-byte tokens, a frame is drawn after each 64 KB
// (the renderer lags the network), then the Live finishes. live-KB is the
// heap in use after a collection once the answer has come, before Finish:
// what the Live holds (with the benchmark's own 1 MB copy of the answer).
func BenchmarkLive1MB(b *testing.B) {
	text := longAnswer(b, 1<<20)
	var live uint64
	b.ReportAllocs()
	for b.Loop() {
		l := newLive(io.Discard, dark, 80, 100, 30)
		for n := 0; n < len(text); n += 24 {
			l.Add(text[n:min(len(text), n+24)])
			if n%(64<<10) == 0 {
				l.frameAt(time.Now())
			}
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapAlloc)
		b.StartTimer()
		if err := l.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(live)/1024, "live-KB")
}
