package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
	"github.com/palisade/palisade/store/storetest"
)

// testDSN returns the test server's DSN, or skips.
func testDSN(t testing.TB) string {
	dsn := os.Getenv("PALISADE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PostgreSQL tests need PALISADE_TEST_POSTGRES=postgres://user:password@host:port/db?sslmode=disable")
	}
	return dsn
}

// schemaDSN creates a fresh schema, dropped after the test, and returns a
// DSN whose search_path selects it, so tests do not see each other's rows.
func schemaDSN(t testing.TB) string {
	dsn := testDSN(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "palisade_test_" + hex.EncodeToString(b[:])
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("connect for cleanup: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PALISADE_TEST_POSTGRES must be a postgres:// URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openTest(t testing.TB, dsn string) *DB {
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, schemaDSN(t)) })
}

// Opening the same schema again applies nothing twice; a schema from a
// newer program is refused.
func TestMigrations(t *testing.T) {
	dsn := schemaDSN(t)
	ctx := context.Background()
	a := openTest(t, dsn)
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.PutValue(ctx, "ns", "k", []byte("v"), time.Time{}) }); err != nil {
		t.Fatal(err)
	}
	// Two replicas starting at once both succeed.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent open: %v", err)
		}
	}
	var versions int
	if err := a.pool.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	ms, _ := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if versions != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
	}
	if err := a.View(ctx, func(tx store.Tx) error { _, err := tx.GetValue(ctx, "ns", "k"); return err }); err != nil {
		t.Errorf("data lost across reopen: %v", err)
	}
	if _, err := a.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(ctx, dsn); !errors.Is(err, sqlstore.ErrSchemaNewer) {
		if db != nil {
			db.Close()
		}
		t.Errorf("open of a newer database: %v, want ErrSchemaNewer", err)
	}
}

// A commit on one replica reaches the other replica's subscribers through
// LISTEN/NOTIFY, and the committing replica hears it once.
func TestSubscribeAcrossReplicas(t *testing.T) {
	dsn := schemaDSN(t)
	a, b := openTest(t, dsn), openTest(t, dsn)
	var mu sync.Mutex
	var seenA, seenB [][]string
	gotB := make(chan struct{}, 10)
	a.Subscribe(func(types []string) { mu.Lock(); seenA = append(seenA, types); mu.Unlock() })
	b.Subscribe(func(types []string) {
		mu.Lock()
		seenB = append(seenB, types)
		mu.Unlock()
		gotB <- struct{}{}
	})
	ctx := context.Background()
	id := armid.MustParse("/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/pa")
	d, err := store.NewDocument(id, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	// A rolled-back write notifies nobody.
	_ = a.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, d, store.Condition{}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err := a.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, d, store.Condition{}); return err }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gotB:
	case <-time.After(10 * time.Second):
		t.Fatal("replica b was not notified")
	}
	time.Sleep(200 * time.Millisecond) // let a's own notification arrive, to check it is skipped
	mu.Lock()
	defer mu.Unlock()
	want := []string{"microsoft.authorization/policyassignments"}
	if len(seenB) != 1 || strings.Join(seenB[0], ",") != strings.Join(want, ",") {
		t.Errorf("replica b saw %v, want [%v]", seenB, want)
	}
	if len(seenA) != 1 || strings.Join(seenA[0], ",") != strings.Join(want, ",") {
		t.Errorf("replica a saw %v, want its own commit once", seenA)
	}
}

// The job lock is exclusive across replicas and released when its holder's
// session ends.
func TestTryLockAcrossReplicas(t *testing.T) {
	dsn := schemaDSN(t)
	ctx := context.Background()
	a, b := openTest(t, dsn), openTest(t, dsn)
	unlock, ok, err := a.TryLock(ctx, "scan")
	if err != nil || !ok {
		t.Fatalf("a.TryLock = %v, %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "scan"); err != nil || ok {
		t.Fatalf("b.TryLock while a holds it = %v, %v", ok, err)
	}
	unlock()
	unlockB, ok, err := b.TryLock(ctx, "scan")
	if err != nil || !ok {
		t.Fatalf("b.TryLock after a unlocked = %v, %v", ok, err)
	}
	b.Close() // b "crashes" holding the lock: closing its sessions frees it
	_ = unlockB
	// The server frees the lock when it notices the session ended, which
	// takes a moment.
	var unlockA func()
	for deadline := time.Now().Add(10 * time.Second); ; {
		unlockA, ok, err = a.TryLock(ctx, "scan")
		if err != nil {
			t.Fatal(err)
		}
		if ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ok {
		t.Fatal("a.TryLock after b closed: still held")
	}
	unlockA()
	// Another schema's lock of the same name is independent.
	c := openTest(t, schemaDSN(t))
	u1, ok1, _ := a.TryLock(ctx, "scan")
	u2, ok2, _ := c.TryLock(ctx, "scan")
	if !ok1 || !ok2 {
		t.Errorf("same lock name in two schemas: %v %v, want both held", ok1, ok2)
	}
	if u1 != nil {
		u1()
	}
	if u2 != nil {
		u2()
	}
}

func TestPayload(t *testing.T) {
	r, types := decodePayload(encodePayload("r1", []string{"a/b", "c/d"}))
	if r != "r1" || strings.Join(types, "|") != "a/b|c/d" {
		t.Errorf("round trip: %q %v", r, types)
	}
	long := make([]string, 2000)
	for i := range long {
		long[i] = "microsoft.example/type"
	}
	if r, types := decodePayload(encodePayload("r1", long)); r != "r1" || types != nil {
		t.Errorf("oversized payload: %q %v, want nil types", r, types)
	}
}
