package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperProcess())
	}
	goleak.VerifyTestMain(m)
}

// openTemp opens a new store in a temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "tok", "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// save asks prompt in conversation c (new when c.ID is "") and saves
// answer as its complete answer; it returns the conversation's id.
func save(t *testing.T, s *Store, c Conversation, prompt, answer string) string {
	t.Helper()
	r, err := s.Begin(t.Context(), Ask{Conversation: c, Prompt: prompt})
	if err != nil {
		t.Fatal(err)
	}
	r.Add(client.Event{Kind: client.KindText, Text: answer, At: time.Millisecond})
	r.Add(client.Event{Kind: client.KindDone})
	if err := r.End(Outcome{}); err != nil {
		t.Fatal(err)
	}
	return r.ConversationID()
}

func TestOpenCreatesPrivateFileAndDirectory(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("history.db mode = %o, want 600", perm)
	}
	di, err := os.Stat(filepath.Dir(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode = %o, want 700", perm)
	}
}

func TestPathFollowsXDGDataHome(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}, "/data/tok/history.db"},
		{"relative xdg is ignored", map[string]string{"XDG_DATA_HOME": "data", "HOME": "/home/u"}, "/home/u/.local/share/tok/history.db"},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/tok/history.db"},
	} {
		got, err := Path(env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("%s: Path = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := Path(env(nil)); err == nil {
		t.Error("Path with no HOME: no error")
	}
}

func TestRecorderSavesTheAnswerAndHowItEnded(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	cut := &client.CutOffError{Tokens: 2}
	for _, tc := range []struct {
		name  string
		done  *client.Event
		out   Outcome
		want  Ending
		error string
	}{
		{"complete", &client.Event{Kind: client.KindDone, StopReason: "end_turn"}, Outcome{}, EndComplete, ""},
		{"length", &client.Event{Kind: client.KindDone, StopReason: "max_tokens"}, Outcome{}, EndLength, ""},
		{"stopped", nil, Outcome{Err: context.Canceled, Stopped: true}, EndStopped, ""},
		{"cut off", nil, Outcome{Err: cut, Line: "the stream was cut off"}, EndCutOff, "the stream was cut off"},
		{"error", nil, Outcome{Err: &client.ServerError{Message: "overloaded"}, Line: "overloaded"}, EndError, "overloaded"},
	} {
		r, err := s.Begin(t.Context(), Ask{Conversation: Conversation{Title: tc.name}, Prompt: "q " + tc.name})
		if err != nil {
			t.Fatal(err)
		}
		r.Add(client.Event{Kind: client.KindStart, Model: "m-1"})
		r.Add(client.Event{Kind: client.KindThinking, Text: "hmm"})
		r.Add(client.Event{Kind: client.KindText, Text: "part ", At: 100 * time.Millisecond})
		r.Add(client.Event{Kind: client.KindReconnect})
		r.Add(client.Event{Kind: client.KindText, Text: "two", At: 300 * time.Millisecond})
		r.Add(client.Event{Kind: client.KindUsage, Usage: client.Usage{InputTokens: 3, OutputTokens: 2}})
		if tc.done != nil {
			r.Add(*tc.done)
		}
		if err := r.End(tc.out); err != nil {
			t.Fatal(err)
		}
		c, err := s.Load(t.Context(), r.ConversationID())
		if err != nil {
			t.Fatal(err)
		}
		got := c.Turns[0]
		if got.Answer != "part two" || got.Thinking != "hmm" || got.Ending != tc.want || got.Error != tc.error {
			t.Errorf("%s: saved %q/%q ending %q error %q; want %q, %q", tc.name, got.Answer, got.Thinking, got.Ending, got.Error, tc.want, tc.error)
		}
		if got.Resumed != 1 || got.Model != "m-1" || got.Usage.OutputTokens != 2 || got.FirstToken != 100*time.Millisecond || got.TokensPerSecond != 5 {
			t.Errorf("%s: saved %+v", tc.name, got)
		}
		if got.Ended.IsZero() {
			t.Errorf("%s: no end time", tc.name)
		}
	}
}

func TestRecorderSavesThePartialAnswerWhileItStreams(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	r, err := s.Begin(t.Context(), Ask{Prompt: "long question"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Load(t.Context(), r.ConversationID())
	if err != nil || len(c.Turns) != 1 || c.Turns[0].Prompt != "long question" || c.Turns[0].Ending != EndStreaming {
		t.Fatalf("before any answer: %+v, %v; want the prompt saved, streaming", c, err)
	}
	r.Add(client.Event{Kind: client.KindText, Text: "so far"})
	r.flush() // what the recorder's own goroutine does every flushEvery
	c, _ = s.Load(t.Context(), r.ConversationID())
	if got := c.Turns[0]; got.Answer != "so far" || got.Ending != EndStreaming {
		t.Errorf("mid-answer: saved %q, %q; want the text so far, streaming", got.Answer, got.Ending)
	}
	r.End(Outcome{Stopped: true})
}

func TestToolCallsAreSavedWhereTheyCame(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	r, _ := s.Begin(t.Context(), Ask{Prompt: "weather?"})
	r.Add(client.Event{Kind: client.KindText, Text: "Let me look. "})
	r.Add(client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "weather"}})
	r.Add(client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: `{"city":`})
	r.Add(client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: `"Rome"}`})
	r.Add(client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: "t1", Name: "weather", Result: "sunny"}})
	r.Add(client.Event{Kind: client.KindText, Text: "Sunny."})
	r.End(Outcome{})
	c, _ := s.Load(t.Context(), r.ConversationID())
	want := ToolCall{ID: "t1", Name: "weather", Arguments: `{"city":"Rome"}`, Result: "sunny", State: "done", Offset: 13}
	if got := c.Turns[0].Tools; len(got) != 1 || got[0] != want {
		t.Errorf("tools = %+v, want [%+v]", got, want)
	}
}

