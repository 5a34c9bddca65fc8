package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tokcli/tok/history"
)

// chatServer is an OpenAI-compatible server that answers each request
// with reply(request number, its body); it keeps the bodies.
type chatServer struct {
	URL    string
	mu     sync.Mutex
	bodies []string
}

func newChatServer(t *testing.T, reply func(n int, s sse)) *chatServer {
	t.Helper()
	cs := &chatServer{}
	srv := serveRaw(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.bodies = append(cs.bodies, string(b))
		n := len(cs.bodies)
		cs.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		reply(n, sse{w, r, string(b)})
	})
	cs.URL = srv.URL + "/v1"
	return cs
}

// delta sends a piece of an OpenAI chat completion.
func delta(s sse, text string) bool {
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"delta": map[string]string{"content": text}}}})
	return s.send("data: " + string(b) + "\n\n")
}

// finish ends an OpenAI chat completion.
func finish(s sse) {
	s.send(`data: {"choices":[{"delta":{},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n")
}

// roles are the roles of a request body's messages.
func (cs *chatServer) roles(t *testing.T, n int) []string {
	t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var body struct {
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(cs.bodies[n]), &body); err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, m := range body.Messages {
		roles = append(roles, m.Role+":"+m.Content)
	}
	return roles
}

// historyEnv is an environment with a key and a history of its own.
func historyEnv(t *testing.T) map[string]string {
	return map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "XDG_DATA_HOME": t.TempDir(), "HOME": t.TempDir()}
}

// openStore opens the history of env.
func openStore(t *testing.T, env map[string]string) *history.Store {
	t.Helper()
	path, _ := history.Path(envOf(env))
	st, err := history.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestContinueSendsTheEarlierTurnsAndSavesInTheSameConversation(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, s sse) {
		delta(s, fmt.Sprintf("answer %d", n))
		finish(s)
	})
	env := historyEnv(t)
	for _, args := range [][]string{{"first question"}, {"second question"}, {"-c", "and then?"}} {
		if r := runTokEnv(t, env, "", append([]string{"--base-url", cs.URL}, args...)...); r.code != 0 {
			t.Fatalf("tok %q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	got := strings.Join(cs.roles(t, 2), " | ")
	if want := "user:second question | assistant:answer 2 | user:and then?"; got != want {
		t.Errorf("tok -c sent %q, want %q", got, want)
	}
	r := runTokEnv(t, env, "", "history", "list", "--json")
	var list []history.Summary
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 2 || list[0].Turns != 2 || list[0].Title != "second question" {
		t.Fatalf("history list --json = %s (%v); want 2 conversations, the continued one first with 2 turns", r.stdout, err)
	}
	c, _ := openStore(t, env).Load(t.Context(), list[0].ID)
	if c.Turns[1].Answer != "answer 3" || c.Turns[1].Ending != history.EndComplete || c.Endpoint.BaseURL != cs.URL {
		t.Errorf("the continued turn: %+v, endpoint %+v", c.Turns[1], c.Endpoint)
	}
	// --cid picks another, by the start of its id.
	if r := runTokEnv(t, env, "", "--cid", list[1].ID[:6], "more"); r.code != 0 {
		t.Fatalf("--cid: exit %d, stderr %q", r.code, r.stderr)
	}
	if got := strings.Join(cs.roles(t, 3), " | "); got != "user:first question | assistant:answer 1 | user:more" {
		t.Errorf("--cid sent %q", got)
	}
}

func TestNoKeyOrHeaderValueReachesTheHistoryFile(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(_ int, s sse) {
		delta(s, "fine")
		finish(s)
	})
	env := historyEnv(t)
	env["OPENAI_API_KEY"] = "sk-live-SECRETKEY0123456789"
	r := runTokEnv(t, env, "", "--base-url", strings.Replace(cs.URL, "http://", "http://user:PASSWORD99@", 1)+"?api-key=QUERYSECRET77",
		"-H", "X-Custom-Auth: HEADERVALUE42", "-H", "Authorization: Bearer HEADERTOKEN55", "hello")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	path, _ := history.Path(envOf(env))
	openStore(t, env).Close() // checkpoint the WAL into the file
	files, _ := filepath.Glob(path + "*")
	var all []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte("hello")) {
		t.Fatal("the prompt is not in the history: the check reads the wrong file")
	}
	for _, secret := range []string{"SECRETKEY0123456789", "HEADERVALUE42", "HEADERTOKEN55", "PASSWORD99", "QUERYSECRET77"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("the history file holds %q", secret)
		}
	}
}

func TestNoSaveLeavesTheStoreUnchanged(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(_ int, s sse) {
		delta(s, "ok")
		finish(s)
	})
	env := historyEnv(t)
	runTokEnv(t, env, "", "--base-url", cs.URL, "kept")
	if r := runTokEnv(t, env, "", "--base-url", cs.URL, "--no-save", "not kept"); r.code != 0 {
		t.Fatalf("--no-save: exit %d, %q", r.code, r.stderr)
	}
	cfgDir := filepath.Join(env["HOME"], ".config", "tok")
	os.MkdirAll(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("save = false\n"), 0o600)
	runTokEnv(t, env, "", "--base-url", cs.URL, "not kept either")
	os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("[endpoints.l]\nprovider = \"openai\"\nbase_url = \""+cs.URL+"\"\nsave = false\n"), 0o600)
	runTokEnv(t, env, "", "-e", "l", "nor this")
	list, _ := openStore(t, env).List(t.Context(), 0)
	if len(list) != 1 || list[0].Title != "kept" {
		t.Errorf("the history holds %+v; want only the conversation saved without --no-save", list)
	}
}

func TestStoppedAndCutOffAnswersAreSavedWithTheirText(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, s sse) {
		delta(s, "partial words")
		if n == 1 { // stopped: wait for the client to go
			<-s.r.Context().Done()
			return
		}
		hijackClose(nil, s.w) // cut off
	})
	env := historyEnv(t)
	ios, _, _ := testStreams("")
	ios.Getenv = envOf(env)
	printed := make(chan struct{})
	ios.Out = &signalWriter{signal: printed}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-printed
		cancel() // as Ctrl+C does, once the text is out
	}()
	if code := execute(ctx, ios, []string{"--base-url", cs.URL, "stop me"}); code != exitInterrupted {
		t.Errorf("stopped: exit %d, want %d", code, exitInterrupted)
	}
	if r := runTokEnv(t, env, "", "--base-url", cs.URL, "cut me"); r.code != exitFailed {
		t.Errorf("cut off: exit %d, stderr %q", r.code, r.stderr)
	}
	st := openStore(t, env)
	list, _ := st.List(t.Context(), 0)
	want := map[string]history.Ending{"stop me": history.EndStopped, "cut me": history.EndCutOff}
	for _, s := range list {
		c, _ := st.Load(t.Context(), s.ID)
		if got := c.Turns[0]; got.Answer != "partial words" || got.Ending != want[s.Title] {
			t.Errorf("%s: saved %q ending %q; want the partial text, %q", s.Title, got.Answer, got.Ending, want[s.Title])
		}
	}
	if len(list) != 2 {
		t.Fatalf("%d conversations saved, want 2", len(list))
	}
	show := runTokEnv(t, env, "", "history", "show", list[0].ID)
	if !strings.Contains(show.stdout, "partial words") || !strings.Contains(show.stdout, "cut off") {
		t.Errorf("history show of the cut-off answer:\n%s", show.stdout)
	}
}

func TestTwoOneShotsAtOnceBothSave(t *testing.T) {
	t.Parallel()
	both := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(2)
	cs := newChatServer(t, func(_ int, s sse) {
		arrived.Done()
		<-both // both are streaming at the same moment
		for range 50 {
			delta(s, "word ")
		}
		finish(s)
	})
	go func() {
		arrived.Wait()
		close(both)
	}()
	env := historyEnv(t)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Go(func() {
			r := runTokEnv(t, env, "", "--base-url", cs.URL, fmt.Sprintf("question %d", i))
			codes[i] = r.code
			if r.stderr != "" {
				t.Logf("tok %d: stderr %q", i, r.stderr)
			}
		})
	}
	wg.Wait()
	list, _ := openStore(t, env).List(t.Context(), 0)
	if codes[0] != 0 || codes[1] != 0 || len(list) != 2 {
		t.Errorf("exits %v, %d conversations saved; want both saved", codes, len(list))
	}
}

func TestAnUnusableHistoryIsSaidOnceAndTheAnswerStillStreams(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(_ int, s sse) {
		delta(s, "still here")
		finish(s)
	})
	env := historyEnv(t)
	path, _ := history.Path(envOf(env))
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, bytes.Repeat([]byte("garbage "), 1000), 0o600)
	r := runTokEnv(t, env, "", "--base-url", cs.URL, "hi")
	if r.code != 0 || r.stdout != "still here" {
		t.Errorf("exit %d, stdout %q; want the answer", r.code, r.stdout)
	}
	if n := strings.Count(r.stderr, "not a tok history database"); n != 1 || strings.Count(r.stderr, "not saved") != 1 {
		t.Errorf("stderr = %q; want one line saying the history is unusable and nothing is saved", r.stderr)
	}
	if r := runTokEnv(t, env, "", "--base-url", cs.URL, "-c", "hi"); r.code != exitFailed || !strings.Contains(r.stderr, "cannot continue") {
		t.Errorf("-c with a corrupt history: exit %d, stderr %q", r.code, r.stderr)
	}
	// A directory tok cannot write in (a file where it would be: root
	// writes in a read-only directory).
	env = historyEnv(t)
	os.WriteFile(filepath.Join(env["XDG_DATA_HOME"], "tok"), nil, 0o600)
	r = runTokEnv(t, env, "", "--base-url", cs.URL, "hi")
	if r.code != 0 || r.stdout != "still here" || strings.Count(r.stderr, "not saved") != 1 {
		t.Errorf("an unwritable directory: exit %d, stdout %q, stderr %q; want the answer and one line", r.code, r.stdout, r.stderr)
	}
}

func TestHistoryCommands(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, s sse) {
		delta(s, map[int]string{1: "The aqueduct carried water.", 2: "Yes.", 3: "Bread."}[n])
		finish(s)
	})
	env := historyEnv(t)
	for _, q := range []string{"tell me about rome", "what is an aqueduct?", "breakfast ideas"} {
		runTokEnv(t, env, "", "--base-url", cs.URL, q)
	}
	search := runTokEnv(t, env, "", "history", "search", "aqueduct", "--json")
	var hits []history.Hit
	if err := json.Unmarshal([]byte(search.stdout), &hits); err != nil || len(hits) != 2 || hits[0].Title != "what is an aqueduct?" || hits[1].Title != "tell me about rome" {
		t.Fatalf("search --json = %s (%v); want the prompt's conversation first", search.stdout, err)
	}
	if r := runTokEnv(t, env, "", "history", "search", "water"); !strings.Contains(r.stdout, "«water»") {
		t.Errorf("search in a pipe = %q; want the match marked", r.stdout)
	}
	id := hits[1].ID
	md := runTokEnv(t, env, "", "history", "export", id[:5], "--format", "md")
	for _, want := range []string{"model: \"gpt-", "## 1. tell me about rome", "The aqueduct carried water."} {
		if !strings.Contains(md.stdout, want) {
			t.Errorf("export md lacks %q:\n%s", want, md.stdout)
		}
	}
	if r := runTokEnv(t, env, "", "history", "rename", id, "Roman", "water"); r.code != 0 {
		t.Errorf("rename: %d %q", r.code, r.stderr)
	}
	if r := runTokEnv(t, env, "", "history", "rm", id); r.code != exitUsage || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("rm off a terminal without --yes: %d %q", r.code, r.stderr)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if r := runTokEnv(t, env, "", "history", "backup", backup); r.code != 0 {
		t.Errorf("backup: %d %q", r.code, r.stderr)
	}
	if r := runTokEnv(t, env, "", "history", "rm", "--yes", id); r.code != 0 {
		t.Errorf("rm --yes: %d %q", r.code, r.stderr)
	}
	list := runTokEnv(t, env, "", "history")
	if strings.Contains(list.stdout, "Roman water") || !strings.Contains(list.stdout, "breakfast ideas") {
		t.Errorf("tok history after rm:\n%s", list.stdout)
	}
	if r := runTokEnv(t, env, "", "history", "rm", "--older-than", "soon", "--yes"); r.code != exitUsage {
		t.Errorf("--older-than soon: %d %q", r.code, r.stderr)
	}
}

func TestAHistoryWordIsNoPrompt(t *testing.T) {
	t.Parallel()
	env := historyEnv(t)
	r := runTokEnv(t, env, "", "history", "of", "rome")
	if r.code != exitUsage || !strings.Contains(r.stderr, `tok -- "history of rome"`) {
		t.Errorf("tok history of rome: exit %d, stderr %q; want a usage error suggesting tok -- \"history of rome\"", r.code, r.stderr)
	}
	cs := newChatServer(t, func(_ int, s sse) {
		delta(s, "Romulus.")
		finish(s)
	})
	if r := runTokEnv(t, env, "", "--base-url", cs.URL, "--", "history", "of", "rome"); r.code != 0 || r.stdout != "Romulus." {
		t.Errorf("tok -- history of rome: exit %d, stdout %q, stderr %q; want it answered", r.code, r.stdout, r.stderr)
	}
	if got := cs.roles(t, 0); len(got) != 1 || got[0] != "user:history of rome" {
		t.Errorf("tok -- history of rome asked %q", got)
	}
}

func TestContinueWithNothingSaved(t *testing.T) {
	t.Parallel()
	r := runTokEnv(t, historyEnv(t), "", "-c", "hi")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no saved conversation") {
		t.Errorf("tok -c on an empty history: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runTokEnv(t, historyEnv(t), "", "--cid", "zz", "hi")
	if r.code != exitUsage {
		t.Errorf("--cid of nothing: exit %d, stderr %q", r.code, r.stderr)
	}
}

// signalWriter closes signal on its first write.
type signalWriter struct {
	once   sync.Once
	signal chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.signal) })
	return len(p), nil
}
