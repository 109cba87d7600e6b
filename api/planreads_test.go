package api

import (
	"context"
	"errors"
	"testing"

	"github.com/palisade/palisade/store"
)

// A plan that only reads documents runs once, without a transaction; one
// that lists runs again in a View and sees what the list returns.
func TestPlanReadsFallsBackToASnapshot(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	runs := 0
	err := a.h.planReads(ctx, func(tx store.Tx) error {
		runs++
		_, err := tx.Get(ctx, "/subscriptions/"+testSub)
		return err
	})
	if err != nil || runs != 1 {
		t.Fatalf("get-only plan: %d runs, %v", runs, err)
	}
	runs = 0
	var listed int
	err = a.h.planReads(ctx, func(tx store.Tx) error {
		runs++
		page, err := tx.List(ctx, store.Query{Types: []string{"Microsoft.Resources/subscriptions"}})
		listed = len(page.Documents)
		return err
	})
	if err != nil || runs != 2 || listed != 1 {
		t.Fatalf("listing plan: %d runs, %d listed, %v", runs, listed, err)
	}
	err = a.h.planReads(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, &store.Document{}, store.Condition{})
		return err
	})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("write while planning: %v", err)
	}
}
