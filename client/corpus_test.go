package client

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir returns ../shared/corpus beside the module root, or skips the
// test when it is absent: the corpus lives outside the repository.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("corpus: no go.mod above the test directory")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(c, "index.json")); err != nil {
		tb.Skipf("corpus not present at %s (it lives outside the repo; see ../shared/corpus/README.md)", c)
	}
	return c
}

func readJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

type transcript struct {
	File         string  `json:"file"`
	Dialect      string  `json:"dialect"`
	ExpectedText *string `json:"expected_text"`
	ExpectedEnd  *string `json:"expected_end"`
	Quirks       []string
}

func corpusTranscripts(tb testing.TB) (dir string, ts []transcript) {
	tb.Helper()
	dir = corpusDir(tb)
	readJSON(tb, filepath.Join(dir, "index.json"), &ts)
	if len(ts) == 0 {
		tb.Fatal("corpus index.json lists no transcripts")
	}
	return dir, ts
}

type conformanceCase struct {
	Name      string `json:"name"`
	Input     string `json:"input"`
	SplitAt   []int  `json:"split_at_bytes"`
	ChunkSize int    `json:"chunk_size_bytes"`
	Events    []struct {
		Event string `json:"event"`
		Data  string `json:"data"`
		ID    string `json:"id"`
	} `json:"events"`
	Retry       *int    `json:"retry"`
	HasRetry    bool    `json:"-"`
	LastEventID *string `json:"last_event_id"`
	Comments    []string
}

func conformanceCases(tb testing.TB) []conformanceCase {
	tb.Helper()
	path := filepath.Join(corpusDir(tb), "conformance.json")
	var raw []json.RawMessage
	readJSON(tb, path, &raw)
	cases := make([]conformanceCase, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &cases[i]); err != nil {
			tb.Fatal(err)
		}
		var keys map[string]json.RawMessage
		_ = json.Unmarshal(r, &keys)
		_, cases[i].HasRetry = keys["retry"]
	}
	return cases
}
