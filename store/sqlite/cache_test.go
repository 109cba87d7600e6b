package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/storetest"
)

// The conformance suite again with a cache so small that it drops entries
// all the time, so fills race with evictions.
func TestConformanceTinyCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db := openTemp(t)
		db.cache.mu.Lock()
		db.cache.maxBytes = 4 * entryOverhead
		db.cache.mu.Unlock()
		return db
	})
}

// A commit by another process sharing the file (here a second handle on
// the same directory) reaches the first handle's cache and subscribers
// within the idle check's interval, without a write of its own.
func TestOtherProcessWrites(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	server, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	var notified atomic.Int32
	server.Subscribe(func(types []string) {
		if types == nil {
			notified.Add(1)
		}
	})
	id := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Contoso.Test/things/t1")
	put := func(db *DB, body string) {
		d, err := store.NewDocument(id, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, d, store.Condition{}); return err }); err != nil {
			t.Fatal(err)
		}
	}
	put(server, `{"v":1}`)
	if d, err := server.GetLatest(ctx, id.String()); err != nil || string(d.Body) != `{"v":1}` {
		t.Fatalf("cached: %v %v", d, err)
	}
	cli, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	put(cli, `{"v":2}`)
	missing := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Contoso.Test/things/t2")
	put2, _ := store.NewDocument(missing, []byte(`{"new":true}`))
	if err := cli.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, put2, store.Condition{}); return err }); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	deadline := time.Now().Add(3 * externalCheckInterval)
	for {
		d, err := server.GetLatest(ctx, id.String())
		_, err2 := server.GetLatest(ctx, missing.String())
		if err == nil && string(d.Body) == `{"v":2}` && err2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the other process's commit: %s %v; new document: %v", d.Body, err, err2)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if notified.Load() == 0 || server.externalChanges.Load() == 0 {
		t.Errorf("subscribers not told of the other process's commit")
	}
	// Commits of this process alone are never taken for another's.
	before := server.externalChanges.Load()
	for i := 0; i < 50; i++ {
		put(server, `{"v":3}`)
	}
	time.Sleep(2 * checkpointInterval)
	put(server, `{"v":4}`)
	if n := server.externalChanges.Load() - before; n != 0 {
		t.Errorf("%d external changes seen from this process's own commits and checkpoints", n)
	}
	if _, err := server.GetLatest(ctx, "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Contoso.Test/things/none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("never stored: %v", err)
	}
}

// The key set never drops a deleted key on its own; after more deletes
// than it had keys, the writer reads it again.
func TestKeySetReloadsAfterManyDeletes(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	const n = 1100
	for round := 0; round < 2; round++ {
		err := db.Update(ctx, func(tx store.Tx) error {
			for i := 0; i < n; i++ {
				id := armid.MustParse(fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Contoso.Test/things/r%d-%d", round, i))
				d, err := store.NewDocument(id, []byte(`{}`))
				if err != nil {
					return err
				}
				if _, err := tx.Put(ctx, d, store.Condition{}); err != nil {
					return err
				}
			}
			_, err := tx.DeleteUnder(ctx, "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// One more write runs the check at the start of its batch.
	if err := db.Update(ctx, func(tx store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	db.cache.mu.RLock()
	keys, deleted := len(db.cache.keys), db.cache.deleted
	db.cache.mu.RUnlock()
	if keys > 10 || deleted != 0 {
		t.Errorf("key set after deleting %d documents: %d keys, %d deletes since the load", 2*n, keys, deleted)
	}
}
