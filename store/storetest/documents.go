package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/store"
)

const (
	sub1 = "/subscriptions/00000000-0000-0000-0000-00000000000A"
	rg1  = sub1 + "/resourceGroups/Rg-One"
)

func testCRUD(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Storage/storageAccounts/Acct1"
	in := doc(t, id, "West Europe", map[string]string{"Env": "prod"})
	var created *store.Document
	var txNow time.Time
	err := s.Update(ctx(t), func(tx store.Tx) error {
		txNow = tx.Now()
		var err error
		created, err = tx.Put(ctx(t), in, store.Condition{IfNoneMatch: "*"})
		return err
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ETag == "" || created.ID != id || created.Key != strings.ToLower(id) {
		t.Errorf("created = %+v", created)
	}
	if !created.CreatedAt.Equal(txNow) || !created.UpdatedAt.Equal(txNow) || txNow.Location() != time.UTC {
		t.Errorf("timestamps %v %v, want tx.Now %v (UTC)", created.CreatedAt, created.UpdatedAt, txNow)
	}
	got := mustGet(t, s, id)
	if got.ID != id || got.Type != "microsoft.storage/storageaccounts" || got.ParentKey != strings.ToLower(rg1) ||
		got.SubscriptionID != "00000000-0000-0000-0000-00000000000a" || got.ResourceGroup != "rg-one" || got.Name != "Acct1" ||
		got.Location != "westeurope" || got.Tags["Env"] != "prod" || got.ETag != created.ETag ||
		!got.CreatedAt.Equal(created.CreatedAt) || string(got.Body) != string(in.Body) {
		t.Errorf("get = %+v\nwant %+v", got, created)
	}

	time.Sleep(2 * time.Millisecond)
	in2 := doc(t, id, "westeurope", nil)
	in2.Body = json.RawMessage(`{"changed": true}`)
	updated := put(t, s, in2)[0]
	if updated.ETag == created.ETag || !updated.CreatedAt.Equal(created.CreatedAt) || !updated.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("update kept etag or lost created time: %+v", updated)
	}
	got = mustGet(t, s, id)
	if string(got.Body) != `{"changed": true}` || got.Tags != nil && len(got.Tags) != 0 || got.ETag != updated.ETag {
		t.Errorf("after update get = %+v", got)
	}

	var deleted *store.Document
	err = s.Update(ctx(t), func(tx store.Tx) error {
		var err error
		deleted, err = tx.Delete(ctx(t), strings.ToUpper(id), store.Condition{})
		return err
	})
	if err != nil || deleted.ETag != updated.ETag || deleted.ID != id {
		t.Fatalf("delete = %+v, %v", deleted, err)
	}
	_, err = get(t, s, id)
	wantErr(t, "get after delete", err, store.ErrNotFound)
	err = s.Update(ctx(t), func(tx store.Tx) error {
		_, err := tx.Delete(ctx(t), id, store.Condition{})
		return err
	})
	wantErr(t, "delete twice", err, store.ErrNotFound)
}

// ARM keeps the casing of the first create and looks ids up ignoring case.
func testCasing(t *testing.T, s store.Store) {
	first := rg1 + "/providers/Microsoft.Web/sites/MyApp"
	put(t, s, doc(t, first, "", nil))
	again := strings.ToLower(first)
	stored := put(t, s, doc(t, again, "", nil))[0]
	if stored.ID != first || stored.Name != "MyApp" {
		t.Errorf("re-put with other casing returned ID %q name %q, want %q", stored.ID, stored.Name, first)
	}
	for _, k := range []string{first, strings.ToLower(first), strings.ToUpper(first)} {
		if d := mustGet(t, s, k); d.ID != first {
			t.Errorf("get %q: ID %q, want %q", k, d.ID, first)
		}
	}
}

func testConditions(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Network/virtualNetworks/vnet"
	missing := rg1 + "/providers/Microsoft.Network/virtualNetworks/none"
	tests := []struct {
		name string
		id   string
		cond func(etag string) store.Condition // etag: the fixture's current one
		ok   bool
	}{
		{"if-match current", id, func(e string) store.Condition { return store.Condition{IfMatch: e} }, true},
		{"if-match stale", id, func(string) store.Condition { return store.Condition{IfMatch: "stale"} }, false},
		{"if-match star existing", id, func(string) store.Condition { return store.Condition{IfMatch: "*"} }, true},
		{"if-match star missing", missing, func(string) store.Condition { return store.Condition{IfMatch: "*"} }, false},
		{"if-match missing", missing, func(e string) store.Condition { return store.Condition{IfMatch: e} }, false},
		{"if-none-match star existing", id, func(string) store.Condition { return store.Condition{IfNoneMatch: "*"} }, false},
		{"if-none-match star missing", missing, func(string) store.Condition { return store.Condition{IfNoneMatch: "*"} }, true},
		{"if-none-match current", id, func(e string) store.Condition { return store.Condition{IfNoneMatch: e} }, false},
		{"if-none-match other", id, func(string) store.Condition { return store.Condition{IfNoneMatch: "other"} }, true},
	}
	for _, tt := range tests {
		for _, op := range []string{"put", "delete"} {
			t.Run(op+" "+tt.name, func(t *testing.T) {
				// Each case starts from the same state: the fixture exists,
				// the missing document does not.
				var before *store.Document
				err := s.Update(ctx(t), func(tx store.Tx) error {
					if _, err := tx.Delete(ctx(t), missing, store.Condition{}); err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					var err error
					before, err = tx.Put(ctx(t), doc(t, id, "", nil), store.Condition{})
					return err
				})
				if err != nil {
					t.Fatalf("fixture: %v", err)
				}
				cond := tt.cond(before.ETag)
				var got *store.Document
				err = s.Update(ctx(t), func(tx store.Tx) error {
					var err error
					if op == "put" {
						got, err = tx.Put(ctx(t), doc(t, tt.id, "", nil), cond)
					} else {
						got, err = tx.Delete(ctx(t), tt.id, cond)
					}
					return err
				})
				switch {
				case tt.ok && op == "delete" && tt.id == missing:
					wantErr(t, "delete missing", err, store.ErrNotFound)
				case tt.ok:
					if err != nil {
						t.Fatalf("%s with %+v: %v", op, cond, err)
					}
					_, gerr := get(t, s, tt.id)
					if op == "put" && (gerr != nil || got.ETag == before.ETag) {
						t.Errorf("put with %+v did not write: %v", cond, gerr)
					}
					if op == "delete" && !errors.Is(gerr, store.ErrNotFound) {
						t.Errorf("delete with %+v did not delete: %v", cond, gerr)
					}
				default:
					wantErr(t, op, err, store.ErrPreconditionFailed)
					if after := mustGet(t, s, id); after.ETag != before.ETag {
						t.Errorf("failed precondition changed the document")
					}
					if _, err := get(t, s, missing); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("failed precondition created %s: %v", missing, err)
					}
				}
			})
		}
	}
}

