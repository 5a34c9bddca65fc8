package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a SessionStore in Redis, shaped as the seed server's: a
// list of tokens per session at tok:session:ID and a done marker at
// tok:session:ID:done, both expiring an hour after the last write. Several
// tok serve instances sharing one Redis can resume each other's streams.
type RedisStore struct {
	rdb *redis.Client
}

// ErrRedisURL is reported for a Redis URL that does not parse.
var ErrRedisURL = errors.New("not a Redis URL")

// NewRedisStore connects to the Redis at url (redis://host:port/db) and
// checks that it answers.
func NewRedisStore(url string) (*RedisStore, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRedisURL, err)
	}
	opt.DialerRetries = 1 // a Redis that is down should say so in seconds
	// The server gives each call a short deadline: a Redis that hangs must
	// cost a stream that, not go-redis's own read timeout per token.
	opt.ContextTimeoutEnabled = true
	redis.SetLogger(quiet{})
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opt.Addr, err)
	}
	return &RedisStore{rdb: rdb}, nil
}

// quiet drops go-redis's own log lines: its failures reach the caller as
// errors, and a library that prints on stderr garbles tok's one-line errors.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Close closes the connection pool.
func (s *RedisStore) Close() error { return s.rdb.Close() }

func sessionKey(id string) string { return "tok:session:" + id }

// appendScript appends a token only at the list's end, so a token that is
// stored twice (two writers, a retried call) does not shift the indexes.
var appendScript = redis.NewScript(`
if redis.call('LLEN', KEYS[1]) == tonumber(ARGV[1]) then
  redis.call('RPUSH', KEYS[1], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`)

// Append implements SessionStore.
func (s *RedisStore) Append(ctx context.Context, id string, index int, token string) error {
	err := appendScript.Run(ctx, s.rdb, []string{sessionKey(id)}, index, token, int(SessionTTL.Seconds())).Err()
	if err != nil {
		return fmt.Errorf("store token %d of session %s: %w", index, id, err)
	}
	return nil
}

// Finish implements SessionStore.
func (s *RedisStore) Finish(ctx context.Context, id string) error {
	if err := s.rdb.Set(ctx, sessionKey(id)+":done", "1", SessionTTL).Err(); err != nil {
		return fmt.Errorf("finish session %s: %w", id, err)
	}
	return nil
}

// Load implements SessionStore.
func (s *RedisStore) Load(ctx context.Context, id string) ([]string, bool, bool, error) {
	pipe := s.rdb.Pipeline()
	tokens := pipe.LRange(ctx, sessionKey(id), 0, -1)
	done := pipe.Exists(ctx, sessionKey(id)+":done")
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, false, false, fmt.Errorf("load session %s: %w", id, err)
	}
	isDone := done.Val() == 1
	return tokens.Val(), isDone, len(tokens.Val()) > 0 || isDone, nil
}
