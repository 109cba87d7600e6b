package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/store"
)

func testValues(t *testing.T, s store.Store) {
	now := time.Now()
	err := s.Update(ctx(t), func(tx store.Tx) error {
		for _, v := range []struct {
			ns, key string
			val     string
			exp     time.Time
		}{
			{"codes", "a", "forever", zeroTime},
			{"codes", "b", "later", now.Add(time.Hour)},
			{"codes", "c", "gone", now.Add(-time.Second)},
			{"tokens", "a", "other namespace", zeroTime},
			{"codes", "empty", "", zeroTime},
		} {
			if err := tx.PutValue(ctx(t), v.ns, v.key, []byte(v.val), v.exp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ns, key string) (string, error) {
		var b []byte
		err := s.View(ctx(t), func(tx store.Tx) error {
			var err error
			b, err = tx.GetValue(ctx(t), ns, key)
			return err
		})
		return string(b), err
	}
	for _, tt := range []struct {
		ns, key, want string
		err           error
	}{
		{"codes", "a", "forever", nil},
		{"codes", "b", "later", nil},
		{"codes", "c", "", store.ErrNotFound},
		{"tokens", "a", "other namespace", nil},
		{"codes", "empty", "", nil},
		{"codes", "missing", "", store.ErrNotFound},
		{"CODES", "a", "", store.ErrNotFound}, // namespaces and keys are exact
	} {
		got, err := read(tt.ns, tt.key)
		if got != tt.want || !errors.Is(err, tt.err) && !(err == nil && tt.err == nil) {
			t.Errorf("GetValue(%s, %s) = %q, %v; want %q, %v", tt.ns, tt.key, got, err, tt.want, tt.err)
		}
	}
	// Replace, then take.
	err = s.Update(ctx(t), func(tx store.Tx) error { return tx.PutValue(ctx(t), "codes", "a", []byte("replaced"), zeroTime) })
	if err != nil {
		t.Fatal(err)
	}
	var taken []byte
	err = s.Update(ctx(t), func(tx store.Tx) error {
		var err error
		taken, err = tx.TakeValue(ctx(t), "codes", "a")
		return err
	})
	if err != nil || string(taken) != "replaced" {
		t.Errorf("TakeValue = %q, %v", taken, err)
	}
	if _, err := read("codes", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("value still there after take: %v", err)
	}
	err = s.Update(ctx(t), func(tx store.Tx) error { _, err := tx.TakeValue(ctx(t), "codes", "c"); return err })
	wantErr(t, "take expired", err, store.ErrNotFound)

	var n int
	err = s.Update(ctx(t), func(tx store.Tx) error {
		if err := tx.PutValue(ctx(t), "codes", "d", []byte("x"), now.Add(-time.Minute)); err != nil {
			return err
		}
		var err error
		n, err = tx.DeleteExpiredValues(ctx(t))
		return err
	})
	// "c" (its failed take rolled back) and "d" are expired.
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredValues = %d, %v; want 2", n, err)
	}
	if got, err := read("codes", "b"); got != "later" || err != nil {
		t.Errorf("unexpired value lost: %q, %v", got, err)
	}
}

// testTakeValueOnce: of concurrent takers exactly one gets a one-time
// value, as authorization codes require.
func testTakeValueOnce(t *testing.T, s store.Store) {
	for round := 0; round < 10; round++ {
		key := fmt.Sprintf("code-%d", round)
		err := s.Update(ctx(t), func(tx store.Tx) error {
			return tx.PutValue(ctx(t), "authcodes", key, []byte("secret"), time.Now().Add(time.Minute))
		})
		if err != nil {
			t.Fatal(err)
		}
		const takers = 4
		results := make(chan error, takers)
		var wg sync.WaitGroup
		for i := 0; i < takers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- s.Update(ctx(t), func(tx store.Tx) error {
					v, err := tx.TakeValue(ctx(t), "authcodes", key)
					if err == nil && string(v) != "secret" {
						return fmt.Errorf("took %q", v)
					}
					return err
				})
			}()
		}
		wg.Wait()
		close(results)
		wins := 0
		for err := range results {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
			default:
				t.Errorf("take: %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d takers got the value, want exactly 1", round, wins)
		}
	}
}
