package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

func TestChatOpensOnlyOnATerminalWithNoPrompt(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		piped    bool
		args     []string
		wantChat bool
	}{
		{"terminal, no prompt", true, false, nil, true},
		{"terminal, a prompt", true, false, []string{"hi"}, false},
		{"text piped in", true, true, nil, false},
		{"not a terminal", false, false, nil, false},
		{"--events", true, false, []string{"--events"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _ := testStreams("")
			ios.StdinTTY, ios.StdoutTTY, ios.StdinPiped = tt.tty, tt.tty, tt.piped
			var got bool
			cmd := newRootCmd(ios, func(_ context.Context, o *rootOptions) error {
				got = o.wantsChat()
				return nil
			})
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got != tt.wantChat {
				t.Errorf("wantsChat = %v, want %v", got, tt.wantChat)
			}
		})
	}
}

func TestVerboseChatIsAUsageError(t *testing.T) {
	ios, _, errOut := testStreams("")
	ios.StdinTTY, ios.StdoutTTY = true, true
	if code := execute(context.Background(), ios, []string{"-v"}); code != exitUsage {
		t.Errorf("exit = %d, want %d (stderr %q)", code, exitUsage, errOut)
	}
}

func TestAChatThatCrashesSaysSoInOneLineAfterTheConversation(t *testing.T) {
	for _, place := range []string{"update", "cmd"} {
		t.Run(place, func(t *testing.T) {
			ios, out, errOut := testStreams("")
			in, typed := io.Pipe()
			defer typed.Close()
			go io.WriteString(typed, "crash\r")
			ios.In, ios.StdinTTY, ios.StdoutTTY = in, true, true
			ios.Getenv = func(k string) string { return map[string]string{"TOK_CHAT_CRASH": place}[k] }
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if code := execute(ctx, ios, nil); code != exitFailed {
				t.Errorf("exit = %d, want %d", code, exitFailed)
			}
			want := "tok: the chat crashed: a crash test in Update, at tui.Model.send (actions.go:"
			if place == "cmd" {
				want = "tok: the chat crashed: a crash test in a command, at tui.Model.send.func1 (actions.go:"
			}
			stderr := errOut.String()
			if !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting %q", stderr, want)
			}
			if place == "cmd" && (!strings.Contains(out.String(), "❯ crash") || !strings.HasSuffix(stderr, "; the conversation so far is above\n")) {
				t.Errorf("stdout = %q, stderr %q: want the question above and the line saying so", out, stderr)
			}
		})
	}
}

// TestTheChatsTurnsReuseOneConnection: the second turn goes over the
// first turn's connection: tok keeps one client for the target.
func TestTheChatsTurnsReuseOneConnection(t *testing.T) {
	var dials atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"hi\"}\n\ndata: {\"type\":\"done\"}\n\ndata: [DONE]\n\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	ios, _, _ := testStreams("")
	var o *rootOptions
	cmd := newRootCmd(ios, func(_ context.Context, opts *rootOptions) error { o = opts; return nil })
	cmd.SetArgs([]string{"--url", srv.URL})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for turn := 1; turn <= 3; turn++ {
		s, err := o.open(context.Background(), []client.Message{{Role: "user", Content: "hi"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range s.Events() {
			if err != nil {
				t.Fatalf("turn %d: %v", turn, err)
			}
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("3 turns dialled %d connections, want 1", n)
	}
}
