package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

func session(id string, resumeFrom int) string {
	return fmt.Sprintf(`{"messages":[{"role":"user","content":"hi"}],"sessionId":%q,"resumeFrom":%d}`, id, resumeFrom)
}

// cutAndResume cuts a session's stream after cut tokens on first, resumes
// it on second with resume(cut), and returns the two parts' text.
func cutAndResume(t *testing.T, first, second string, cut int, resume func(cut int) (body string, header []string)) (string, string) {
	t.Helper()
	ctx := context.Background()
	s, err := post(t, ctx, first+"/api/chat/stream", "tokens=20,drop-after="+strconv.Itoa(cut)+","+fast, session("s-"+t.Name(), 0))
	if err != nil {
		t.Fatal(err)
	}
	a := read(s)
	if !errors.As(a.err, new(*client.CutOffError)) {
		t.Fatalf("first part: err %v, want a cut-off", a.err)
	}
	body, header := resume(cut)
	s, err = post(t, ctx, second+"/api/chat/stream", "tokens=20,"+fast, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	b := read(s)
	if b.err != nil || b.errEv != nil {
		t.Fatalf("second part: err %v, error event %v", b.err, b.errEv)
	}
	return a.text, b.text
}

func TestResumeFromJoinsIntoTheUninterruptedAnswer(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	a, b := cutAndResume(t, ts.URL, ts.URL, 7, func(cut int) (string, []string) {
		return session("s-"+t.Name(), cut), nil
	})
	if a != demoText(7) || a+b != demoText(20) {
		t.Errorf("parts %q + %q, want %q", a, b, demoText(20))
	}
	if rec := last(t, ts.URL); rec.ResumeFrom != 7 || rec.TokensSent != 13 {
		t.Errorf("record %+v", rec)
	}
}

func TestLastEventIDResumesLikeResumeFrom(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	a, b := cutAndResume(t, ts.URL, ts.URL, 5, func(cut int) (string, []string) {
		return session("s-"+t.Name(), 0), []string{"Last-Event-ID", strconv.Itoa(cut - 1)}
	})
	if a+b != demoText(20) {
		t.Errorf("parts %q + %q, want %q", a, b, demoText(20))
	}
}

func TestResumingAnUnknownSessionIsA404(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	_, err := post(t, context.Background(), ts.URL+"/api/chat/stream", fast, session("never-seen", 4))
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 {
		t.Fatalf("err = %v, want a 404", err)
	}
}

func TestAFinishedSessionReplaysAndEndsWithDone(t *testing.T) {
	_, ts := startServer(t, server.Config{})
	ctx := context.Background()
	s, _ := post(t, ctx, ts.URL+"/api/chat/stream", "tokens=8,"+fast, session("done-1", 0))
	if a := read(s); a.err != nil {
		t.Fatal(a.err)
	}
	// Asking again with a longer scenario must not grow a finished answer.
	s, err := post(t, ctx, ts.URL+"/api/chat/stream", "tokens=20,"+fast, session("done-1", 3))
	if err != nil {
		t.Fatal(err)
	}
	b := read(s)
	if b.err != nil || b.text != demoText(8)[len(demoText(3)):] || b.kinds[len(b.kinds)-1] != client.KindDone {
		t.Errorf("replay %q (%v), err %v", b.text, b.kinds, b.err)
	}
}

func TestReplayServesTranscriptsInChunks(t *testing.T) {
	_, ts := startServer(t, server.Config{ReplayDir: "../testdata"})
	resp, err := client.New(client.Config{}).Stream(context.Background(), mustGet(t, ts.URL+"/replay/tok-basic?chunk=7&delay=1"))
	if err != nil {
		t.Fatal(err)
	}
	if a := read(resp); a.err != nil || a.text != "Hello, **world** 日本語 🚀\n" {
		t.Errorf("text %q, err %v", a.text, a.err)
	}
	// tok --url posts its question; the replay does not read it.
	ans, err := client.New(client.Config{}).Chat(context.Background(), client.Endpoint{URL: ts.URL + "/replay/tok-basic"}, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := read(ans); a.err != nil || a.text != "Hello, **world** 日本語 🚀\n" {
		t.Errorf("posted: text %q, err %v", a.text, a.err)
	}
	for _, path := range []string{"/replay/nope", "/replay/..%2Fgo.mod"} {
		_, err := client.New(client.Config{}).Stream(context.Background(), mustGet(t, ts.URL+path))
		var he *client.HTTPError
		if !errors.As(err, &he) || he.StatusCode/100 != 4 {
			t.Errorf("%s: err %v, want a 4xx", path, err)
		}
	}
}

// TestRedisLetsAnotherInstanceResume cuts a stream on one server and
// resumes it on another that shares the Redis store, as behind a load
// balancer.
func TestRedisLetsAnotherInstanceResume(t *testing.T) {
	url := startRedis(t)
	stores := make([]*server.RedisStore, 2)
	urls := make([]string, 2)
	for i := range stores {
		st, err := server.NewRedisStore(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
		_, ts := startServer(t, server.Config{Store: st})
		urls[i] = ts.URL
	}
	a, b := cutAndResume(t, urls[0], urls[1], 6, func(cut int) (string, []string) {
		return session("s-"+t.Name(), cut), nil
	})
	if a+b != demoText(20) {
		t.Errorf("parts %q + %q, want %q", a, b, demoText(20))
	}
}

// startRedis runs a throwaway redis-server on a free loopback port, or
// skips the test when there is none to run.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it with apt)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "redis://127.0.0.1:" + port + "/0"
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if st, err := server.NewRedisStore(url); err == nil {
			st.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Skip("redis-server did not start in 5 s")
		}
	}
}

// A server shutting down hands a resumable session to whoever answers
// next at its address: the client reconnects after the retry field and
// the answer goes on from the shared store.
func TestShutdownHandsASessionOverToTheNextInstance(t *testing.T) {
	store := server.NewMemoryStore()
	old, next := server.New(server.Config{Store: store}), server.New(server.Config{Store: store})
	var cur atomic.Pointer[server.Server]
	cur.Store(old)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cur.Load().ServeHTTP(w, r) }))
	defer ts.Close()
	c := client.New(client.Config{ResumeTries: 3})
	ep := client.Endpoint{URL: ts.URL + "/api/chat/stream", Header: http.Header{"X-Tok-Scenario": {"tokens=20,first=0,interval=10"}}}
	s, err := c.Chat(context.Background(), ep, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var reconnect client.Retry
	for ev, err := range s.Events() {
		switch {
		case err != nil:
			t.Fatalf("after %q: %v", text, err)
		case ev.Kind == client.KindText:
			if text += ev.Text; text == demoText(5) {
				cur.Store(next)
				old.Shutdown()
			}
		case ev.Kind == client.KindReconnect:
			reconnect = ev.Retry
		case ev.Kind == client.KindError:
			t.Fatalf("error event %v after %q", ev.Err, text)
		}
	}
	if text != demoText(20) || reconnect.Attempt != 1 || reconnect.Wait > time.Second || reconnect.Wait < 800*time.Millisecond {
		t.Errorf("text %q after reconnect %+v; want the whole answer, one reconnect after the 1 s retry field", text, reconnect)
	}
	if o, n := old.Stats()[0], next.Stats()[0]; o.End != server.EndShutdown || n.ResumeFrom == 0 {
		t.Errorf("the old instance's record %+v, the next one's %+v", o, n)
	}
}