// A call that tok ran, as the tool loop streams it: the whole arguments
// when it runs, an error result, and the signature the API wants back.
func TestToolCallsKeepWhatTheNextRequestSendsBack(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	r, _ := s.Begin(t.Context(), Ask{Prompt: "weather?"})
	r.Add(client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "t1", Name: "weather", Signature: "sig=="}})
	r.Add(client.Event{Kind: client.KindToolArgs, Tool: client.Tool{ID: "t1"}, Text: `{"city":"Ro`})
	r.Add(client.Event{Kind: client.KindToolExecuting, Tool: client.Tool{ID: "t1", Name: "weather", Args: `{"city":"Rome"}`}})
	r.Add(client.Event{Kind: client.KindToolResult, Tool: client.Tool{ID: "t1", Name: "weather", Result: "denied", IsError: true}})
	r.End(Outcome{})
	c, _ := s.Load(t.Context(), r.ConversationID())
	want := ToolCall{ID: "t1", Name: "weather", Arguments: `{"city":"Rome"}`, Result: "denied", State: "done",
		IsError: true, Signature: "sig=="}
	if got := c.Turns[0].Tools; len(got) != 1 || got[0] != want {
		t.Errorf("tools = %+v, want [%+v]", got, want)
	}
}

func TestConversationsContinueAndListNewestUsedFirst(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	clock := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	a := save(t, s, Conversation{Title: "first"}, "first", "1")
	b := save(t, s, Conversation{Title: "second"}, "second", "2")
	save(t, s, Conversation{ID: a}, "again", "3") // a is used last
	list, err := s.List(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a || list[1].ID != b || list[0].Turns != 2 || list[0].Title != "first" {
		t.Fatalf("List = %+v; want a (2 turns) then b", list)
	}
	if latest, _ := s.Latest(t.Context()); latest != a {
		t.Errorf("Latest = %q, want %q", latest, a)
	}
	if one, _ := s.List(t.Context(), 1); len(one) != 1 {
		t.Errorf("List(1) = %d rows", len(one))
	}
}

func TestResolveTakesAUniquePrefix(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	for _, id := range []string{"abc111", "abc222", "def333"} {
		save(t, s, Conversation{ID: id}, "q", "a")
	}
	if id, err := s.Resolve(t.Context(), "def"); id != "def333" || err != nil {
		t.Errorf("Resolve(def) = %q, %v", id, err)
	}
	if id, err := s.Resolve(t.Context(), "abc111"); id != "abc111" || err != nil {
		t.Errorf("Resolve(abc111) = %q, %v", id, err)
	}
	var ae *AmbiguousError
	if _, err := s.Resolve(t.Context(), "abc"); !errors.As(err, &ae) {
		t.Errorf("Resolve(abc) = %v, want ambiguous", err)
	}
	for _, p := range []string{"zzz", "", "a%"} {
		if _, err := s.Resolve(t.Context(), p); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) = %v, want not found", p, err)
		}
	}
	if _, err := openTemp(t).Latest(t.Context()); !errors.Is(err, ErrEmpty) {
		t.Errorf("Latest of an empty store = %v, want ErrEmpty", err)
	}
}

