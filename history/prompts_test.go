package history

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPromptsAreNewestFirstAndDistinctAcrossConversations(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	a := save(t, s, Conversation{}, "what is a monad?", "a")
	b := save(t, s, Conversation{}, "hello", "b")
	save(t, s, Conversation{ID: a}, "and in Go?", "c")
	save(t, s, Conversation{ID: b}, "what is a monad?", "d") // asked again: it moves to the front
	save(t, s, Conversation{ID: b}, "  \n", "e")             // blank: not worth recalling
	got, err := s.Prompts(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"what is a monad?", "and in Go?", "hello"}
	if !slices.Equal(got, want) {
		t.Errorf("Prompts = %q, want %q", got, want)
	}
	if got, _ := s.Prompts(t.Context(), 2); !slices.Equal(got, want[:2]) {
		t.Errorf("Prompts(2) = %q, want %q", got, want[:2])
	}
}

func TestPromptsLeaveOutPipedFiles(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	save(t, s, Conversation{}, "short", "a")
	save(t, s, Conversation{}, strings.Repeat("x", PromptMax+1), "b")
	save(t, s, Conversation{}, strings.Repeat("y", PromptMax), "c")
	got, err := s.Prompts(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != "short" || len(got[0]) != PromptMax {
		t.Errorf("Prompts = %d prompts (%v…), want the one of PromptMax bytes, then short", len(got), got)
	}
}

func TestPromptsSurviveTheProcess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	save(t, s, Conversation{}, "first", "a")
	save(t, s, Conversation{}, "second", "b")
	s.Close()
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Prompts(t.Context(), 10); err != nil || !slices.Equal(got, []string{"second", "first"}) {
		t.Errorf("Prompts after reopening = %q, %v; want second, first", got, err)
	}
}

func TestPromptsReadABoundedNumberOfTurns(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	save(t, s, Conversation{}, "old", "a")
	for range promptScan * 2 {
		save(t, s, Conversation{}, "again", "b")
	}
	got, err := s.Prompts(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	// The newest 2 × promptScan turns are all "again": "old" is past
	// the rows read.
	if !slices.Equal(got, []string{"again"}) {
		t.Errorf("Prompts(2) = %q, want only again", got)
	}
	if _, err := s.Prompts(t.Context(), 0); err == nil {
		t.Error("Prompts(0) gave no error")
	}
}
