package output

import (
	"reflect"
	"testing"
)

// AddResourceGroup gives objects az's "resourceGroup" exactly where
// azure-cli core's _add_resource_group does.
func TestAddResourceGroup(t *testing.T) {
	res := "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a"
	tests := []struct {
		name    string
		in, out any
	}{
		{"resource", map[string]any{"id": res}, map[string]any{"id": res, "resourceGroup": "rg1"}},
		{"lower-case segment", map[string]any{"id": "/subscriptions/s/resourcegroups/RG2/providers/A.B/c/d"},
			map[string]any{"id": "/subscriptions/s/resourcegroups/RG2/providers/A.B/c/d", "resourceGroup": "RG2"}},
		{"resource group itself", map[string]any{"id": "/subscriptions/s/resourceGroups/rg1"},
			map[string]any{"id": "/subscriptions/s/resourceGroups/rg1"}},
		{"subscription-level object", map[string]any{"id": "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a"},
			map[string]any{"id": "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a"}},
		{"existing key kept", map[string]any{"id": res, "resourceGroup": nil}, map[string]any{"id": res, "resourceGroup": nil}},
		{"empty or non-string id", []any{map[string]any{"id": ""}, map[string]any{"id": int64(1)}},
			[]any{map[string]any{"id": ""}, map[string]any{"id": int64(1)}}},
		{"nested, in lists", map[string]any{"value": []any{map[string]any{"x": map[string]any{"id": res}}}},
			map[string]any{"value": []any{map[string]any{"x": map[string]any{"id": res, "resourceGroup": "rg1"}}}}},
		{"sourceVault left alone", map[string]any{"sourceVault": map[string]any{"id": res}},
			map[string]any{"sourceVault": map[string]any{"id": res}}},
		{"scalar", "text", "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			AddResourceGroup(tt.in)
			if !reflect.DeepEqual(tt.in, tt.out) {
				t.Errorf("got %v, want %v", tt.in, tt.out)
			}
		})
	}
	om := NewOrderedMap("id", res)
	AddResourceGroup(om)
	if v, _ := om.Get("resourceGroup"); v != "rg1" {
		t.Errorf("ordered map: resourceGroup = %v", v)
	}
}
