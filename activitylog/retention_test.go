package activitylog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

// agedStore holds one event per day for the 100 days before now, ids
// "day-N" for an event N days old.
func agedStore(t *testing.T, now time.Time) store.Store {
	t.Helper()
	db, err := sqlite.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var events []*activitylog.Event
	for n := 0; n < 100; n++ {
		b := activitylog.NewBuilder(func() time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) },
			func() string { return fmt.Sprintf("day-%03d", n) })
		e, err := b.Finished(storageRequest("PUT", user(true), ""), 200, nil)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	if err := db.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvents(context.Background(), activitylog.StoreEvents(events))
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// remaining returns the ids of the stored events, newest first.
func remaining(t *testing.T, st store.Store) []string {
	t.Helper()
	var out []string
	err := st.View(context.Background(), func(tx store.Tx) error {
		p, err := tx.QueryEvents(context.Background(), store.EventQuery{From: time.Unix(0, 0), To: time.Now().Add(1000 * 24 * time.Hour)})
		for _, e := range p.Events {
			out = append(out, e.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestPurge deletes what is older than the cut-off and nothing else.
func TestPurge(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	st := agedStore(t, now)
	n, err := activitylog.Purge(context.Background(), st, now.Add(-activitylog.DefaultRetention))
	if err != nil {
		t.Fatal(err)
	}
	// Days 0..90 are kept (day 90 is exactly at the cut-off); 91..99 go.
	left := remaining(t, st)
	if n != 9 || len(left) != 91 || left[0] != "day-000" || left[90] != "day-090" {
		t.Errorf("purged %d, %d left (%v … %v)", n, len(left), left[0], left[len(left)-1])
	}
	if n, err := activitylog.Purge(context.Background(), st, now.Add(-activitylog.DefaultRetention)); err != nil || n != 0 {
		t.Errorf("second purge: %d, %v", n, err)
	}
}

// fakeTimer stands in for time.After: Run blocks until the test ticks.
type fakeTimer struct {
	waits chan time.Duration
	ticks chan time.Time
}

func (f *fakeTimer) after(d time.Duration) <-chan time.Time {
	f.waits <- d
	return f.ticks
}

// TestRetentionRun drives the background job with a fake clock: it purges
// at start, again on every tick as the clock moves, and stops with its
// context.
func TestRetentionRun(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	st := agedStore(t, start)
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	timer := &fakeTimer{waits: make(chan time.Duration), ticks: make(chan time.Time)}
	r := &activitylog.Retention{Store: st, Keep: 30 * 24 * time.Hour, Every: 6 * time.Hour, Now: clock, After: timer.after, Logger: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()

	if d := <-timer.waits; d != 6*time.Hour {
		t.Errorf("waits %v between purges, want 6h", d)
	}
	if left := remaining(t, st); len(left) != 31 || left[30] != "day-030" {
		t.Errorf("after the first purge %d events are left, oldest %s", len(left), left[len(left)-1])
	}
	// Ten days later the next tick forgets ten more days.
	mu.Lock()
	now = now.Add(10 * 24 * time.Hour)
	mu.Unlock()
	timer.ticks <- now
	<-timer.waits
	if left := remaining(t, st); len(left) != 21 || left[20] != "day-020" {
		t.Errorf("after the second purge %d events are left, oldest %s", len(left), left[len(left)-1])
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
}

// TestRetentionLock: while another replica holds the retention lock, a
// purge does nothing.
func TestRetentionLock(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	st := agedStore(t, now)
	unlock, ok, err := st.TryLock(context.Background(), "activitylog-retention")
	if err != nil || !ok {
		t.Fatalf("TryLock: %v %v", ok, err)
	}
	r := &activitylog.Retention{Store: st, Now: func() time.Time { return now }, Logger: quiet}
	if n := r.Once(context.Background()); n != 0 || len(remaining(t, st)) != 100 {
		t.Errorf("purged %d events while the lock was held elsewhere", n)
	}
	unlock()
	if n := r.Once(context.Background()); n != 9 {
		t.Errorf("purged %d events after the lock was released, want 9", n)
	}
}
