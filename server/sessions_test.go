package server_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/server"
)

// hungStore is a session store that stops answering, as a Redis under
// DEBUG SLEEP does: its calls ignore their context and wait until it is
// healed, and it counts them.
// With writesOnly, Load answers at once: the store hangs mid-stream.
type hungStore struct {
	*server.MemoryStore
	writesOnly bool
	healed     chan struct{}
	heal       sync.Once
	calls      atomic.Int32
}

func newHungStore(t *testing.T, writesOnly bool) *hungStore {
	st := &hungStore{MemoryStore: server.NewMemoryStore(), writesOnly: writesOnly, healed: make(chan struct{})}
	t.Cleanup(st.cure) // the calls left waiting return
	return st
}

func (st *hungStore) cure() { st.heal.Do(func() { close(st.healed) }) }

func (st *hungStore) Append(ctx context.Context, id string, i int, tok string) error {
	st.calls.Add(1)
	<-st.healed
	return st.MemoryStore.Append(ctx, id, i, tok)
}

func (st *hungStore) Finish(ctx context.Context, id string) error {
	st.calls.Add(1)
	<-st.healed
	return st.MemoryStore.Finish(ctx, id)
}

func (st *hungStore) Load(ctx context.Context, id string) ([]string, bool, bool, error) {
	st.calls.Add(1)
	if !st.writesOnly {
		<-st.healed
	}
	return st.MemoryStore.Load(ctx, id)
}

// newSession is the body of a new answer in session id, as tok sends it.
func newSession(id string) string {
	return `{"messages":[{"role":"user","content":"hi"}],"sessionId":"` + id + `"}`
}

// A store that hangs costs a session one deadline, not one per token: the
// answer goes on whole, not kept, a resume of it is a 404, and the outage
// is one log line until the store answers again.
func TestHungStoreDegradesToNotResumable(t *testing.T) {
	for _, c := range []struct {
		name       string
		writesOnly bool
		calls      int32 // per session
	}{{"hung from the start", false, 1}, {"hung mid-stream", true, 2}} {
		t.Run(c.name, func(t *testing.T) {
			st := newHungStore(t, c.writesOnly)
			var logs logBuffer
			_, ts := startServer(t, server.Config{Store: st, StoreTimeout: 20 * time.Millisecond, Log: logs.logger()})
			url := ts.URL + "/api/chat/stream"
			for _, id := range []string{"a", "b"} {
				s, err := post(t, t.Context(), url, "tokens=20,"+fast, newSession(id))
				if err != nil {
					t.Fatal(err)
				}
				if a := read(s); a.err != nil || a.text != demoText(20) {
					t.Fatalf("session %s under a hung store: text %q, err %v", id, a.text, a.err)
				}
			}
			if n := st.calls.Load(); n != 2*c.calls {
				t.Errorf("%d store calls for two sessions of 20 tokens, want %d each", n, c.calls)
			}
			if lines := logs.lines(); len(lines) != 1 || !strings.Contains(lines[0], "the session store failed") || !strings.Contains(lines[0], "20ms") {
				t.Errorf("log %q, want one line for the outage", lines)
			}
			_, err := post(t, t.Context(), url, "tokens=20,"+fast, session("a", 5))
			var he *client.HTTPError
			if !errors.As(err, &he) || he.StatusCode != 404 || !strings.Contains(he.Message, "was not kept in full") {
				t.Errorf("resuming a session the store lost: %v", err)
			}

			st.cure()
			s, err := post(t, t.Context(), url, "tokens=20,"+fast, newSession("c"))
			if err != nil {
				t.Fatal(err)
			}
			read(s)
			if lines := logs.lines(); len(lines) != 2 || lines[1] != "the session store answers again" {
				t.Errorf("log %q, want the outage's end", lines)
			}
			if tokens, done, _, _ := st.MemoryStore.Load(t.Context(), "c"); len(tokens) != 20 || !done {
				t.Errorf("a session after the outage: %d tokens kept, done %v", len(tokens), done)
			}
		})
	}
}

func TestHungStoreOnResumeIsA503(t *testing.T) {
	st := newHungStore(t, false)
	_, ts := startServer(t, server.Config{Store: st, StoreTimeout: 20 * time.Millisecond})
	_, err := post(t, t.Context(), ts.URL+"/api/chat/stream", fast, session("a", 3))
	var he *client.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 || !strings.Contains(he.Message, "did not answer in time") {
		t.Errorf("err = %v, want a 503", err)
	}
}
