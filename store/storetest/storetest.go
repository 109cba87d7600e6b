// Package storetest is the conformance suite every store.Store
// implementation must pass. A backend's test calls Run with a function that
// opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Run runs every conformance test, each on a store from open. open must
// return an empty store and arrange for it to be closed (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CRUD", testCRUD},
		{"Casing", testCasing},
		{"Conditions", testConditions},
		{"InvalidDocuments", testInvalidDocuments},
		{"ReadOnlyView", testReadOnlyView},
		{"RollbackOnError", testRollbackOnError},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"DeleteUnder", testDeleteUnder},
		{"ListFilters", testListFilters},
		{"ListPaging", testListPaging},
		{"ConcurrentCounter", testConcurrentCounter},
		{"ConcurrentCreate", testConcurrentCreate},
		{"Events", testEvents},
		{"EventPaging", testEventPaging},
		{"EventRetention", testEventRetention},
		{"EventsRollBack", testEventsRollBack},
		{"Values", testValues},
		{"TakeValueOnce", testTakeValueOnce},
		{"Subscribe", testSubscribe},
		{"TryLock", testTryLock},
		{"GetLatest", testGetLatest},
		{"LatestReadsOwnWrites", testLatestReadsOwnWrites},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// ctx returns a context that ends with the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// doc builds a document for id with the given location and tags, the way
// the API layer does.
func doc(t *testing.T, id, location string, tags map[string]string) *store.Document {
	t.Helper()
	body := map[string]any{"id": id, "properties": map[string]any{"n": 1}}
	if location != "" {
		body["location"] = location
	}
	if tags != nil {
		body["tags"] = tags
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	d, err := store.NewDocument(armid.MustParse(id), b)
	if err != nil {
		t.Fatalf("NewDocument(%s): %v", id, err)
	}
	return d
}

// put stores docs unconditionally in one transaction and returns what the
// store returned.
func put(t *testing.T, s store.Store, docs ...*store.Document) []*store.Document {
	t.Helper()
	var out []*store.Document
	err := s.Update(ctx(t), func(tx store.Tx) error {
		for _, d := range docs {
			got, err := tx.Put(ctx(t), d, store.Condition{})
			if err != nil {
				return err
			}
			out = append(out, got)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	return out
}

// get reads one document; it returns the error for ErrNotFound checks.
func get(t *testing.T, s store.Store, key string) (*store.Document, error) {
	t.Helper()
	var d *store.Document
	err := s.View(ctx(t), func(tx store.Tx) error {
		var err error
		d, err = tx.Get(ctx(t), key)
		return err
	})
	return d, err
}

// mustGet reads a document that must exist.
func mustGet(t *testing.T, s store.Store, key string) *store.Document {
	t.Helper()
	d, err := get(t, s, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return d
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// keys lists the keys of docs.
func keys(docs []*store.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Key
	}
	return out
}

func sameStrings(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b) && len(a) == len(b)
}
