package output

import (
	"strings"
)

// AddResourceGroup is azure-cli core's global result transform
// (azure/cli/core/commands/transform.py, _add_resource_group), which runs on
// every command's result before --query: every object with a non-empty
// string "id" of the form /subscriptions/S/resourceGroups/G/x/y/z/NAME… and
// no "resourceGroup" key gains "resourceGroup": G, at any depth (objects
// under a "sourceVault" key are left alone). A resource group's own ID is
// too short to qualify. v must be in this package's value model (the result
// of normalize); objects are changed in place.
func AddResourceGroup(v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			AddResourceGroup(e)
		}
	case map[string]any:
		if _, ok := x["resourceGroup"]; !ok {
			if rg, ok := resourceGroupOfID(x["id"]); ok {
				x["resourceGroup"] = rg
			}
		}
		for k, e := range x {
			if k != "sourceVault" {
				AddResourceGroup(e)
			}
		}
	case *OrderedMap:
		if _, ok := x.Get("resourceGroup"); !ok {
			id, _ := x.Get("id")
			if rg, ok := resourceGroupOfID(id); ok {
				x.Set("resourceGroup", rg)
			}
		}
		for _, k := range x.Keys() {
			if k != "sourceVault" {
				e, _ := x.Get(k)
				AddResourceGroup(e)
			}
		}
	}
}

// resourceGroupOfID is _parse_id's reading of an ID: the fifth '/'-separated
// part when the fourth is "resourceGroups" (any case) and a ninth exists.
func resourceGroupOfID(id any) (string, bool) {
	s, ok := id.(string)
	if !ok || s == "" {
		return "", false
	}
	parts := strings.Split(s, "/")
	if len(parts) < 9 || !strings.EqualFold(parts[3], "resourcegroups") {
		return "", false
	}
	return parts[4], true
}
