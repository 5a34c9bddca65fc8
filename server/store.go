package server

import (
	"context"
	"sync"
	"time"
)

// SessionStore keeps the text tokens of resumable answers, so a client
// that lost its connection can ask for the rest (../shared/PROTOCOL.md).
// Implementations are safe for concurrent use.
type SessionStore interface {
	// Append stores the token at index of the session's answer.
	Append(ctx context.Context, session string, index int, token string) error
	// Finish marks the session's answer complete.
	Finish(ctx context.Context, session string) error
	// Load returns the stored tokens, whether the answer completed, and
	// ok=false when the session is unknown (never seen, or expired).
	Load(ctx context.Context, session string) (tokens []string, done, ok bool, err error)
}

// Session limits of the in-memory store.
const (
	SessionTTL        = time.Hour
	maxSessions       = 10000
	maxSessionBytes   = 1 << 20
	maxStoreBytes     = 64 << 20
	sweepEveryAppends = 1024
)

// MemoryStore is a SessionStore in this process's memory, bounded in
// sessions, in bytes per session and in bytes in all, each session
// expiring an hour after its last token.
type MemoryStore struct {
	mu       sync.Mutex
	sessions map[string]*memSession
	bytes    int // of the tokens of all sessions
	appends  int
	now      func() time.Time
}

type memSession struct {
	tokens  []string
	bytes   int
	done    bool
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{sessions: make(map[string]*memSession), now: time.Now}
}

// Append implements SessionStore. Tokens past the session's byte bound, or
// out of order, are not kept; a new session past the session bound, or a
// token past the store's byte bound, evicts the sessions closest to
// expiring.
func (m *MemoryStore) Append(_ context.Context, id string, index int, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[id]
	if s == nil {
		if len(m.sessions) >= maxSessions {
			m.evict(id)
		}
		s = &memSession{}
		m.sessions[id] = s
	}
	s.expires = m.now().Add(SessionTTL)
	if index == len(s.tokens) && s.bytes+len(token) <= maxSessionBytes {
		for m.bytes+len(token) > maxStoreBytes && m.evict(id) {
		}
		s.tokens = append(s.tokens, token)
		s.bytes += len(token)
		m.bytes += len(token)
	}
	if m.appends++; m.appends%sweepEveryAppends == 0 {
		m.sweep()
	}
	return nil
}

// Finish implements SessionStore.
func (m *MemoryStore) Finish(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sessions[id]; s != nil {
		s.done = true
	}
	return nil
}

// Load implements SessionStore.
func (m *MemoryStore) Load(_ context.Context, id string) ([]string, bool, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[id]
	if s == nil || m.now().After(s.expires) {
		m.drop(id)
		return nil, false, false, nil
	}
	return append([]string(nil), s.tokens...), s.done, true, nil
}

func (m *MemoryStore) sweep() {
	now := m.now()
	for id, s := range m.sessions {
		if now.After(s.expires) {
			m.drop(id)
		}
	}
}

// evict drops the session closest to expiring other than keep, and
// reports whether there was one.
func (m *MemoryStore) evict(keep string) bool {
	var oldest *memSession
	var oldestID string
	for id, s := range m.sessions {
		if id != keep && (oldest == nil || s.expires.Before(oldest.expires)) {
			oldest, oldestID = s, id
		}
	}
	if oldest == nil {
		return false
	}
	m.drop(oldestID)
	return true
}

func (m *MemoryStore) drop(id string) {
	if s := m.sessions[id]; s != nil {
		m.bytes -= s.bytes
		delete(m.sessions, id)
	}
}
