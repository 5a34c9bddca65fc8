package server_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

func TestTokProtocolStreamsTheDemoAnswer(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	s, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "tokens=30,"+fast, hi)
	if err != nil {
		t.Fatal(err)
	}
	a := read(s)
	if a.err != nil || a.text != demoText(30) {
		t.Fatalf("text %q, err %v; want %q", a.text, a.err, demoText(30))
	}
	if s.Dialect() != client.DialectTok {
		t.Errorf("dialect %s", s.Dialect())
	}
	rec := last(t, ts.URL)
	if rec.End != server.EndComplete || rec.TokensSent != 30 || rec.TokensPlanned != 30 || rec.Dialect != "tok" {
		t.Errorf("record %+v", rec)
	}
}

func TestStreamHeadersFollowTheProtocol(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	resp, err := http.Get(ts.URL + "/api/chat/stream?q=hi&scenario=tokens=2," + fast)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestFaultKnobs(t *testing.T) {
	tests := []struct {
		name, scenario string
		check          func(t *testing.T, a answer, rec server.Record)
	}{
		{"drop-after closes the connection mid-stream", "tokens=10,drop-after=4," + fast, func(t *testing.T, a answer, rec server.Record) {
			var co *client.CutOffError
			if !errors.As(a.err, &co) || a.text != demoText(4) {
				t.Errorf("err %v, text %q", a.err, a.text)
			}
			if rec.End != server.EndDropped || rec.TokensSent != 4 {
				t.Errorf("record %+v", rec)
			}
		}},
		{"error-after sends an error event", "tokens=10,error-after=3," + fast, func(t *testing.T, a answer, rec server.Record) {
			if a.errEv == nil || !strings.Contains(a.errEv.Message, "error-after") || a.text != demoText(3) {
				t.Errorf("error event %v, text %q", a.errEv, a.text)
			}
			if rec.End != server.EndErrorEvent {
				t.Errorf("record %+v", rec)
			}
		}},
		{"crlf still decodes", "tokens=6,crlf," + fast, func(t *testing.T, a answer, rec server.Record) {
			if a.err != nil || a.text != demoText(6) {
				t.Errorf("err %v, text %q", a.err, a.text)
			}
		}},
		{"gzip still decodes", "tokens=6,gzip," + fast, func(t *testing.T, a answer, rec server.Record) {
			if a.err != nil || a.text != demoText(6) {
				t.Errorf("err %v, text %q", a.err, a.text)
			}
		}},
		{"buffer releases everything at the end", "tokens=6,buffer=65536," + fast, func(t *testing.T, a answer, rec server.Record) {
			if a.err != nil || a.text != demoText(6) {
				t.Errorf("err %v, text %q", a.err, a.text)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := startServer(t, server.Config{})
			s, err := post(t, context.Background(), ts.URL+"/api/chat/stream", tt.scenario, hi)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, read(s), last(t, ts.URL))
		})
	}
}

func TestStatusKnobAnswersTheErrorWithRetryAfter(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	_, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "status=429,retry-after=3", hi)
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 429 || he.RetryAfter != 3*time.Second {
		t.Fatalf("err = %v", err)
	}
	if rec := last(t, ts.URL); rec.End != server.EndRejected || rec.Status != 429 {
		t.Errorf("record %+v", rec)
	}
}

func TestUnknownKnobIsA400NamingIt(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	_, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "tokens=3,wobble=2,sparkle", hi)
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(he.Message, "unknown scenario knob wobble, sparkle") {
		t.Fatalf("err = %v", err)
	}
}

func TestHeartbeatsAreCommentLines(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	resp, err := http.Post(ts.URL+"/api/chat/stream?scenario=tokens=3,first=60,interval=0,heartbeat=10", "application/json", strings.NewReader(hi))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	fr := client.NewFrameReader(resp.Body)
	for {
		if _, err := fr.Next(); err != nil {
			break
		}
	}
	if fr.Comments < 2 {
		t.Errorf("%d heartbeats during a 60 ms wait at 10 ms, want several", fr.Comments)
	}
}

func TestBufferHoldsOutputUntilTheEnd(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	s, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "tokens=5,first=0,interval=20,buffer=65536", hi)
	if err != nil {
		t.Fatal(err)
	}
	read(s)
	// Five tokens 20 ms apart: held, nothing (not even the headers, as
	// behind a buffering proxy) can arrive before 80 ms.
	if tm := s.Timings(); tm.FirstByte < 80*time.Millisecond {
		t.Errorf("first byte at %s; a held stream arrives in one lump at the end", tm.FirstByte)
	}
}

func TestGzipKnobSetsContentEncoding(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/chat/stream?scenario=tokens=2,gzip,"+fast, strings.NewReader(hi))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip") // so net/http leaves the body encoded
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("Content-Encoding %q: %v", resp.Header.Get("Content-Encoding"), err)
	}
	b, _ := io.ReadAll(zr)
	if !strings.Contains(string(b), `"type":"done"`) {
		t.Errorf("body %q", b)
	}
}

func TestDisconnectStopsGeneration(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := post(t, ctx, ts.URL+"/api/chat/stream", "tokens=200,first=0,interval=5", hi)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ev, err := range s.Events() {
		if err != nil {
			break
		}
		if ev.Kind == client.KindText {
			if n++; n == 5 {
				cancel()
			}
		}
	}
	rec := last(t, ts.URL)
	if rec.End != server.EndClientDisconnect || rec.TokensAfterDisconnect > 1 || rec.TokensSent >= 200 {
		t.Errorf("record %+v", rec)
	}
}

func TestStallSendsNothingMoreUntilTheClientLeaves(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/chat/stream", strings.NewReader(hi))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tok-Scenario", "tokens=10,stall-after=2,"+fast)
	s, err := client.New(client.Config{IdleTimeout: 150 * time.Millisecond}).Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	a := read(s)
	if !errors.Is(a.err, client.ErrIdleTimeout) || a.text != demoText(2) {
		t.Errorf("err %v, text %q", a.err, a.text)
	}
	if rec := last(t, ts.URL); rec.End != server.EndClientDisconnect || rec.TokensSent != 2 || rec.TokensAfterDisconnect != 0 {
		t.Errorf("record %+v", rec)
	}
}

func TestBodyOver1MiBIsA413(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	big := `{"messages":[{"role":"user","content":"` + strings.Repeat("x", 1<<20) + `"}]}`
	_, err := post(t, context.Background(), ts.URL+"/api/chat/stream", fast, big)
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 413 {
		t.Fatalf("err = %v", err)
	}
}

func TestShutdownEndsOpenStreamsWithAnErrorEvent(t *testing.T) {
	srv, ts := startServer(t, server.Config{})
	s, err := post(t, context.Background(), ts.URL+"/api/chat/stream", "tokens=100,first=0,interval=20", hi)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var a answer
	for ev, err := range s.Events() {
		if err != nil {
			a.err = err
			break
		}
		if ev.Kind == client.KindText {
			if n++; n == 2 {
				srv.Shutdown()
			}
		}
		if ev.Kind == client.KindError {
			a.errEv = ev.Err
		}
	}
	if a.errEv == nil || !strings.Contains(a.errEv.Message, "shutting down") {
		t.Errorf("error event %v, err %v", a.errEv, a.err)
	}
}
