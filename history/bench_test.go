package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// benchStore is a store of 10,000 generated conversations (two turns
// each, some 3 KB of text), made once for the benchmarks.
var benchStore = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tok-history-bench")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "history.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		return "", err
	}
	defer s.Close()
	return path, fill(s, 10_000)
})

// words is the generated text's vocabulary: "common" is in most answers
// and some prompts; "volcano" is in the answers of about one conversation
// in a hundred, "everywhere" in every answer and no prompt.
var words = strings.Fields(`the a of to and in is it that for on with as was at by this be from or have an are
	not but what all were when we there can more one time which their said if do will each about how up out
	them then she many some so these would other into has her two like him see could no make than first been
	its who now people my made over did down only way find use may water long little very after words called
	just where most know get through back much before go good new write our used me man too any day same
	right look think also around another came come work three word must because does part even place well
	stream token answer model server request common`)

func fill(s *Store, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(k int) string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		return b.String()
	}
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i := range n {
		id := fmt.Sprintf("%016x", rng.Uint64())
		if _, err := tx.Exec(`INSERT INTO conversations (id, title, created_at, used_at, model, endpoint)
			VALUES (?, ?, ?, ?, 'gpt-4o-mini', 'openai')`, id, text(6), i, i); err != nil {
			return err
		}
		for seq := 1; seq <= 2; seq++ {
			answer := text(250) + " everywhere"
			if rng.IntN(200) == 0 {
				answer += " volcano"
			}
			// the answer as the recorder saves it: in parts (one, here)
			if _, err := tx.Exec(`INSERT INTO turns (conversation_id, seq, prompt, ending, started_at)
				VALUES (?, ?, ?, 'complete', ?)`, id, seq, text(15), i); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO turn_parts (turn_id, kind, seq, text) VALUES (last_insert_rowid(), ?, 1, ?)`,
				partAnswer, answer); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

func openBench(b *testing.B) *Store {
	path, err := benchStore()
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkList is tok history list over 10,000 conversations.
func BenchmarkList(b *testing.B) {
	s := openBench(b)
	for b.Loop() {
		if list, err := s.List(b.Context(), 20); err != nil || len(list) != 20 {
			b.Fatal(len(list), err)
		}
	}
}

// BenchmarkSearch is tok history search over 10,000 conversations: a
// word in about one in a hundred, a word in nearly every one, and a
// word in every answer and no prompt (both tiers are searched), and two
// words.
func BenchmarkSearch(b *testing.B) {
	s := openBench(b)
	for _, q := range []string{"volcano", "common", "everywhere", "common volcano"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if hits, err := s.Search(b.Context(), q, 20); err != nil || len(hits) == 0 {
					b.Fatal(len(hits), err)
				}
			}
		})
	}
}

// BenchmarkPrompts is the chat's input history at start: the 1,000
// newest distinct prompts of 20,000 turns.
func BenchmarkPrompts(b *testing.B) {
	s := openBench(b)
	for b.Loop() {
		if p, err := s.Prompts(b.Context(), 1000); err != nil || len(p) != 1000 {
			b.Fatal(len(p), err)
		}
	}
}
