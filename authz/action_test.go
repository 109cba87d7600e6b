package authz

import (
	"testing"

	"github.com/palisade/palisade/armid"
)

// Action names follow "{Company}.{ProviderName}/{resourceType}/{action}" with
// read for GET, write for PUT and PATCH, delete for DELETE and action for
// POST (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions-format).
func TestActionFor(t *testing.T) {
	tests := []struct {
		method, id, want string
	}{
		{"PUT", rg, "Microsoft.Resources/subscriptions/resourceGroups/write"},
		{"PATCH", rg, "Microsoft.Resources/subscriptions/resourceGroups/write"},
		{"DELETE", sub + "/resourcegroups/x", "Microsoft.Resources/subscriptions/resourceGroups/delete"},
		{"HEAD", rg, "Microsoft.Resources/subscriptions/resourceGroups/read"},
		{"GET", sub, "Microsoft.Resources/subscriptions/read"},
		{"PUT", mg, "Microsoft.Management/managementGroups/write"},
		{"GET", "/", "Microsoft.Resources/tenants/read"},
		{"PUT", vm, "Microsoft.Compute/virtualMachines/write"},
		{"DELETE", db, "Microsoft.Sql/servers/databases/delete"},
		{"PUT", sub + "/providers/Microsoft.Authorization/policyAssignments/pa", "Microsoft.Authorization/policyAssignments/write"},
		{"PUT", mg + "/providers/Microsoft.Authorization/policyDefinitions/d", "Microsoft.Authorization/policyDefinitions/write"},
		{"DELETE", vm + "/providers/Microsoft.Authorization/policyExemptions/e", "Microsoft.Authorization/policyExemptions/delete"},
		{"PUT", rg + "/providers/Microsoft.Authorization/roleAssignments/x", "Microsoft.Authorization/roleAssignments/write"},
		{"GET", "/providers/Microsoft.Authorization/roleDefinitions/x", "Microsoft.Authorization/roleDefinitions/read"},
		// Provider types keep the request's casing, as ARM echoes it.
		{"GET", rg + "/providers/microsoft.operationalinsights/workspaces/w", "microsoft.operationalinsights/workspaces/read"},
		{"POST", vm, "Microsoft.Compute/virtualMachines/action"},
	}
	for _, tt := range tests {
		if got := ActionFor(tt.method, armid.MustParse(tt.id)); got != tt.want {
			t.Errorf("ActionFor(%s, %s) = %s, want %s", tt.method, tt.id, got, tt.want)
		}
	}
}

func TestCollectionAction(t *testing.T) {
	tests := []struct {
		method, scope, collection, want string
	}{
		{"GET", sub, "resourcegroups", "Microsoft.Resources/subscriptions/resourceGroups/read"},
		{"GET", sub, "resources", "Microsoft.Resources/subscriptions/resources/read"},
		{"GET", rg, "resources", "Microsoft.Resources/subscriptions/resourceGroups/resources/read"},
		{"GET", sub, "locations", "Microsoft.Resources/subscriptions/locations/read"},
		{"GET", sub, "Microsoft.Storage", "Microsoft.Resources/subscriptions/providers/read"},
		{"GET", sub, "providers", "Microsoft.Resources/subscriptions/providers/read"},
		{"GET", "/", "subscriptions", "Microsoft.Resources/subscriptions/read"},
		{"GET", mg, "subscriptions", "Microsoft.Management/managementGroups/subscriptions/read"},
		{"GET", sub, "Microsoft.Authorization/policyAssignments", "Microsoft.Authorization/policyAssignments/read"},
		{"GET", rg, "Microsoft.Authorization/roleAssignments", "Microsoft.Authorization/roleAssignments/read"},
		{"POST", sub, "Microsoft.Storage/register", "Microsoft.Storage/register/action"},
		{"POST", rg + "/providers/Microsoft.Storage/storageAccounts/acct", "listKeys", "Microsoft.Storage/storageAccounts/listKeys/action"},
		{"GET", rg + "/providers/Microsoft.Sql/servers/s1", "databases", "Microsoft.Sql/servers/databases/read"},
		{"POST", sub + "/providers/Microsoft.PolicyInsights/policyStates/latest", "queryResults", "Microsoft.PolicyInsights/policyStates/queryResults/action"},
	}
	for _, tt := range tests {
		if got := CollectionAction(tt.method, armid.MustParse(tt.scope), tt.collection); got != tt.want {
			t.Errorf("CollectionAction(%s, %s, %s) = %s, want %s", tt.method, tt.scope, tt.collection, got, tt.want)
		}
	}
}

func TestRequestAction(t *testing.T) {
	if got := RequestAction("DELETE", armid.MustParse(rg), ""); got != "Microsoft.Resources/subscriptions/resourceGroups/delete" {
		t.Errorf("item: %s", got)
	}
	if got := RequestAction("GET", armid.MustParse(sub), "resourcegroups"); got != "Microsoft.Resources/subscriptions/resourceGroups/read" {
		t.Errorf("collection: %s", got)
	}
}
