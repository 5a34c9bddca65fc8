package history

import (
	"context"
	"fmt"
	"strings"
)

// PromptMax is the longest prompt [Store.Prompts] returns, in bytes:
// longer ones are piped files or pasted logs, not questions one recalls
// to edit, and would fill the chat's input box.
const PromptMax = 16 << 10

// promptScan bounds the turns [Store.Prompts] reads for each prompt it
// may return: a prompt asked again (retried, or asked every day) takes a
// row each time, and the rows read stay bounded however many there are.
const promptScan = 4

// Prompts returns the prompts asked most recently, across every
// conversation, newest first and each once: at most n of them (n > 0),
// none over [PromptMax] bytes. It reads the newest promptScan × n turns,
// newest first by row (a turn's row is its insertion order, the order
// the questions were asked in), so its cost follows n, not the
// history's size, and no index is needed; a prompt left out for its
// size is not read.
func (s *Store) Prompts(ctx context.Context, n int) ([]string, error) {
	if n <= 0 {
		return nil, fmt.Errorf("history: Prompts needs a positive count, not %d", n)
	}
	// octet_length of a column is read from the record's header, not
	// from the text: an 8 MiB piped prompt costs nothing to leave out.
	rows, err := s.db.QueryContext(ctx, `SELECT t.prompt FROM (
			SELECT id, octet_length(prompt) AS size FROM turns ORDER BY id DESC LIMIT ?
		) r JOIN turns t ON t.id = r.id WHERE r.size <= ? ORDER BY r.id DESC`, promptScan*n, PromptMax)
	if err != nil {
		return nil, describe(err)
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for len(out) < n && rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, describe(err)
		}
		if !seen[p] && strings.TrimSpace(p) != "" {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, describe(rows.Err())
}
