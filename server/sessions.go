package server

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// StoreTimeout is the default deadline of each call to the session store.
const StoreTimeout = 500 * time.Millisecond

// sessions is the server's [SessionStore] behind a deadline per call, so a
// store that hangs (a Redis that stopped answering) costs a stream one
// deadline, not one per token.
//
// Invariants:
//   - A call returns within the deadline, whether or not the store honours
//     its context; a store call that outlives it finishes in the background.
//   - A session whose store call failed is kept no more: its answer goes
//     on, not resumable, and a resume of it is refused (404) rather than
//     served from a store that lacks tokens.
//   - An outage is logged once, when the first call fails, and its end
//     once, when a write succeeds again (a store may answer reads and
//     hang on writes).
type sessions struct {
	store   SessionStore
	timeout time.Duration
	log     *log.Logger
	down    atomic.Bool

	mu   sync.Mutex
	lost map[string]time.Time // sessions not kept in full, until they would expire
}

func newSessions(store SessionStore, timeout time.Duration, l *log.Logger) *sessions {
	if timeout <= 0 {
		timeout = StoreTimeout
	}
	return &sessions{store: store, timeout: timeout, log: l, lost: make(map[string]time.Time)}
}

// errStoreTimeout is a store call that ran out of time.
var errStoreTimeout = errors.New("the session store did not answer in time")

// call runs f with the deadline and notes the store's health; write says
// whether f writes.
func (ss *sessions) call(ctx context.Context, write bool, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ss.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("%w (%s)", errStoreTimeout, ss.timeout)
	}
	switch {
	case err != nil && ss.down.CompareAndSwap(false, true):
		ss.log.Printf("the session store failed: %s; answers go on without being kept, and cannot be resumed, until it answers again",
			strconv.QuoteToASCII(clip(err.Error(), 300)))
	case err == nil && write && ss.down.CompareAndSwap(true, false):
		ss.log.Printf("the session store answers again")
	}
	return err
}

// load reads a session for a resume.
func (ss *sessions) load(ctx context.Context, id string) (tokens []string, done, ok bool, err error) {
	err = ss.call(ctx, false, func(ctx context.Context) error {
		var err error
		tokens, done, ok, err = ss.store.Load(ctx, id)
		return err
	})
	if err != nil {
		return nil, false, false, err
	}
	return tokens, done, ok, nil
}

// isLost reports whether the session's tokens were not all kept.
func (ss *sessions) isLost(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	until, ok := ss.lost[id]
	return ok && time.Now().Before(until)
}

// markLost notes a session that was not kept in full, bounded as the
// memory store is.
func (ss *sessions) markLost(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := time.Now()
	if len(ss.lost) >= maxSessions {
		for k, until := range ss.lost {
			if now.After(until) || len(ss.lost) >= maxSessions {
				delete(ss.lost, k)
			}
		}
	}
	ss.lost[id] = now.Add(SessionTTL)
}

// keeper keeps one answer's text tokens for resume; the zero session, or
// a lost one, keeps nothing.
func (ss *sessions) keeper(ctx context.Context, session string) *keeper {
	return &keeper{ss: ss, ctx: ctx, session: session, failed: session != "" && ss.isLost(session)}
}

// keeper stores one session's tokens until a store call fails.
type keeper struct {
	ss      *sessions
	ctx     context.Context
	session string
	failed  bool
}

// append stores the token at index.
func (k *keeper) append(index int, token string) {
	k.do(func(ctx context.Context) error { return k.ss.store.Append(ctx, k.session, index, token) })
}

// finish marks the answer whole.
func (k *keeper) finish() {
	k.do(func(ctx context.Context) error { return k.ss.store.Finish(ctx, k.session) })
}

func (k *keeper) do(f func(ctx context.Context) error) {
	if k.session == "" || k.failed {
		return
	}
	if k.ss.call(k.ctx, true, f) != nil {
		k.failed = true
		k.ss.markLost(k.session)
	}
}