func TestSearchRanksPromptsAboveAnswers(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	inAnswer := save(t, s, Conversation{Title: "a"}, "tell me about cities", "Rome was not built in a day, said the aqueduct.")
	inPrompt := save(t, s, Conversation{Title: "b"}, "what is an aqueduct?", "A channel for water.")
	save(t, s, Conversation{Title: "c"}, "unrelated", "nothing here")
	hits, err := s.Search(t.Context(), "aqueduct", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ID != inPrompt || hits[1].ID != inAnswer {
		t.Fatalf("Search = %+v; want the prompt's conversation, then the answer's", hits)
	}
	if hits[0].Field != "prompt" || hits[1].Field != "answer" || !strings.Contains(hits[1].Snippet, MarkStart+"aqueduct"+MarkEnd) {
		t.Errorf("hits = %+v; want fields prompt, answer and the match marked", hits)
	}
	if hits, _ := s.Search(t.Context(), "day", 0); len(hits) != 1 || hits[0].ID != inAnswer {
		t.Errorf("a word only in an answer: %+v", hits)
	}
	if _, err := s.Search(t.Context(), "  ", 0); err == nil {
		t.Error("an empty search: no error")
	}
	if hits, err := s.Search(t.Context(), "gpt-4o (new)", 0); err != nil || len(hits) != 0 {
		t.Errorf("punctuation: %v, %v; want no hits and no error", hits, err)
	}
}

func TestDeleteRenameAndBackup(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	a := save(t, s, Conversation{Title: "keep"}, "keep", "water")
	b := save(t, s, Conversation{Title: "drop"}, "drop", "water")
	if n, err := s.Delete(t.Context(), b); n != 1 || err != nil {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	if hits, _ := s.Search(t.Context(), "water", 0); len(hits) != 1 || hits[0].ID != a {
		t.Errorf("after delete, search finds %+v; want only %s", hits, a)
	}
	if err := s.Rename(t.Context(), a, "  new\nname "); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Load(t.Context(), a); c.Title != "new" {
		t.Errorf("title = %q, want the first line", c.Title)
	}
	if err := s.Rename(t.Context(), "nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Rename of no conversation = %v", err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if err := s.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(t.Context(), backup); err == nil {
		t.Error("a backup over a file: no error")
	}
	copy, err := Open(t.Context(), backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	if list, _ := copy.List(t.Context(), 0); len(list) != 1 || list[0].ID != a {
		t.Errorf("the backup lists %+v", list)
	}
}

func TestUsedBefore(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	clock := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { return clock }
	old := save(t, s, Conversation{}, "old", "a")
	clock = clock.Add(48 * time.Hour)
	save(t, s, Conversation{}, "new", "b")
	got, err := s.UsedBefore(t.Context(), clock.Add(-24*time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != old {
		t.Errorf("UsedBefore = %+v, %v; want only %s", got, err, old)
	}
}

// openAt writes a file at schema version v with the rows of seed, as an
// older tok left it, and opens it (migrating it forward).
func openAt(t *testing.T, v int, seed string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(strings.Join(migrations[:v], ";\n") + fmt.Sprintf("; PRAGMA user_version = %d;\n", v) + seed)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAnOlderSchemaIsMigrated(t *testing.T) {
	t.Parallel()
	s := openAt(t, 1, `INSERT INTO conversations (id, title, created_at, used_at) VALUES ('c1', 'old one', 1, 1);
		INSERT INTO turns (conversation_id, seq, prompt, answer, started_at) VALUES ('c1', 1, 'about volcanoes', 'lava', 1);`)
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != Version {
		t.Errorf("user_version = %d after Open, want %d", v, Version)
	}
	if hits, err := s.Search(t.Context(), "lava", 0); err != nil || len(hits) != 1 || hits[0].ID != "c1" ||
		hits[0].Snippet != MarkStart+"lava"+MarkEnd {
		t.Errorf("search in the migrated file: %+v, %v; want the old turn indexed", hits, err)
	}
	if c, err := s.Load(t.Context(), "c1"); err != nil || c.Turns[0].Answer != "lava" {
		t.Errorf("Load of an answer saved whole (before parts) = %+v, %v", c, err)
	}
}

func TestANewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	db, _ := sql.Open("sqlite", path)
	_, err := db.Exec("PRAGMA user_version = 99")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), path)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade tok") {
		t.Errorf("Open = %v; want ErrNewerSchema that says to upgrade", err)
	}
}

func TestACorruptFileIsOneClearError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	os.WriteFile(path, []byte(strings.Repeat("not a database at all. ", 200)), 0o600)
	_, err := Open(t.Context(), path)
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "not a tok history database") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open = %v; want one line saying it is not a history database", err)
	}
}

func TestAnUnwritableDirectoryIsOneClearError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A file where the directory should be fails for root too.
	os.WriteFile(filepath.Join(dir, "tok"), nil, 0o600)
	_, err := Open(t.Context(), filepath.Join(dir, "tok", "history.db"))
	if err == nil || !strings.Contains(err.Error(), "create its directory") {
		t.Errorf("Open under a file = %v", err)
	}
	if os.Geteuid() == 0 {
		return // root writes in a read-only directory
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o500)
	_, err = Open(t.Context(), filepath.Join(ro, "history.db"))
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Open in a read-only directory = %v", err)
	}
}

func TestMarkdownExportClosesACodeBlockTheAnswerLeftOpen(t *testing.T) {
	t.Parallel()
	c := &Conversation{ID: "x", Title: "t", Turns: []Turn{{Seq: 1, Prompt: "code?", Answer: "Here:\n\n```go\nfunc f() {", Ending: EndStopped}}}
	md := c.Markdown()
	if !strings.Contains(md, "func f() {\n```\n\n> *stopped*") {
		t.Errorf("Markdown =\n%s\nwant the fence closed before the note", md)
	}
	if openFence("```\nx\n```\n~~~~\ny\n") != "~~~~" || openFence("```go\nx\n```\n") != "" {
		t.Error("openFence misreads fences")
	}
}
