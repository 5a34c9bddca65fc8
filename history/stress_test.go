package history

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestOpenersOfANewFileAtOnceAllSucceed opens a file that does not yet
// exist four times at once, over and over: SQLite answers the switch to
// WAL with SQLITE_BUSY at once, which Open must wait out (it failed about
// one round in twenty before it did).
func TestOpenersOfANewFileAtOnceAllSucceed(t *testing.T) {
	t.Parallel()
	for round := range 30 {
		path := filepath.Join(t.TempDir(), "tok", "history.db")
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				s, err := Open(t.Context(), path)
				if err != nil {
					t.Errorf("round %d, opener %d: %v", round, i, err)
					return
				}
				defer s.Close()
				r, err := s.Begin(t.Context(), Ask{Prompt: "q"})
				if err != nil {
					t.Errorf("round %d, opener %d: Begin: %v", round, i, err)
					return
				}
				if err := r.End(Outcome{}); err != nil {
					t.Errorf("round %d, opener %d: End: %v", round, i, err)
				}
			})
		}
		wg.Wait()
	}
}
