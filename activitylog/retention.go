package activitylog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/palisade/palisade/store"
)

// DefaultRetention is how long Azure keeps activity-log events: 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultRetentionInterval is how often RunRetention purges by default.
const DefaultRetentionInterval = time.Hour

// retentionLock is the store lock that keeps the retention job to one
// replica at a time.
const retentionLock = "activitylog-retention"

// Purge deletes the events older than before and returns how many.
func Purge(ctx context.Context, st store.Store, before time.Time) (int, error) {
	var n int
	err := st.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteEventsBefore(ctx, before)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge activity log before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}

// Retention is the background job that forgets old events. The zero
// values of its optional fields are the defaults.
type Retention struct {
	// Store holds the events.
	Store store.Store
	// Keep is how long events are kept; DefaultRetention when zero.
	Keep time.Duration
	// Every is the time between purges; DefaultRetentionInterval when zero.
	Every time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// After waits between purges; time.After when nil (tests inject a fake).
	After func(time.Duration) <-chan time.Time
	// Logger receives purge results and failures; slog.Default when nil.
	Logger *slog.Logger
}

// RunRetention purges events older than keep now and then every interval
// until ctx ends; zero durations mean the defaults (90 days, hourly).
func RunRetention(ctx context.Context, st store.Store, keep, every time.Duration) {
	(&Retention{Store: st, Keep: keep, Every: every}).Run(ctx)
}

// Run purges once at once and then every r.Every until ctx ends. Among
// replicas sharing a store only the holder of the retention lock purges;
// the others try again at the next tick. Failures are logged and retried
// at the next tick.
func (r *Retention) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = DefaultRetentionInterval
	}
	after := r.After
	if after == nil {
		after = time.After
	}
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-after(every):
		}
	}
}

// Once runs one purge under the retention lock and returns how many events
// it deleted (0 when another replica holds the lock).
func (r *Retention) Once(ctx context.Context) int {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	keep := r.Keep
	if keep <= 0 {
		keep = DefaultRetention
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	unlock, ok, err := r.Store.TryLock(ctx, retentionLock)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("activity log retention: lock", "err", err)
		}
		return 0
	}
	if !ok {
		return 0
	}
	defer unlock()
	n, err := Purge(ctx, r.Store, now().Add(-keep))
	if err != nil {
		if ctx.Err() == nil {
			log.Error("activity log retention", "err", err)
		}
		return 0
	}
	if n > 0 {
		log.Info("activity log retention: purged old events", "count", n, "keep", keep.String())
	}
	return n
}
