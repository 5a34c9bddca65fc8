package history

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Ask is a question about to be asked, for [Store.Begin].
type Ask struct {
	// Conversation is the conversation it belongs to: one with an ID
	// not yet in the store is created with it (give Title, Endpoint,
	// System); an existing one gets its Used time, and its endpoint's
	// Model and Label, updated. An empty ID makes a new one.
	Conversation Conversation
	Prompt       string
	// Retry marks the conversation's last turn as retried: this turn
	// asks its question again.
	Retry bool
}

// NewID returns a new conversation id: 16 lower-case hex digits.
func NewID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Begin saves a question and returns the [Recorder] that saves its
// answer as it streams. It returns the conversation's ID (a new one when
// Ask.Conversation had none).
func (s *Store) Begin(ctx context.Context, a Ask) (*Recorder, error) {
	c := a.Conversation
	if c.ID == "" {
		c.ID = NewID()
	}
	now := millis(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, describe(err)
	}
	defer tx.Rollback()
	e := c.Endpoint
	_, err = tx.ExecContext(ctx, `INSERT INTO conversations
		(id, title, created_at, used_at, endpoint, endpoint_name, provider, api, base_url, url, model, dialect, system)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET used_at = excluded.used_at,
			model = CASE excluded.model WHEN '' THEN model ELSE excluded.model END,
			endpoint = CASE excluded.endpoint WHEN '' THEN endpoint ELSE excluded.endpoint END`,
		c.ID, Title(c.Title), now, now, e.Label, e.Name, e.Provider, e.API, e.BaseURL, e.URL, e.Model, e.Dialect, c.System)
	if err != nil {
		return nil, describe(err)
	}
	if a.Retry {
		if _, err := tx.ExecContext(ctx, `UPDATE turns SET retried = 1 WHERE conversation_id = ?
			AND seq = (SELECT max(seq) FROM turns WHERE conversation_id = ?)`, c.ID, c.ID); err != nil {
			return nil, describe(err)
		}
	}
	var id int64
	var seq int
	err = tx.QueryRowContext(ctx, `INSERT INTO turns (conversation_id, seq, prompt, started_at)
		VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM turns WHERE conversation_id = ?), ?, ?)
		RETURNING id, seq`, c.ID, c.ID, a.Prompt, now).Scan(&id, &seq)
	if err != nil {
		return nil, describe(err)
	}
	if err := tx.Commit(); err != nil {
		return nil, describe(err)
	}
	return s.newRecorder(c.ID, id, seq), nil
}

// Title makes a title of a prompt: its first line that is not blank,
// trimmed and at most titleMax runes.
func Title(prompt string) string {
	for line := range strings.Lines(prompt) {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			if r := []rune(line); len(r) > titleMax {
				return string(r[:titleMax-1]) + "…"
			}
			return line
		}
	}
	return ""
}

// titleMax bounds a title, in runes.
const titleMax = 100
