package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
	"github.com/palisade/palisade/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// openTemp opens a store in a fresh directory, closed when the test ends.
func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := OpenMemory()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// Opening an existing database applies no migration twice and keeps data;
// a database from a newer program is refused.
func TestMigrations(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = db.Update(ctx, func(tx store.Tx) error { return tx.PutValue(ctx, "ns", "k", []byte("v"), zeroTime) })
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	var versions int
	if err := db.w.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	ms, _ := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if versions != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
	}
	err = db.View(ctx, func(tx store.Tx) error { _, err := tx.GetValue(ctx, "ns", "k"); return err })
	if err != nil {
		t.Errorf("data lost across reopen: %v", err)
	}
	if _, err := db.w.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(dir); !errors.Is(err, sqlstore.ErrSchemaNewer) {
		t.Errorf("open of a newer database: %v, want ErrSchemaNewer", err)
	}
}

var zeroTime time.Time

// Updates racing with Close either complete or fail with errClosed; none
// panics or hangs (requests still queued for the writer when it stops are
// answered too), and every acknowledged update is in the database after
// reopening it.
func TestCloseDuringUpdates(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const writers = 200
	done := make(chan error, writers)
	for i := 0; i < writers; i++ {
		key := fmt.Sprintf("k%d", i)
		go func() {
			err := db.Update(ctx, func(tx store.Tx) error { return tx.PutValue(ctx, "ns", key, []byte("v"), zeroTime) })
			if err == nil {
				err = errAcknowledged{key}
			}
			done <- err
		}()
	}
	time.Sleep(time.Millisecond)
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	var acknowledged []string
	for i := 0; i < writers; i++ {
		select {
		case err := <-done:
			var ack errAcknowledged
			switch {
			case errors.As(err, &ack):
				acknowledged = append(acknowledged, ack.key)
			case !errors.Is(err, errClosed):
				t.Errorf("an update during Close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d updates still waiting 10 s after Close", writers-i)
		}
	}
	if err := db.Update(ctx, func(store.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
	if err := db.View(ctx, func(store.Tx) error { return nil }); err == nil {
		t.Error("View after Close succeeded")
	}
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx store.Tx) error {
		for _, key := range acknowledged {
			if _, err := tx.GetValue(ctx, "ns", key); err != nil {
				return fmt.Errorf("acknowledged update %s: %w", key, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	t.Logf("%d of %d updates acknowledged before Close", len(acknowledged), writers)
}

// errAcknowledged marks an update that succeeded, with its key.
type errAcknowledged struct{ key string }

func (e errAcknowledged) Error() string { return "acknowledged " + e.key }

// Close while reads are running: every read either completes or is refused
// with a clear error; none runs on a connection Close has freed (which
// crashed the process before Close waited for the read pool).
func TestCloseDuringReads(t *testing.T) {
	for round := 0; round < 5; round++ {
		db, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		err = db.Update(ctx, func(tx store.Tx) error {
			for i := 0; i < 200; i++ {
				id := fmt.Sprintf("/subscriptions/s/resourceGroups/rg/providers/A.B/c/d%d", i)
				if _, err := tx.Put(ctx, &store.Document{ID: id, Key: strings.ToLower(id), Type: "a.b/c", Body: []byte(`{"x":1}`)}, store.Condition{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					err := db.View(ctx, func(tx store.Tx) error {
						_, err := tx.List(ctx, store.Query{Types: []string{"a.b/c"}})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, errClosed) {
				t.Errorf("a read during Close: %v", err)
			}
		}
	}
}

// A database made before migration 0003 (events keyed by id, documents in
// a WITHOUT ROWID table with an index on parent keys) keeps its events and
// documents, and reads, lists and writes work after it.
func TestMigrationToLeanIndexes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pool, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSession(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.Migrate(ctx, s, sqlstore.SQLite, ms[:2]); err != nil {
		t.Fatal(err)
	}
	const sub = "/subscriptions/11111111-1111-1111-1111-111111111111"
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	tx := sqlstore.NewTx(s, sqlstore.SQLite, true)
	doc, err := store.NewDocument(armid.MustParse(sub+"/resourceGroups/rg/providers/Microsoft.Web/sites/app"), []byte(`{"location":"westeurope"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Put(ctx, doc, store.Condition{}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AppendEvents(ctx, []store.Event{
		{ID: "b", SubscriptionID: "11111111-1111-1111-1111-111111111111", Timestamp: at, Body: []byte(`{"n":2}`)},
		{ID: "a", SubscriptionID: "11111111-1111-1111-1111-111111111111", Timestamp: at, Body: []byte(`{"n":1}`)},
	}); err != nil {
		t.Fatal(err)
	}
	s.close()
	pool.Close()

	db, err := Open(dir)
	if err != nil {
		t.Fatalf("open after upgrade: %v", err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx store.Tx) error {
		page, err := tx.QueryEvents(ctx, store.EventQuery{SubscriptionID: "11111111-1111-1111-1111-111111111111", From: at, To: at})
		if err != nil {
			return err
		}
		if len(page.Events) != 2 || page.Events[0].ID != "b" || string(page.Events[1].Body) != `{"n":1}` {
			return fmt.Errorf("events after the upgrade: %+v", page.Events)
		}
		kids, err := tx.List(ctx, store.Query{ParentKey: sub + "/resourceGroups/RG"})
		if err != nil {
			return err
		}
		if len(kids.Documents) != 1 || kids.Documents[0].ID != doc.ID {
			return fmt.Errorf("children of the group after the upgrade: %+v", kids.Documents)
		}
		typed, err := tx.List(ctx, store.Query{Types: []string{"Microsoft.Web/sites"}})
		if err != nil || len(typed.Documents) != 1 || string(typed.Documents[0].Body) != `{"location":"westeurope"}` {
			return fmt.Errorf("documents of the type after the upgrade: %+v, %v", typed.Documents, err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	// The primary key still refuses a second row with the key: a create
	// under If-None-Match: * fails, a plain Put replaces.
	err = db.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, doc, store.Condition{IfNoneMatch: "*"})
		return err
	})
	if !errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("create over an upgraded document: %v, want ErrPreconditionFailed", err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		d := *doc
		d.Body = []byte(`{"location":"northeurope"}`)
		_, err := tx.Put(ctx, &d, store.Condition{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	var body string
	if err := db.w.QueryRow("SELECT COUNT(*), MAX(CAST(body AS TEXT)) FROM documents").Scan(&rows, &body); err != nil || rows != 1 || body != `{"location":"northeurope"}` {
		t.Errorf("documents after a replace: %d rows, body %s, %v", rows, body, err)
	}
}
