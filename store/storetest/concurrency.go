package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/palisade/palisade/store"
)

// testConcurrentCounter has goroutines increment a counter in one document
// by read-modify-write with If-Match, retrying on a failed precondition or
// a conflict: no update may be lost.
func testConcurrentCounter(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Palisade.Test/counters/c"
	base := doc(t, id, "", nil)
	base.Body = json.RawMessage(`{"n":0}`)
	put(t, s, base)
	const workers, increments = 8, 15
	var wg sync.WaitGroup
	var retries atomic.Int64
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < increments; i++ {
				for attempt := 0; ; attempt++ {
					if attempt > 1000 {
						errs <- errors.New("too many retries")
						return
					}
					err := s.Update(ctx(t), func(tx store.Tx) error {
						cur, err := tx.Get(ctx(t), id)
						if err != nil {
							return err
						}
						var v struct{ N int }
						if err := json.Unmarshal(cur.Body, &v); err != nil {
							return err
						}
						next := *cur
						next.Body, _ = json.Marshal(map[string]int{"n": v.N + 1})
						_, err = tx.Put(ctx(t), &next, store.Condition{IfMatch: cur.ETag})
						return err
					})
					if errors.Is(err, store.ErrPreconditionFailed) || errors.Is(err, store.ErrConflict) {
						retries.Add(1)
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var v struct{ N int }
	if err := json.Unmarshal(mustGet(t, s, id).Body, &v); err != nil {
		t.Fatal(err)
	}
	if v.N != workers*increments {
		t.Errorf("counter = %d, want %d (lost updates)", v.N, workers*increments)
	}
	t.Logf("%d retries", retries.Load())
}

// testConcurrentCreate has goroutines create the same document with
// If-None-Match: *; exactly one may succeed.
func testConcurrentCreate(t *testing.T, s store.Store) {
	for round := 0; round < 5; round++ {
		id := rg1 + "/providers/Palisade.Test/things/t" + strings.Repeat("x", round)
		const workers = 6
		var wg sync.WaitGroup
		var wins, lost atomic.Int64
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Update(ctx(t), func(tx store.Tx) error {
					_, err := tx.Put(ctx(t), doc(t, id, "", nil), store.Condition{IfNoneMatch: "*"})
					return err
				})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrPreconditionFailed), errors.Is(err, store.ErrConflict):
					lost.Add(1)
				default:
					t.Errorf("create: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || lost.Load() != workers-1 {
			t.Errorf("round %d: %d creates succeeded, %d failed; want 1 and %d", round, wins.Load(), lost.Load(), workers-1)
		}
	}
}

func testSubscribe(t *testing.T, s store.Store) {
	var mu sync.Mutex
	var calls [][]string
	var sawCommitted []bool
	id := rg1 + "/providers/Microsoft.Authorization/policyAssignments/pa"
	s.Subscribe(func(types []string) {
		// Called after the commit: a new transaction sees the write.
		_, err := get(t, s, id)
		mu.Lock()
		calls = append(calls, types)
		sawCommitted = append(sawCommitted, err == nil)
		mu.Unlock()
	})
	snapshot := func() ([][]string, []bool) {
		mu.Lock()
		defer mu.Unlock()
		return append([][]string(nil), calls...), append([]bool(nil), sawCommitted...)
	}

	_ = s.Update(ctx(t), func(tx store.Tx) error {
		if _, err := tx.Put(ctx(t), doc(t, id, "", nil), store.Condition{}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	_ = s.View(ctx(t), func(tx store.Tx) error { _, err := tx.List(ctx(t), store.Query{}); return err })
	_ = s.Update(ctx(t), func(tx store.Tx) error { return tx.PutValue(ctx(t), "ns", "k", []byte("v"), zeroTime) })
	if c, _ := snapshot(); len(c) != 0 {
		t.Fatalf("callbacks after rollback, view or value-only write: %v", c)
	}

	put(t, s, doc(t, id, "", nil), doc(t, rg1+"/providers/Microsoft.Web/sites/w", "", nil), doc(t, rg1+"/providers/Microsoft.Web/sites/w2", "", nil))
	c, saw := snapshot()
	if len(c) != 1 || !sameStrings(c[0], []string{"microsoft.authorization/policyassignments", "microsoft.web/sites"}) || !saw[0] {
		t.Fatalf("after commit: calls %v (saw committed %v), want one call with both types", c, saw)
	}
	_ = s.Update(ctx(t), func(tx store.Tx) error { _, err := tx.Delete(ctx(t), id, store.Condition{}); return err })
	if c, _ := snapshot(); len(c) != 2 || !sameStrings(c[1], []string{"microsoft.authorization/policyassignments"}) {
		t.Fatalf("after delete: calls %v", c)
	}
}

func testTryLock(t *testing.T, s store.Store) {
	unlock, ok, err := s.TryLock(ctx(t), "scan")
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v", ok, err)
	}
	if _, ok, err := s.TryLock(ctx(t), "scan"); err != nil || ok {
		t.Fatalf("second TryLock while held = %v, %v; want not ok", ok, err)
	}
	other, ok, err := s.TryLock(ctx(t), "other-job")
	if err != nil || !ok {
		t.Fatalf("TryLock of another name = %v, %v", ok, err)
	}
	other()
	unlock()
	unlock() // idempotent
	again, ok, err := s.TryLock(ctx(t), "scan")
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock = %v, %v", ok, err)
	}
	again()
}
