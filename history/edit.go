package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Delete removes the conversations ids (whole ids) with their turns, and
// returns how many there were.
func (s *Store) Delete(ctx context.Context, ids ...string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, describe(err)
	}
	defer tx.Rollback()
	n := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE id = ?`, id)
		if err != nil {
			return 0, describe(err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, describe(tx.Commit())
}

// UsedBefore lists the conversations last used before t, newest first.
func (s *Store) UsedBefore(ctx context.Context, t time.Time) ([]Summary, error) {
	return s.summaries(ctx, `SELECT `+summaryCols+` FROM conversations c WHERE c.used_at < ?
		ORDER BY c.used_at DESC`, millis(t))
}

// Rename gives the conversation id (a whole id) a new title.
func (s *Store) Rename(ctx context.Context, id, title string) error {
	title = Title(title)
	if title == "" {
		return errors.New("the title is empty: give some words")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE conversations SET title = ? WHERE id = ?`, title, id)
	if err != nil {
		return describe(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return nil
}

// Backup writes a copy of the store to path (VACUUM INTO): a whole,
// compact database, consistent even while another tok writes. It does
// not overwrite a file.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: give a new file's name", path)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, describe(err))
	}
	return os.Chmod(path, 0o600)
}
