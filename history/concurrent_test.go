package history

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tokcli/tok/client"
)

// helperEnv makes the test binary a writer process (see helperProcess).
const helperEnv = "TOK_HISTORY_HELPER"

// helperProcess saves helperTurns answers into the store at
// $TOK_HISTORY_HELPER, as a tok process would, and exits 0 if every
// write succeeded.
func helperProcess() int {
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(helperEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	for i := range helperTurns {
		r, err := s.Begin(ctx, Ask{Prompt: fmt.Sprintf("question %d from %d", i, os.Getpid())})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for range 20 {
			r.Add(client.Event{Kind: client.KindText, Text: "word "})
			r.flush()
		}
		if err := r.End(Outcome{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

const helperTurns = 25

func TestTwoProcessesSavingAtOnceBothSucceed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tok", "history.db")
	var cmds []*exec.Cmd
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out := &lockedBuffer{}
		cmd.Stderr = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("a writer failed: %v: %s", err, cmd.Stderr.(*lockedBuffer).String())
		}
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.List(t.Context(), 0)
	if err != nil || len(list) != 2*helperTurns {
		t.Fatalf("after two writers: %d conversations, %v; want %d", len(list), err, 2*helperTurns)
	}
	for _, sum := range list {
		c, _ := s.Load(t.Context(), sum.ID)
		if c.Turns[0].Ending != EndComplete || len(c.Turns[0].Answer) != 100 {
			t.Fatalf("a turn was not saved whole: %+v", c.Turns[0])
		}
	}
}
