package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tokcli/tok/client"
)

// endlessServer streams forever, as fast as the client reads: tokens in
// tok's protocol, or with kind "heartbeats" only comments, or with kind
// "line" one line that never ends.
func endlessServer(t *testing.T, kind string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		fmt.Fprint(w, "data: {\"type\":\"start\",\"messageId\":\"m\"}\n\n")
		chunk := map[string]string{
			"tokens":     strings.Repeat("data: {\"type\":\"token\",\"content\":\"t \"}\n\n", 8),
			"heartbeats": ": ping\n\n",
			"line":       "data: " + strings.Repeat("x", 1000),
		}[kind]
		for {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return // the probe stopped
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProbeStopsAnEndlessStreamAtItsLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   string
		limits limits
		what   string
	}{
		{"tokens", limits{tokens: 2000}, "2000 tokens"},
		{"heartbeats", limits{reads: 500}, "500 reads"},
		{"line", limits{bytes: 256 << 10}, "256.0 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			srv := endlessServer(t, tt.kind)
			req, err := client.NewChatRequest(context.Background(), srv.URL, client.ChatRequest{Messages: []client.Message{{Role: "user", Content: "hi"}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := Run(context.Background(), client.New(client.Config{}), req, Options{Frames: true, lims: tt.limits})
			var le *LimitError
			if !errors.As(res.Err, &le) || le.What != tt.what {
				t.Fatalf("err = %v, want the limit of %s", res.Err, tt.what)
			}
			if got := checkOf(res, "end"); !strings.HasPrefix(got, "FAIL stopped reading after "+tt.what) || !strings.HasSuffix(got, "does the stream ever end?") {
				t.Errorf("end = %q", got)
			}
			if got := checkOf(res, "cut-off"); !strings.HasPrefix(got, "(no") {
				t.Errorf("a probe's own stop blamed on a gateway: %q", got)
			}
			if len(res.Arrivals) > 2000 || len(res.Reads) > 500+1 && tt.kind == "heartbeats" ||
				res.Bytes > tt.limits.bytes+64<<10 && tt.kind == "line" || len(res.Frames) > MaxFrames {
				t.Errorf("kept %d arrivals, %d reads, %d bytes, %d frames past the limits", len(res.Arrivals), len(res.Reads), res.Bytes, len(res.Frames))
			}
		})
	}
}

func TestProbeKeepsFramesWithinItsLimits(t *testing.T) {
	t.Parallel()
	res := &Result{}
	big := strings.Repeat("é", MaxFrameData) // two bytes each: the cut falls inside one
	res.keepFrame(Frame{Event: "delta", Data: big, ID: big})
	for i := range MaxFrames + 4 {
		res.keepFrame(Frame{Event: "delta", Data: "tok", ID: fmt.Sprint(i)})
	}
	res.FrameCount = MaxFrames + 5
	res.Heartbeats = 2
	if len(res.Frames) != MaxFrames {
		t.Fatalf("kept %d frames, want %d", len(res.Frames), MaxFrames)
	}
	f := res.Frames[0]
	if len(f.ID) > MaxFrameData || len(f.Data) > MaxFrameData || len(f.Data) < MaxFrameData-1 || !utf8.ValidString(f.Data) || f.Size != len(big) {
		t.Errorf("kept data of %d bytes (valid UTF-8: %v), size %d; want at most %d of %d", len(f.Data), utf8.ValidString(f.Data), f.Size, MaxFrameData, len(big))
	}
	var b bytes.Buffer
	if err := res.WriteFrames(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if !strings.HasSuffix(lines[0], `"… (8.0 KiB in all)`) {
		t.Errorf("a cut frame's line ends %q", lines[0][max(len(lines[0])-40, 0):])
	}
	if last := lines[len(lines)-1]; last != "… and 7 more frames and comments, not kept (a probe keeps the first 10000)" {
		t.Errorf("last line = %q", last)
	}
}
