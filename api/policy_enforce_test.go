package api

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

// failingStore fails AppendEvents on demand, to show that a write and its activity-log events
// commit together or not at all.
type failingStore struct {
	store.Store
	fail atomic.Bool
}

func (f *failingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Update(ctx, func(tx store.Tx) error { return fn(failingTx{tx, f}) })
}

type failingTx struct {
	store.Tx
	f *failingStore
}

func (t failingTx) AppendEvents(ctx context.Context, ev []store.Event) error {
	if t.f.fail.Load() {
		return errors.New("injected failure: the disk is full")
	}
	return t.Tx.AppendEvents(ctx, ev)
}

func countEvents(t *testing.T, st store.Store) int {
	t.Helper()
	n := 0
	ctx := context.Background()
	err := st.View(ctx, func(tx store.Tx) error {
		p, err := tx.QueryEvents(ctx, store.EventQuery{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		n = len(p.Events)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWriteAndEventsAreAtomic: when the events cannot be written, the resource is not either.
func TestWriteAndEventsAreAtomic(t *testing.T) {
	var fs *failingStore
	a := newTestAPI(t, func(c *Config) {
		fs = &failingStore{Store: c.Store}
		c.Store = fs
	})
	a.h.SetPolicyHandlers(NewPolicyHandlers(a.h))
	a.h.SetEnforcement(&Enforcement{Engine: enforce.New(fs, nil), Log: activitylog.NewBuilder(time.Now, uuid.NewString), TenantID: testTenant})
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1?api-version=2025-04-01"
	if r := a.do(t, http.MethodPut, rg, `{"location":"eastus"}`); r.Status != 201 {
		t.Fatalf("create group: %d %s", r.Status, r.Raw)
	}
	before := countEvents(t, fs.Store)
	if before < 2 {
		t.Fatalf("a write recorded %d events, want Started and Succeeded", before)
	}
	fs.fail.Store(true)
	res := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a1?api-version=2023-01-01"
	if r := a.do(t, http.MethodPut, res, `{"location":"eastus"}`); r.Status != 500 {
		t.Fatalf("write with failing events: %d %s", r.Status, r.Raw)
	}
	fs.fail.Store(false)
	if r := a.do(t, http.MethodGet, res, ""); r.Status != 404 {
		t.Errorf("the resource was kept without its events: %d", r.Status)
	}
	if after := countEvents(t, fs.Store); after != before {
		t.Errorf("events went from %d to %d for a write that did not happen", before, after)
	}
}

// The write path with enforcement works on an in-memory store, whose reads
// and writes share one connection (a read outside a write transaction,
// made from inside it, would wait for the writer running it).
func TestWritePathOnAnInMemoryStore(t *testing.T) {
	mem, err := sqlite.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	if _, _, err := EnsureTenant(context.Background(), mem, TenantSetup{TenantID: testTenant, SubscriptionID: testSub}); err != nil {
		t.Fatal(err)
	}
	a := newTestAPI(t, func(c *Config) { c.Store = mem })
	a.h.SetPolicyHandlers(NewPolicyHandlers(a.h))
	a.h.SetEnforcement(&Enforcement{Engine: enforce.New(mem, nil), Log: activitylog.NewBuilder(time.Now, uuid.NewString), TenantID: testTenant})
	done := make(chan struct{})
	go func() {
		defer close(done)
		rg := "/subscriptions/" + testSub + "/resourceGroups/rg1?api-version=2025-04-01"
		res := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a1?api-version=2023-01-01"
		for _, step := range []struct {
			method, path, body string
			want               int
		}{
			{http.MethodPut, rg, `{"location":"eastus"}`, 201},
			{http.MethodPut, rg, `{"location":"eastus","tags":{"a":"b"}}`, 200},
			{http.MethodPut, res, `{"location":"eastus"}`, 201},
			{http.MethodGet, res, "", 200},
			{http.MethodDelete, res, "", 200},
			{http.MethodDelete, rg, "", 200},
		} {
			if r := a.do(t, step.method, step.path, step.body); r.Status != step.want {
				t.Errorf("%s %s: %d %s", step.method, step.path, r.Status, r.Raw)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the write path hangs on an in-memory store")
	}
	if n := countEvents(t, mem); n < 10 {
		t.Errorf("%d events recorded", n)
	}
}