func testInvalidDocuments(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Web/sites/bad"
	good := func() *store.Document { return doc(t, id, "", nil) }
	tests := []struct {
		name string
		doc  *store.Document
	}{
		{"nil", nil},
		{"no id", func() *store.Document { d := good(); d.ID = ""; return d }()},
		{"key not the lower-cased id", func() *store.Document { d := good(); d.Key = "/other"; return d }()},
		{"body not JSON", func() *store.Document { d := good(); d.Body = []byte(`{"a":`); return d }()},
		{"empty body", func() *store.Document { d := good(); d.Body = nil; return d }()},
		{"no type", func() *store.Document { d := good(); d.Type = ""; return d }()},
		{"control character in tag", func() *store.Document { d := good(); d.Tags = map[string]string{"a\x1fb": "c"}; return d }()},
		{"subscription not the id's", func() *store.Document { d := good(); d.SubscriptionID = "other"; return d }()},
		{"resource group not the id's", func() *store.Document { d := good(); d.ResourceGroup = "rg-two"; return d }()},
		{"resource group without subscription", func() *store.Document { d := good(); d.SubscriptionID = ""; return d }()},
		{"parent not a prefix of the id", func() *store.Document {
			d := good()
			d.ParentKey = strings.ToLower(sub1 + "/resourceGroups/rg-two")
			return d
		}()},
		{"parent a prefix of a segment only", func() *store.Document { d := good(); d.ParentKey = strings.ToLower(id[:len(id)-1]); return d }()},
	}
	for _, tt := range tests {
		err := s.Update(ctx(t), func(tx store.Tx) error {
			_, err := tx.Put(ctx(t), tt.doc, store.Condition{})
			return err
		})
		wantErr(t, tt.name, err, store.ErrInvalid)
	}
	_, err := get(t, s, id)
	wantErr(t, "nothing stored", err, store.ErrNotFound)
}

