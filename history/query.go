package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is an id that names no conversation.
var ErrNotFound = errors.New("no such conversation")

// ErrEmpty is a store with no conversation in it.
var ErrEmpty = errors.New("no saved conversation")

// AmbiguousError is an id prefix that more than one conversation has.
type AmbiguousError struct {
	Prefix string
	IDs    []string // some of them
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q is the start of more than one conversation's id (%s): give more of it", e.Prefix, strings.Join(e.IDs, ", "))
}

// summaryCols are a Summary's columns, for List and Search.
const summaryCols = `c.id, c.title, c.created_at, c.used_at, c.model, c.endpoint,
	(SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)`

func scanSummary(sc interface{ Scan(...any) error }, extra ...any) (Summary, error) {
	var s Summary
	var created, used int64
	err := sc.Scan(append([]any{&s.ID, &s.Title, &created, &used, &s.Model, &s.Endpoint, &s.Turns}, extra...)...)
	s.Created, s.Used = fromMillis(created), fromMillis(used)
	return s, err
}

// List returns the conversations used most recently, newest first: at
// most n of them, or all when n <= 0.
func (s *Store) List(ctx context.Context, n int) ([]Summary, error) {
	q := `SELECT ` + summaryCols + ` FROM conversations c ORDER BY c.used_at DESC, c.rowid DESC`
	if n > 0 {
		q += fmt.Sprintf(" LIMIT %d", n)
	}
	return s.summaries(ctx, q)
}

// summaries runs a query of summaryCols and scans its rows.
func (s *Store) summaries(ctx context.Context, q string, args ...any) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, describe(err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sum, err := scanSummary(rows)
		if err != nil {
			return nil, describe(err)
		}
		out = append(out, sum)
	}
	return out, describe(rows.Err())
}

// Latest returns the id of the conversation used most recently, or
// [ErrEmpty].
func (s *Store) Latest(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM conversations ORDER BY used_at DESC, rowid DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrEmpty
	}
	return id, describe(err)
}

// Resolve returns the id of the conversation whose id is prefix, or
// starts with it: [ErrNotFound] when none does, an [*AmbiguousError]
// when several do.
func (s *Store) Resolve(ctx context.Context, prefix string) (string, error) {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if prefix == "" || strings.ContainsAny(prefix, "%_\\") {
		return "", fmt.Errorf("%w: %q", ErrNotFound, prefix)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM conversations WHERE id >= ? AND id < ? ORDER BY id LIMIT 4`,
		prefix, prefix+"\xff")
	if err != nil {
		return "", describe(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", describe(err)
		}
		if id == prefix {
			return id, nil
		}
		ids = append(ids, id)
	}
	switch {
	case rows.Err() != nil:
		return "", describe(rows.Err())
	case len(ids) == 0:
		return "", fmt.Errorf("%w: %q", ErrNotFound, prefix)
	case len(ids) > 1:
		return "", &AmbiguousError{Prefix: prefix, IDs: ids}
	}
	return ids[0], nil
}

// Load returns the conversation id (a whole id: see [Store.Resolve]) with
// its turns and their tool calls.
func (s *Store) Load(ctx context.Context, id string) (*Conversation, error) {
	c := &Conversation{ID: id}
	var created, used int64
	e := &c.Endpoint
	err := s.db.QueryRowContext(ctx, `SELECT title, created_at, used_at, endpoint, endpoint_name, provider, api,
		base_url, url, model, dialect, system FROM conversations WHERE id = ?`, id).Scan(&c.Title, &created, &used,
		&e.Label, &e.Name, &e.Provider, &e.API, &e.BaseURL, &e.URL, &e.Model, &e.Dialect, &c.System)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, describe(err)
	}
	c.Created, c.Used = fromMillis(created), fromMillis(used)
	ids, err := s.loadTurns(ctx, c)
	if err != nil {
		return nil, err
	}
	return c, s.loadTools(ctx, c, ids)
}

func (s *Store) loadTurns(ctx context.Context, c *Conversation) (map[int64]int, error) {
	// A turn still streaming, or whose process died, has its texts in parts.
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.seq, t.prompt, t.answer || `+joined(partAnswer, "t.id")+`,
		t.thinking || `+joined(partThinking, "t.id")+`, t.ending, t.error, t.resumed, t.retried, t.model,
		t.input_tokens, t.output_tokens, t.first_token_ms, t.tokens_per_second, t.started_at, t.ended_at
		FROM turns t WHERE t.conversation_id = ? ORDER BY t.seq`, c.ID)
	if err != nil {
		return nil, describe(err)
	}
	defer rows.Close()
	ids := map[int64]int{}
	for rows.Next() {
		var t Turn
		var id, firstMS, started, ended int64
		var ending string
		err := rows.Scan(&id, &t.Seq, &t.Prompt, &t.Answer, &t.Thinking, &ending, &t.Error, &t.Resumed, &t.Retried,
			&t.Model, &t.Usage.InputTokens, &t.Usage.OutputTokens, &firstMS, &t.TokensPerSecond, &started, &ended)
		if err != nil {
			return nil, describe(err)
		}
		t.Ending, t.FirstToken = Ending(ending), time.Duration(firstMS)*time.Millisecond
		t.Started, t.Ended = fromMillis(started), fromMillis(ended)
		ids[id] = len(c.Turns)
		c.Turns = append(c.Turns, t)
	}
	return ids, describe(rows.Err())
}

func (s *Store) loadTools(ctx context.Context, c *Conversation, ids map[int64]int) error {
	rows, err := s.db.QueryContext(ctx, `SELECT k.turn_id, k.call_id, k.name, k.arguments, k.result, k.state, k.answer_offset,
		k.is_error, k.signature FROM tool_calls k JOIN turns t ON t.id = k.turn_id WHERE t.conversation_id = ? ORDER BY k.turn_id, k.seq`, c.ID)
	if err != nil {
		return describe(err)
	}
	defer rows.Close()
	for rows.Next() {
		var turn int64
		var k ToolCall
		if err := rows.Scan(&turn, &k.ID, &k.Name, &k.Arguments, &k.Result, &k.State, &k.Offset, &k.IsError, &k.Signature); err != nil {
			return describe(err)
		}
		if i, ok := ids[turn]; ok {
			c.Turns[i].Tools = append(c.Turns[i].Tools, k)
		}
	}
	return describe(rows.Err())
}
