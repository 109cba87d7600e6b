package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/palisade/palisade/store"
)

// testGetLatest: store.GetLatest follows creates, updates, deletes and
// cascades, whatever the casing of the key, and a rolled-back write leaves
// nothing behind.
func testGetLatest(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Storage/storageAccounts/Latest1"
	latest := func() (*store.Document, error) { return store.GetLatest(ctx(t), s, id) }
	if _, err := latest(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before create: %v", err)
	}
	created := put(t, s, doc(t, id, "westeurope", map[string]string{"a": "1"}))[0]
	got, err := latest()
	if err != nil || got.ETag != created.ETag || got.ID != id || got.Tags["a"] != "1" {
		t.Fatalf("after create: %+v, %v", got, err)
	}
	got.Tags["a"] = "changed by the caller" // must not reach the store's copy
	if again, _ := store.GetLatest(ctx(t), s, "/SUBSCRIPTIONS/00000000-0000-0000-0000-00000000000A/resourceGroups/rg-one/providers/microsoft.storage/storageaccounts/LATEST1"); again == nil || again.Tags["a"] != "1" {
		t.Errorf("other casing: %+v", again)
	}
	updated := put(t, s, doc(t, id, "westeurope", map[string]string{"a": "2"}))[0]
	if got, err := latest(); err != nil || got.ETag != updated.ETag || got.Tags["a"] != "2" {
		t.Errorf("after update: %+v, %v", got, err)
	}
	// A rolled-back update is not seen.
	_ = s.Update(ctx(t), func(tx store.Tx) error {
		if _, err := tx.Put(ctx(t), doc(t, id, "westeurope", map[string]string{"a": "rolled back"}), store.Condition{}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if got, err := latest(); err != nil || got.ETag != updated.ETag {
		t.Errorf("after a rolled-back update: %+v, %v", got, err)
	}
	err = s.Update(ctx(t), func(tx store.Tx) error { _, err := tx.Delete(ctx(t), id, store.Condition{}); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := latest(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	put(t, s, doc(t, id, "westeurope", nil))
	err = s.Update(ctx(t), func(tx store.Tx) error { _, err := tx.DeleteUnder(ctx(t), rg1); return err })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := latest(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a cascade: %v", err)
	}
}

// testLatestReadsOwnWrites: under concurrent writers and readers, a
// writer always reads back at least the version it just wrote, and no
// reader sees a document's version go backwards.
func testLatestReadsOwnWrites(t *testing.T, s store.Store) {
	const keys, versions, readers = 8, 60, 4
	id := func(k int) string { return fmt.Sprintf("%s/providers/Contoso.Test/things/t%d", rg1, k) }
	version := func(d *store.Document) int {
		n, _ := strconv.Atoi(d.Tags["v"])
		return n
	}
	stop := make(chan struct{})
	var wg, rg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			seen := make([]int, keys)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := i % keys
				d, err := store.GetLatest(ctx(t), s, id(k))
				if errors.Is(err, store.ErrNotFound) {
					if seen[k] > 0 {
						t.Errorf("key %d vanished after version %d", k, seen[k])
						return
					}
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if v := version(d); v < seen[k] {
					t.Errorf("key %d went back from version %d to %d", k, seen[k], v)
					return
				} else {
					seen[k] = v
				}
			}
		}()
	}
	for k := 0; k < keys; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 1; v <= versions; v++ {
				put(t, s, doc(t, id(k), "westeurope", map[string]string{"v": strconv.Itoa(v)}))
				d, err := store.GetLatest(ctx(t), s, id(k))
				if err != nil || version(d) < v {
					t.Errorf("key %d: wrote version %d, read %v, %v", k, v, d, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
}
