package probe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tokcli/tok/client"
)

// chatSocket is a WebSocket server of the chat protocol that streams a
// token every millisecond; it acknowledges an interrupt (then sends late
// tokens after it) unless noAck, when it streams on.
func chatSocket(t *testing.T, noAck bool, late int) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if _, _, err := c.Read(r.Context()); err != nil {
			return
		}
		interrupts := make(chan struct{}, 1)
		go func() {
			for {
				_, b, err := c.Read(context.Background())
				if err != nil {
					return
				}
				if strings.Contains(string(b), "interrupt") {
					select {
					case interrupts <- struct{}{}:
					default:
					}
				}
			}
		}()
		send := func(v any) bool {
			b, _ := json.Marshal(v)
			return c.Write(context.Background(), websocket.MessageText, b) == nil
		}
		for i := 0; i < 2000; i++ {
			select {
			case <-interrupts:
				if !noAck {
					send(map[string]any{"type": "stream_end", "interrupted": true})
					for j := 0; j < late; j++ {
						send(map[string]any{"type": "token", "content": "late"})
					}
					<-done
					return
				}
			case <-done:
				return
			default:
			}
			if !send(map[string]any{"type": "token", "content": "x"}) {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}))
	t.Cleanup(func() {
		close(done)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

func probeWS(t *testing.T, url string, opts Options) *Result {
	t.Helper()
	req, err := client.Endpoint{URL: url}.Request(context.Background(), []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(client.Config{})
	defer c.Close()
	return Run(context.Background(), c, req, opts)
}

func TestProbeMeasuresAnAcknowledgedInterrupt(t *testing.T) {
	t.Parallel()
	res := probeWS(t, chatSocket(t, false, 3), Options{InterruptAfter: 5, InterruptWait: time.Second, Grace: 200 * time.Millisecond})
	in := res.Interrupt
	if in == nil || in.How != client.StopInterrupted || in.After != 5 || in.Ack <= 0 || in.Ack > time.Second {
		t.Fatalf("interrupt = %+v, want acknowledged after 5 tokens", in)
	}
	if in.TokensAfter < 3 || in.LastToken <= 0 {
		t.Errorf("tokens after = %d (last %s), want the 3 late ones at least", in.TokensAfter, in.LastToken)
	}
	if got := checkOf(res, "interrupt"); !strings.HasPrefix(got, "PASS acknowledged") || res.Failed() {
		t.Errorf("interrupt check = %q; checks %+v", got, res.Checks)
	}
	if res.Tokens != 5 {
		t.Errorf("tokens = %d, want the 5 before the interrupt", res.Tokens)
	}
}

func TestProbeFailsAnInterruptWithoutAcknowledgement(t *testing.T) {
	t.Parallel()
	res := probeWS(t, chatSocket(t, true, 0), Options{InterruptAfter: 5, InterruptWait: 100 * time.Millisecond})
	in := res.Interrupt
	if in == nil || in.How != client.StopClosed || in.Ack != 0 || in.TokensAfter == 0 {
		t.Fatalf("interrupt = %+v, want the socket closed, no acknowledgement, tokens after it", in)
	}
	if got := checkOf(res, "interrupt"); !strings.HasPrefix(got, "FAIL no acknowledgement within 100ms") || !res.Failed() {
		t.Errorf("interrupt check = %q; checks %+v", got, res.Checks)
	}
}
