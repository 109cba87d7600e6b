package authz

import (
	"context"
	"net/http"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// putDoc stores an ARM object as the management-group API does.
func putDoc(t *testing.T, st store.Store, id, body string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		doc, err := store.NewDocument(armid.MustParse(id), []byte(body))
		if err != nil {
			return err
		}
		_, err = tx.Put(context.Background(), doc, store.Condition{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The tree is read from ManagementGroup objects (properties.details.parent,
// api-version 2021-04-01) and subscription memberships
// (.../managementGroups/{group}/subscriptions/{subscriptionId}).
func TestStoredHierarchy(t *testing.T) {
	e := newEnv(t)
	e.h.Hierarchy = nil // the default: read the stored tree
	putDoc(t, e.st, rootMG, `{"id":"`+rootMG+`","type":"Microsoft.Management/managementGroups","name":"11111111-1111-1111-1111-111111111111",
		"properties":{"displayName":"Tenant Root Group","details":{"parent":null}}}`)
	putDoc(t, e.st, mg, `{"id":"`+mg+`","type":"Microsoft.Management/managementGroups","name":"platform",
		"properties":{"displayName":"Platform","details":{"parent":{"id":"`+rootMG+`","name":"11111111-1111-1111-1111-111111111111"}}}}`)
	putDoc(t, e.st, mg+"/subscriptions/00000000-0000-0000-0000-000000000001", `{"id":"`+mg+`/subscriptions/00000000-0000-0000-0000-000000000001",
		"type":"Microsoft.Management/managementGroups/subscriptions","name":"00000000-0000-0000-0000-000000000001","properties":{"parent":{"id":"`+mg+`"}}}`)

	var parents map[string]string
	var root string
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		parents, root, err = StoredHierarchy(context.Background(), tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if root != rootMG {
		t.Errorf("root = %q, want %q", root, rootMG)
	}
	want := map[string]string{
		armid.MustParse(mg).Key():  armid.MustParse(rootMG).Key(),
		armid.MustParse(sub).Key(): armid.MustParse(mg).Key(),
	}
	if len(parents) != len(want) {
		t.Errorf("parents = %v, want %v", parents, want)
	}
	for k, v := range want {
		if parents[k] != v {
			t.Errorf("parent of %s = %q, want %q", k, parents[k], v)
		}
	}

	// The Authorizer uses the stored tree, and follows a move.
	a := NewAuthorizer(e.st, nil)
	expect(t, e.assignment("PUT", raID(mg, ra1), raBody(ReaderRoleID, bob, "")), http.StatusCreated, "")
	ctx := context.Background()
	p := Principal{ObjectID: bob}
	if err := a.Check(ctx, p, "Microsoft.Compute/virtualMachines/read", armid.MustParse(vm)); err != nil {
		t.Fatalf("Reader at the subscription's management group: %v", err)
	}
	// Moving the subscription to the root group takes the grant away.
	err = e.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Delete(ctx, armid.MustParse(mg+"/subscriptions/00000000-0000-0000-0000-000000000001").Key(), store.Condition{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	putDoc(t, e.st, rootMG+"/subscriptions/00000000-0000-0000-0000-000000000001", `{"properties":{}}`)
	if err := a.Check(ctx, p, "Microsoft.Compute/virtualMachines/read", armid.MustParse(vm)); err == nil {
		t.Fatal("still allowed after the subscription left the management group")
	}
}
