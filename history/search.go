package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// searchWeights are bm25's weights for turns_fts's prompt and answer
// columns.
const searchWeights = "10.0, 1.0"

// searchCandidates bounds the turns a search ranks in each tier: the
// newest that match. Ranking costs some 2 µs a turn, so a word in every
// conversation is ranked among the newest of them, in bounded time.
const searchCandidates = 2000

// Search finds the conversations whose prompts or answers hold query
// (FTS5's query syntax; plain words are matched as words, each of them),
// at most n (all when n <= 0): first those whose prompts match, then
// those whose answers do, each tier in bm25's order among its newest
// searchCandidates matching turns. A conversation shows its best turn.
//
// An answer saved since schema version 4 is indexed in parts of about
// 64 KiB (see [Recorder]): the words of a search are found together
// within one part, which for most answers is the whole answer.
func (s *Store) Search(ctx context.Context, query string, n int) ([]Hit, error) {
	match := ftsQuery(query)
	if match == "" {
		return nil, errors.New("nothing to search for: give a word")
	}
	if n <= 0 {
		n = math.MaxInt
	}
	var hits []Hit
	seen := map[string]bool{}
	for _, field := range []string{"prompt", "answer"} {
		found, err := s.searchTier(ctx, field, match, n-len(hits), seen)
		if err != nil {
			return nil, err
		}
		for i := range found {
			found[i].Field = field
			if err := s.snippet(ctx, match, &found[i]); err != nil {
				return nil, err
			}
		}
		hits = append(hits, found...)
		if len(hits) >= n {
			break
		}
	}
	return hits, nil
}

// tierQuery is the SQL of the turns whose field matches, with their
// rank: turns_fts's column, and for answers the parts' index too (a
// turn's best part).
func tierQuery(field string) string {
	ranked := fmt.Sprintf(`SELECT rowid AS turn, bm25(turns_fts, %s) AS rank, 0 AS part FROM turns_fts
		WHERE turns_fts MATCH ?1 ORDER BY rowid DESC LIMIT %d`, searchWeights, searchCandidates)
	if field == "answer" { // min's row gives the part (SQLite's bare columns)
		ranked = fmt.Sprintf(`SELECT * FROM (%s) UNION ALL SELECT p.turn_id, min(f.rank), f.id FROM (
				SELECT rowid AS id, rank FROM turn_parts_fts WHERE turn_parts_fts MATCH ?2
				ORDER BY rowid DESC LIMIT %d
			) f JOIN turn_parts p ON p.id = f.id GROUP BY p.turn_id`, ranked, searchCandidates)
	}
	return `WITH c AS MATERIALIZED (` + ranked + `)
		SELECT t.conversation_id, c.turn, t.seq, c.rank, c.part FROM c JOIN turns t ON t.id = c.turn ORDER BY c.rank`
}

// searchTier finds up to n conversations not yet seen whose turns'
// field matches, best first, and marks them seen.
func (s *Store) searchTier(ctx context.Context, field, match string, n int, seen map[string]bool) ([]Hit, error) {
	rows, err := s.db.QueryContext(ctx, tierQuery(field), "{"+field+"} : ("+match+")", match)
	if err != nil {
		return nil, searchError(err)
	}
	var hits []Hit
	for len(hits) < n && rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ID, &h.turn, &h.Seq, &h.Rank, &h.part); err != nil {
			rows.Close()
			return nil, describe(err)
		}
		if !seen[h.ID] {
			seen[h.ID] = true
			hits = append(hits, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, searchError(err)
	}
	for i := range hits {
		if err := s.summary(ctx, &hits[i].Summary); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// summary fills in the summary of the conversation sum.ID.
func (s *Store) summary(ctx context.Context, sum *Summary) error {
	got, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM conversations c WHERE c.id = ?`, sum.ID))
	if err != nil {
		return describe(err)
	}
	*sum = got
	return nil
}

// snippet fills in the text around the match in the hit's turn, from
// the field that matched (for an answer saved in parts, its best part).
func (s *Store) snippet(ctx context.Context, match string, h *Hit) error {
	col := 0
	if h.Field == "answer" {
		col = 1
	}
	q := `SELECT snippet(turns_fts, ?, ?, ?, '…', 12) FROM turns_fts WHERE turns_fts MATCH ? AND rowid = ?`
	args := []any{col, MarkStart, MarkEnd, match, h.turn}
	if h.part != 0 {
		q = `SELECT snippet(turn_parts_fts, 0, ?, ?, '…', 12) FROM turn_parts_fts WHERE turn_parts_fts MATCH ? AND rowid = ?`
		args = []any{MarkStart, MarkEnd, match, h.part}
	}
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&h.Snippet)
	if err != nil {
		return searchError(err)
	}
	h.Snippet = strings.Join(strings.Fields(h.Snippet), " ")
	return nil
}

// ftsQuery makes FTS5 query syntax of what the user typed: each word
// quoted, so punctuation is never syntax ("gpt-4o" is a word, not a
// column filter), unless the query uses FTS5's syntax on purpose: a
// double quote, an operator (AND, OR, NOT, NEAR) or a prefix star.
func ftsQuery(q string) string {
	words := strings.Fields(q)
	for _, w := range words {
		if strings.Contains(w, `"`) || w == "AND" || w == "OR" || w == "NOT" || strings.HasPrefix(w, "NEAR(") ||
			len(w) > 1 && strings.HasSuffix(w, "*") {
			return strings.TrimSpace(q)
		}
	}
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " ")
}

// searchError says that FTS5 could not read a query, when that is it.
func searchError(err error) error {
	if err != nil && (strings.Contains(err.Error(), "fts5: syntax error") || strings.Contains(err.Error(), "no such column")) {
		return fmt.Errorf("the search is not one FTS5 reads (%v): quote words with punctuation, as in: tok history search '\"gpt-4\"'", err)
	}
	return describe(err)
}
