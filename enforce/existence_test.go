package enforce_test

import (
	"context"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

// TestRelatedResources: where auditIfNotExists looks for related resources. A details.type below
// the evaluated resource's type is looked up within the evaluated resource only (another
// parent's children in the same group do not count); other types are looked up in the resource
// group; a name whose last segment is ? selects every nested resource of the named parent.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-audit-if-not-exists
// ("AuditIfNotExists properties": type, name).
func TestRelatedResources(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rg := "/subscriptions/" + sub + "/resourceGroups/rg"
	vm := func(name string) string { return rg + "/providers/Microsoft.Compute/virtualMachines/" + name }
	for _, r := range []struct{ id, body string }{
		{vm("vm1"), `{"name":"vm1","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{}}`},
		{vm("vm2"), `{"name":"vm2","type":"Microsoft.Compute/virtualMachines","location":"eastus","properties":{}}`},
		{vm("vm2") + "/extensions/ama", `{"name":"ama","type":"Microsoft.Compute/virtualMachines/extensions","location":"eastus",
			"properties":{"publisher":"Microsoft.Azure.Monitor","type":"AzureMonitorWindowsAgent"}}`},
		{rg + "/providers/Microsoft.Storage/storageAccounts/acct", `{"name":"acct","type":"Microsoft.Storage/storageAccounts","location":"eastus","properties":{}}`},
	} {
		r.body = `{"id":"` + r.id + `",` + r.body[1:]
		putJSON(t, st, r.id, r.body)
	}
	aine := func(ifType, name string) string {
		n := ""
		if name != "" {
			n = `"name":"` + name + `",`
		}
		return `{"mode":"Indexed","policyRule":{"if":{"field":"type","equals":"` + ifType + `"},
			"then":{"effect":"auditIfNotExists","details":{"type":"Microsoft.Compute/virtualMachines/extensions",` + n + `
			"existenceCondition":{"field":"Microsoft.Compute/virtualMachines/extensions/publisher","equals":"Microsoft.Azure.Monitor"}}}}}`
	}
	tests := []struct {
		name      string
		def       string
		evaluated string // the resource written
		satisfied bool
	}{
		{"child type, extension on the resource", aine("Microsoft.Compute/virtualMachines", ""), vm("vm2"), true},
		{"child type, extension only on another resource of the group", aine("Microsoft.Compute/virtualMachines", ""), vm("vm1"), false},
		{"nested wildcard name, parent with the extension", aine("Microsoft.Storage/storageAccounts", "vm2/?"), rg + "/providers/Microsoft.Storage/storageAccounts/acct", true},
		{"nested wildcard name, parent without it", aine("Microsoft.Storage/storageAccounts", "vm1/?"), rg + "/providers/Microsoft.Storage/storageAccounts/acct", false},
		{"exact nested name", aine("Microsoft.Storage/storageAccounts", "vm2/ama"), rg + "/providers/Microsoft.Storage/storageAccounts/acct", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, err := policy.ParseDefinition([]byte(tt.def), policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			def.ID = "/subscriptions/" + sub + "/providers/Microsoft.Authorization/policyDefinitions/aine"
			a, err := policy.ParseAssignment([]byte(`{"properties":{"policyDefinitionId":"` + def.ID + `"}}`))
			if err != nil {
				t.Fatal(err)
			}
			a.ID = "/subscriptions/" + sub + "/providers/Microsoft.Authorization/policyAssignments/a"
			s := decide.NewSnapshot(decide.Objects{Definitions: []*policy.Definition{def}, Assignments: []*policy.Assignment{a}})
			id := armid.MustParse(tt.evaluated)
			res := map[string]any{"id": id.String(), "name": id.Name(), "type": id.Type(), "location": "eastus", "properties": map[string]any{}}
			req := &decide.Request{Operation: policy.OperationCreate, ID: id, Resource: res}
			d := s.Decide(req)
			if len(d.Existence) != 1 {
				t.Fatalf("existence outcomes %d", len(d.Existence))
			}
			o := d.Existence[0]
			q, err := o.Related(req)
			if err != nil {
				t.Fatal(err)
			}
			var ok bool
			err = st.View(ctx, func(tx store.Tx) error {
				related, err := enforce.Related(ctx, tx, q)
				if err != nil {
					return err
				}
				ok, err = o.Satisfied(req, related)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.satisfied {
				t.Errorf("satisfied = %v, want %v (query %+v)", ok, tt.satisfied, q)
			}
		})
	}
}
