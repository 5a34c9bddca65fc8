package main

import (
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/server"
)

// reconnectNote is the one stderr line of a reconnect.
var reconnectNote = regexp.MustCompile(`^tok: the connection closed mid-response; reconnecting in \d+ms \(1/3\)\n$`)

func TestOneShotResumesAByteForByteEqualAnswer(t *testing.T) {
	srv := server.New(server.Config{})
	hs := tokServe(t, srv)
	url, knobs := hs.URL+"/api/chat/stream", "X-Tok-Scenario: tokens=60,interval=0,first=0"
	whole := runTok(t, "", "--url", url, "-H", knobs, "hello")
	if whole.code != 0 || whole.stdout == "" || whole.stderr != "" {
		t.Fatalf("uninterrupted: exit %d, stdout %q, stderr %q", whole.code, whole.stdout, whole.stderr)
	}
	tests := []struct {
		name, knobs string
		lastEventID string
	}{
		{"resumeFrom", ",drop-after=20,once", ""},
		{"Last-Event-ID", ",drop-after=20,once,no-index", "19"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTok(t, "", "--url", url, "-H", knobs+tt.knobs, "hello")
			if r.code != 0 || r.stdout != whole.stdout {
				t.Fatalf("exit %d, stdout %q\nwant %q", r.code, r.stdout, whole.stdout)
			}
			if !reconnectNote.MatchString(r.stderr) {
				t.Errorf("stderr %q; want the one reconnect note", r.stderr)
			}
			recs := ended(t, srv)
			first, second := recs[len(recs)-2], recs[len(recs)-1]
			if first.End != server.EndDropped || first.TokensSent != 20 || second.SessionID != first.SessionID {
				t.Errorf("first request: %s after %d tokens, session %q then %q", first.End, first.TokensSent, first.SessionID, second.SessionID)
			}
			if second.ResumeFrom != 20 || second.LastEventID != tt.lastEventID || second.End != server.EndComplete {
				t.Errorf("second request: resume_from %d, last_event_id %q, %s; want 20, %q, complete",
					second.ResumeFrom, second.LastEventID, second.End, tt.lastEventID)
			}
		})
	}
}

func TestOneShotKeepsThePartialAnswerWhenTheSessionIsForgotten(t *testing.T) {
	hs := tokServe(t, nil)
	url := hs.URL + "/api/chat/stream"
	whole := runTok(t, "", "--url", url, "-H", "X-Tok-Scenario: tokens=60,interval=0,first=0", "hello")
	r := runTok(t, "", "--url", url, "-H", "X-Tok-Scenario: tokens=60,interval=0,first=0,drop-after=20,once,forget", "hello")
	if r.code != 1 || r.stdout == "" || !strings.HasPrefix(whole.stdout, r.stdout) {
		t.Fatalf("exit %d, stdout %q; want exit 1 and the answer's beginning", r.code, r.stdout)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(r.stderr, "\n"), "\n")
	want := regexp.MustCompile(`^tok: the stream was cut off after 20 tokens: the connection closed mid-response; could not resume: 404 Not Found: session "[A-Z2-7]+" is unknown or expired: start the answer again; the text above is what arrived$`)
	if len(lines) != 2 || !reconnectNote.MatchString(lines[0]) || !want.MatchString(lines[1]) {
		t.Errorf("stderr:\n%s\nwant the reconnect note, then the cut-off that could not resume", r.stderr)
	}
}

func TestResumeTriesZeroReportsTheCutOff(t *testing.T) {
	srv := server.New(server.Config{})
	hs := tokServe(t, srv)
	r := runTok(t, "", "--url", hs.URL+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=60,interval=0,first=0,drop-after=20,once", "--resume-tries", "0", "hello")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "tok: the stream was cut off after 20 tokens") || len(srv.Stats()) != 1 {
		t.Errorf("exit %d, stderr %q, %d requests; want the cut-off, one request", r.code, r.stderr, len(srv.Stats()))
	}
	r = runTok(t, "", "--resume-tries", "-1", "hello")
	if r.code != 2 || r.stderr != "tok: --resume-tries -1 is out of range: give 0 (never resume) to 100 (see tok --help)\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestOneShotResumesAcrossACutConnection(t *testing.T) {
	hs := tokServe(t, nil)
	knobs := "X-Tok-Scenario: tokens=60,interval=1,first=0"
	whole := runTok(t, "", "--url", hs.URL+"/api/chat/stream", "-H", knobs, "hello")
	// Headers, then a few frames, then the cut: mid-frame, most likely.
	c := cutAfter(t, strings.TrimPrefix(hs.URL, "http://"), 1500)
	r := runTok(t, "", "--url", "http://"+c.addr+"/api/chat/stream", "-H", knobs, "hello")
	if r.code != 0 || r.stdout != whole.stdout || c.conns.Load() != 2 {
		t.Fatalf("exit %d, %d connections, stderr %q, stdout %q\nwant %q", r.code, c.conns.Load(), r.stderr, r.stdout, whole.stdout)
	}
	if !reconnectNote.MatchString(r.stderr) {
		t.Errorf("stderr %q; want the one reconnect note", r.stderr)
	}
}

