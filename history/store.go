package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the conversations' database. Its methods are safe for
// concurrent use.
type Store struct {
	db   *sql.DB
	path string
	// open counts the recorders not yet ended, so Close can wait for
	// their last writes.
	open sync.WaitGroup
	// now is the clock; tests set it.
	now func() time.Time
}

// ErrNewerSchema is a file written by a newer tok: its schema version
// is past [Version], and this one does not guess at it.
var ErrNewerSchema = errors.New("newer schema")

// OpenError is a database [Open] cannot use: its path, and why.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *OpenError) Unwrap() error { return e.Err }

// busyTimeout is how long a write waits for another process's.
const busyTimeout = 5 * time.Second

// Path is where the store lives: $XDG_DATA_HOME/tok/history.db, else
// ~/.local/share/tok/history.db. A relative XDG_DATA_HOME is ignored, as
// the XDG Base Directory spec says.
func Path(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_DATA_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "tok", "history.db"), nil
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return "", errors.New("cannot tell where to keep the history: set HOME or XDG_DATA_HOME")
	}
	return filepath.Join(home, ".local", "share", "tok", "history.db"), nil
}

// Open opens the store at path, creating it (0600, in a 0700 directory)
// if need be, and migrates its schema forward. Its errors are
// [*OpenError]s that say what is wrong in a line; [ErrNewerSchema] for a
// file of a newer tok.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(ctx, path)
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	return s, nil
}

func open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create its directory: %w", unwrapPath(err))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open it: %w", unwrapPath(err))
	}
	f.Close()
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// A page cache of 256 KiB, not SQLite's 2 MB: a tok process runs one
	// command (or one chat), whose reads find the file in the system's
	// cache; the 2 MB were 2.5 MiB of a 1 MB one-shot's peak.
	q.Add("_pragma", "cache_size(-256)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrateWhenFree(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrateWhenFree migrates, trying again while the file is busy: two
// tok processes that create the file at once both switch it to WAL, and
// SQLite answers that switch with SQLITE_BUSY at once rather than wait
// (the busy timeout covers the writes that follow, not it).
func (s *Store) migrateWhenFree(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.migrate(ctx)
		if !busy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// busy reports whether err is SQLite's SQLITE_BUSY.
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// unwrapPath drops the path from an fs error: OpenError says it once.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// migrate brings the schema to Version, one step a transaction.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.step(ctx)
		if err != nil || done {
			return err
		}
	}
}

// step applies the next migration, if any, and reports whether the
// schema is current. The version is read inside the step's transaction,
// so two processes opening an old file at once apply each step once.
func (s *Store) step(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, describe(err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, describe(err)
	}
	switch {
	case v > Version:
		return false, fmt.Errorf("%w: the file is at version %d, this tok writes %d: upgrade tok, or set XDG_DATA_HOME to keep another history", ErrNewerSchema, v, Version)
	case v == Version:
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate to version %d: %w", v+1, describe(err))
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("migrate to version %d: %w", v+1, describe(err))
	}
	return false, describe(tx.Commit())
}

// describe puts SQLite's errors that a user can act on in words.
func describe(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return errors.New("it is not a tok history database, or it is damaged: move it aside and tok starts a new one")
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return errors.New("it cannot be written here: check the permissions of the file and its directory")
	case sqlite3.SQLITE_FULL:
		return errors.New("the disk is full")
	}
	return err
}

// Path returns the file the store reads and writes.
func (s *Store) Path() string { return s.path }

// Close waits, up to closeWait, for the answers still being saved to
// end, then closes the database.
func (s *Store) Close() error {
	done := make(chan struct{})
	go func() {
		s.open.Wait()
		close(done)
	}()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	return s.db.Close()
}

// closeWait bounds Close's wait for recorders that were never ended.
const closeWait = 3 * time.Second

// millis is t as the store keeps times: unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis is the inverse of millis; 0 is the zero time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
