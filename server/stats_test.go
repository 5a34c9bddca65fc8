package server

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestStatsKeepTheLastRecordsInOrder(t *testing.T) {
	var l statsLog
	for i := 0; i < maxRecords+5; i++ {
		l.start(Record{Path: "/" + itoa(i)})
	}
	recs := l.snapshot()
	if len(recs) != maxRecords || recs[0].Path != "/5" || recs[len(recs)-1].Path != "/"+itoa(maxRecords+4) {
		t.Fatalf("%d records, from %s to %s", len(recs), recs[0].Path, recs[len(recs)-1].Path)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].ID != recs[i-1].ID+1 {
			t.Fatalf("records out of order at %d: %d after %d", i, recs[i].ID, recs[i-1].ID)
		}
	}
	l.reset()
	l.start(Record{Path: "/again"})
	if recs := l.snapshot(); len(recs) != 1 || recs[0].Path != "/again" {
		t.Errorf("after reset: %+v", recs)
	}
}

func TestStatsClipEveryStringOfARecord(t *testing.T) {
	var l statsLog
	big := strings.Repeat("日", 1<<18) // 768 KiB
	rec := l.start(Record{Method: big, Path: big, Scenario: big})
	l.update(rec, func(r *Record) { r.Error, r.SessionID, r.LastEventID, r.Upstream = big, big, big, big })
	got := l.snapshot()[0]
	for name, f := range map[string]string{"method": got.Method, "path": got.Path, "scenario": got.Scenario, "error": got.Error,
		"session": got.SessionID, "last event id": got.LastEventID, "upstream": got.Upstream} {
		if len(f) > maxField || !utf8.ValidString(f) || !strings.HasSuffix(f, "…") {
			t.Errorf("%s: %d bytes, valid %v", name, len(f), utf8.ValidString(f))
		}
	}
}

func TestMemoryStoreIsBoundedInAll(t *testing.T) {
	m := NewMemoryStore()
	clock := time.Now()
	m.now = func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	token := strings.Repeat("x", maxSessionBytes) // shared, so the test holds one copy
	n := maxStoreBytes/maxSessionBytes + 8
	for i := 0; i < n; i++ {
		m.Append(context.Background(), "s"+itoa(i), 0, token)
	}
	if m.bytes > maxStoreBytes || len(m.sessions) != maxStoreBytes/maxSessionBytes {
		t.Errorf("%d sessions of %d bytes in all, want at most %d bytes", len(m.sessions), m.bytes, maxStoreBytes)
	}
	if _, _, ok, _ := m.Load(context.Background(), "s"+itoa(n-1)); !ok {
		t.Error("the newest session was evicted")
	}
	if _, _, ok, _ := m.Load(context.Background(), "s0"); ok {
		t.Error("the oldest session was kept")
	}
}