func testReadOnlyView(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Web/sites/ro"
	put(t, s, doc(t, id, "", nil))
	ops := map[string]func(tx store.Tx) error{
		"put":         func(tx store.Tx) error { _, err := tx.Put(ctx(t), doc(t, id, "", nil), store.Condition{}); return err },
		"delete":      func(tx store.Tx) error { _, err := tx.Delete(ctx(t), id, store.Condition{}); return err },
		"deleteUnder": func(tx store.Tx) error { _, err := tx.DeleteUnder(ctx(t), rg1); return err },
		"events": func(tx store.Tx) error {
			return tx.AppendEvents(ctx(t), []store.Event{{Timestamp: time.Now(), Body: []byte(`{}`)}})
		},
		"putValue":  func(tx store.Tx) error { return tx.PutValue(ctx(t), "ns", "k", []byte("v"), time.Time{}) },
		"takeValue": func(tx store.Tx) error { _, err := tx.TakeValue(ctx(t), "ns", "k"); return err },
	}
	for name, op := range ops {
		wantErr(t, name+" in View", s.View(ctx(t), op), store.ErrReadOnly)
	}
	mustGet(t, s, id)
}

func testRollbackOnError(t *testing.T, s store.Store) {
	keep := put(t, s, doc(t, rg1+"/providers/Microsoft.Web/sites/keep", "", nil))[0]
	boom := errorString("boom")
	err := s.Update(ctx(t), func(tx store.Tx) error {
		if _, err := tx.Put(ctx(t), doc(t, rg1+"/providers/Microsoft.Web/sites/new", "", nil), store.Condition{}); err != nil {
			return err
		}
		if _, err := tx.Put(ctx(t), doc(t, keep.ID, "", map[string]string{"x": "y"}), store.Condition{}); err != nil {
			return err
		}
		if _, err := tx.Delete(ctx(t), keep.Key, store.Condition{}); err != nil {
			return err
		}
		if err := tx.PutValue(ctx(t), "ns", "k", []byte("v"), time.Time{}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update error = %v, want the function's error unchanged", err)
	}
	checkUntouched(t, s, keep)
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	keep := put(t, s, doc(t, rg1+"/providers/Microsoft.Web/sites/keep", "", nil))[0]
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want the panic to be re-raised", r)
			}
		}()
		_ = s.Update(ctx(t), func(tx store.Tx) error {
			if _, err := tx.Put(ctx(t), doc(t, rg1+"/providers/Microsoft.Web/sites/new", "", nil), store.Condition{}); err != nil {
				return err
			}
			if _, err := tx.Delete(ctx(t), keep.Key, store.Condition{}); err != nil {
				return err
			}
			if err := tx.PutValue(ctx(t), "ns", "k", []byte("v"), time.Time{}); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	checkUntouched(t, s, keep)
	// The store still works after the panic.
	put(t, s, doc(t, rg1+"/providers/Microsoft.Web/sites/after", "", nil))
}

// checkUntouched verifies that a rolled-back transaction left no trace.
func checkUntouched(t *testing.T, s store.Store, keep *store.Document) {
	t.Helper()
	if got := mustGet(t, s, keep.Key); got.ETag != keep.ETag || len(got.Tags) != 0 {
		t.Errorf("kept document changed: %+v", got)
	}
	_, err := get(t, s, rg1+"/providers/Microsoft.Web/sites/new")
	wantErr(t, "rolled-back create", err, store.ErrNotFound)
	err = s.View(ctx(t), func(tx store.Tx) error {
		_, err := tx.GetValue(ctx(t), "ns", "k")
		return err
	})
	wantErr(t, "rolled-back value", err, store.ErrNotFound)
	var page store.Page
	err = s.View(ctx(t), func(tx store.Tx) error {
		var err error
		page, err = tx.List(ctx(t), store.Query{TagName: "x"})
		return err
	})
	if err != nil || len(page.Documents) != 0 {
		t.Errorf("rolled-back tags still indexed: %v %v", keys(page.Documents), err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func testDeleteUnder(t *testing.T, s store.Store) {
	rg := sub1 + "/resourceGroups/rg1"
	sibling := sub1 + "/resourceGroups/rg10"
	server := rg + "/providers/Microsoft.Sql/servers/srv"
	ids := []string{
		sub1, rg, sibling,
		server,
		server + "/databases/db1",
		server + "/databases/db1/providers/Microsoft.Authorization/policyAssignments/pa",
		rg + "/providers/Microsoft.Authorization/policyAssignments/rgpa",
		sibling + "/providers/Microsoft.Sql/servers/srv",
	}
	for _, id := range ids {
		put(t, s, doc(t, id, "westus", map[string]string{"cascade": "yes"}))
	}
	var deleted []*store.Document
	var changed [][]string
	s.Subscribe(func(types []string) { changed = append(changed, types) })
	err := s.Update(ctx(t), func(tx store.Tx) error {
		var err error
		deleted, err = tx.DeleteUnder(ctx(t), strings.ToUpper(rg))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[6], ids[3], ids[4], ids[5]}
	for i := range want {
		want[i] = strings.ToLower(want[i])
	}
	slices.Sort(want)
	if !sameStrings(keys(deleted), want) {
		t.Errorf("deleted %v\nwant %v", keys(deleted), want)
	}
	for _, d := range deleted {
		if _, err := get(t, s, d.Key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s still there: %v", d.Key, err)
		}
	}
	for _, id := range []string{sub1, rg, sibling, ids[7]} {
		mustGet(t, s, id)
	}
	var page store.Page
	_ = s.View(ctx(t), func(tx store.Tx) error {
		page, err = tx.List(ctx(t), store.Query{TagName: "cascade"})
		return err
	})
	if len(page.Documents) != 4 {
		t.Errorf("tag index after cascade lists %v, want the 4 survivors", keys(page.Documents))
	}
	if len(changed) != 1 || !sameStrings(changed[0], []string{"microsoft.authorization/policyassignments", "microsoft.sql/servers", "microsoft.sql/servers/databases"}) {
		t.Errorf("subscribers saw %v", changed)
	}
	// Everything under the root: all but "/" itself.
	put(t, s, doc(t, "/", "", nil))
	_ = s.Update(ctx(t), func(tx store.Tx) error {
		deleted, err = tx.DeleteUnder(ctx(t), "/")
		return err
	})
	if err != nil || len(deleted) != 4 {
		t.Errorf("DeleteUnder(/) = %v, %v; want the 4 remaining documents", keys(deleted), err)
	}
	mustGet(t, s, "/")
}
