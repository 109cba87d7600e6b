package enforce_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	sub    = "00000000-0000-0000-0000-000000000001"
	amr    = "http://schemas.microsoft.com/claims/authnmethodsreferences"
)

func putJSON(t *testing.T, st store.Store, id, body string) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(tx store.Tx) error {
		doc, err := store.NewDocument(armid.MustParse(id), []byte(body))
		if err != nil {
			return err
		}
		_, err = tx.Put(ctx, doc, store.Condition{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotFollowsChanges: an assignment change governs the very next decision, and the
// assignment at the tenant root group reaches the subscription through the hierarchy.
func TestSnapshotFollowsChanges(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := api.EnsureTenant(ctx, st, api.TenantSetup{TenantID: tenant, SubscriptionID: sub}); err != nil {
		t.Fatal(err)
	}
	e := enforce.New(st, nil)
	root := "/providers/Microsoft.Management/managementGroups/" + tenant
	assignment := root + "/providers/Microsoft.Authorization/policyAssignments/mfa"
	body := func(effect string) string {
		return `{"id":"` + assignment + `","name":"mfa","type":"Microsoft.Authorization/policyAssignments","properties":{
			"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b",
			"scope":"` + root + `","parameters":{"effect":{"value":"` + effect + `"}}}}`
	}
	id := armid.MustParse("/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a")
	req := &decide.Request{Operation: policy.OperationCreate, ID: id,
		Resource:       map[string]any{"id": id.String(), "name": "a", "type": "Microsoft.Storage/storageAccounts", "location": "eastus"},
		RequestContext: map[string]any{"identity": map[string]any{"idtyp": "user", amr: "pwd"}}}
	decideNow := func() *decide.Decision {
		s, err := e.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s.Decide(req)
	}
	if d := decideNow(); len(d.Audited)+len(d.Denied) != 0 {
		t.Fatal("a decision before any assignment")
	}
	putJSON(t, st, assignment, body("Audit"))
	if d := decideNow(); len(d.Audited) != 1 {
		t.Fatalf("after assigning at the root group: audited %d", len(d.Audited))
	}
	putJSON(t, st, assignment, body("Deny"))
	if d := decideNow(); len(d.Denied) != 1 || !strings.Contains(d.Denied[0].Assignment.ID, "/mfa") {
		t.Fatalf("after switching to Deny: denied %d", len(d.Denied))
	}
}

func TestScopeObjects(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	putJSON(t, st, "/subscriptions/"+sub+"/resourceGroups/rg", `{"name":"rg","location":"westeurope","tags":{"cost":"42"}}`)
	var cache enforce.ScopeCache
	scopes := func() (rg, subObj map[string]any) {
		err := st.View(ctx, func(tx store.Tx) error {
			var err error
			rg, subObj, err = enforce.ScopeObjects(ctx, tx, armid.MustParse("/subscriptions/"+sub+"/resourceGroups/rg/providers/A.B/c/d"), &cache)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rg, subObj
	}
	rg, s := scopes()
	if rg["location"] != "westeurope" || rg["tags"].(map[string]any)["cost"] != "42" || s["subscriptionId"] != sub {
		t.Errorf("rg %v sub %v", rg, s)
	}
	if _, ok := rg["managedBy"]; !ok {
		t.Error("resourceGroup() lacks managedBy")
	}
	// A changed group is read again; an unchanged one comes from the cache.
	putJSON(t, st, "/subscriptions/"+sub+"/resourceGroups/rg", `{"name":"rg","location":"westeurope","tags":{"cost":"43"}}`)
	if rg, _ := scopes(); rg["tags"].(map[string]any)["cost"] != "43" {
		t.Errorf("after the group changed: %v", rg)
	}
	a, _ := scopes()
	b, _ := scopes()
	if reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
		t.Error("an unchanged group was decoded again")
	}
}