func TestTheConfigFilesResumeTriesAndTheFlagOverIt(t *testing.T) {
	srv := server.New(server.Config{})
	hs := tokServe(t, srv)
	dir, _ := writeConfigFile(t, "[endpoints.s]\nurl = \""+hs.URL+"/api/chat/stream\"\nresume_tries = 0\n")
	env := map[string]string{"XDG_CONFIG_HOME": dir}
	drop := "X-Tok-Scenario: tokens=60,interval=0,first=0,drop-after=20,once"
	r := runTokEnv(t, env, "", "-e", "s", "-H", drop, "hello")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "tok: the stream was cut off after 20 tokens") || len(srv.Stats()) != 1 {
		t.Errorf("resume_tries = 0: exit %d, stderr %q, %d requests; want the cut-off, one request", r.code, r.stderr, len(srv.Stats()))
	}
	r = runTokEnv(t, env, "", "-e", "s", "--resume-tries", "1", "-H", drop, "hello")
	if r.code != 0 || len(srv.Stats()) != 3 || !strings.HasSuffix(r.stderr, "(1/1)\n") {
		t.Errorf("--resume-tries 1 over the file: exit %d, stderr %q, %d requests; want a resumed answer", r.code, r.stderr, len(srv.Stats()))
	}
}

// The rig's seed server keeps sessions in Redis and continues a resumed
// answer live, by an assistant prefill to the upstream.
func TestOneShotResumesTheRigsSeedServer(t *testing.T) {
	const seed = "127.0.0.1:18081"
	conn, err := net.DialTimeout("tcp", seed, time.Second)
	if err != nil {
		t.Skipf("the rig's seed server is not up (../shared/rig/up starts it): %v", err)
	}
	conn.Close()
	knobs := "X-Rig-Scenario: tokens=60,interval=5"
	whole := runTok(t, "", "--url", "http://"+seed+"/api/chat/stream", "-H", knobs, "hello")
	if whole.code != 0 || whole.stdout == "" {
		t.Fatalf("uninterrupted: exit %d, stderr %q", whole.code, whole.stderr)
	}
	c := cutAfter(t, seed, 1200)
	r := runTok(t, "", "--url", "http://"+c.addr+"/api/chat/stream", "-H", knobs, "hello")
	if r.code != 0 || r.stdout != whole.stdout || c.conns.Load() != 2 {
		t.Fatalf("exit %d, %d connections, stderr %q, stdout %q\nwant %q", r.code, c.conns.Load(), r.stderr, r.stdout, whole.stdout)
	}
	if !reconnectNote.MatchString(r.stderr) {
		t.Errorf("stderr %q; want the one reconnect note", r.stderr)
	}
}

// cutter is a TCP proxy that cuts its first connection once the server
// has sent n bytes (headers included); the ones after pass whole.
type cutter struct {
	addr  string
	conns atomic.Int32
	mu    sync.Mutex
	open  []net.Conn // closed at the end: keep-alive holds the last
}

func cutAfter(t *testing.T, target string, n int64) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		c.mu.Lock()
		for _, conn := range c.open {
			conn.Close()
		}
		c.mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.open = append(c.open, down)
			c.mu.Unlock()
			first := c.conns.Add(1) == 1
			wg.Go(func() { c.pipe(down, target, first, n) })
		}
	})
	return c
}

func (c *cutter) pipe(down net.Conn, target string, cut bool, n int64) {
	defer down.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	c.mu.Lock()
	c.open = append(c.open, up)
	c.mu.Unlock()
	go io.Copy(up, down)
	if cut {
		io.CopyN(down, up, n)
		return
	}
	io.Copy(down, up)
}
