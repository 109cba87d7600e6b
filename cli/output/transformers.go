package output

import "fmt"

// The table transformers below are the ones az registers for the commands
// Palisade has (Azure/azure-cli, src/azure-cli/azure/cli/command_modules/
// resource/commands.py and profile/_format.py). They index the result the
// way the Python code does, so a missing key fails the same way: the table
// output becomes "Table output unavailable...".
//
// az registers no transformer for group show, resource show, policy
// assignment list/show, policy definition list/show and monitor activity-log
// list: those print knack's automatic table (sorted scalar fields), which is
// what Write does when Options.Transformer is nil.

// TableTransformers maps an az command name to its table transformer.
var TableTransformers = map[string]TableTransformer{
	"group list":    GroupListTable,
	"resource list": ResourceListTable,
	"account list":  AccountListTable,
	// azure/cli/command_modules/role/commands.py
	"role definition list": RoleDefinitionListTable,
}

// GroupListTable is az group list's transform_resource_group_list: one row
// per resource group with Name, Location and Status
// (properties.provisioningState).
func GroupListTable(result any) any {
	var rows []any
	for _, r := range pyIter(result) {
		rows = append(rows, NewOrderedMap(
			"Name", pyIndex(r, "name"),
			"Location", pyIndex(r, "location"),
			"Status", pyIndex(pyIndex(r, "properties"), "provisioningState"),
		))
	}
	return rows
}

// ResourceListTable is az resource list's transform_resource_list: Name,
// ResourceGroup, Location, Type and Status. Status reads
// properties.provisioningStatus (sic); when properties is null (the usual
// case for a list) it is a single space, which the table then trims away.
func ResourceListTable(result any) any {
	var rows []any
	for _, r := range pyIter(result) {
		row := NewOrderedMap(
			"Name", pyIndex(r, "name"),
			"ResourceGroup", pyIndex(r, "resourceGroup"),
			"Location", pyIndex(r, "location"),
			"Type", pyIndex(r, "type"),
		)
		row.Set("Status", resourceStatus(r))
		rows = append(rows, row)
	}
	return rows
}

// resourceStatus mirrors the try/except TypeError around
// r['properties']['provisioningStatus']: only a type error (properties not
// an object) falls back to " "; a missing key still fails.
func resourceStatus(r any) (status any) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(pyTypeError); ok {
				status = " "
				return
			}
			panic(p)
		}
	}()
	return pyIndex(pyIndex(r, "properties"), "provisioningStatus")
}

// AccountListTable is az account list's transform_account_list: Name,
// CloudName, SubscriptionId (the id field), TenantId, State (optional) and
// IsDefault.
func AccountListTable(result any) any {
	var rows []any
	for _, r := range pyIter(result) {
		var state any
		if m, ok := r.(map[string]any); ok {
			state = m["state"]
		} else {
			state = pyIndex(r, "state")
		}
		rows = append(rows, NewOrderedMap(
			"Name", pyIndex(r, "name"),
			"CloudName", pyIndex(r, "cloudName"),
			"SubscriptionId", pyIndex(r, "id"),
			"TenantId", pyIndex(r, "tenantId"),
			"State", state,
			"IsDefault", pyIndex(r, "isDefault"),
		))
	}
	return rows
}

// RoleDefinitionListTable is az role definition list's
// transform_definition_list: Name (the roleName), Type (the resource type)
// and Description.
func RoleDefinitionListTable(result any) any {
	var rows []any
	for _, r := range pyIter(result) {
		rows = append(rows, NewOrderedMap(
			"Name", pyIndex(r, "roleName"),
			"Type", pyIndex(r, "type"),
			"Description", pyIndex(r, "description"),
		))
	}
	return rows
}

// pyKeyError and pyTypeError are the panics pyIndex raises, named after the
// Python exceptions the transformers would raise.
type pyKeyError string

type pyTypeError string

// pyIndex is Python's v[key] on a JSON value: a missing key is a KeyError,
// indexing anything but an object a TypeError.
func pyIndex(v any, key string) any {
	switch m := v.(type) {
	case map[string]any:
		if x, ok := m[key]; ok {
			return x
		}
		panic(pyKeyError(fmt.Sprintf("KeyError: %s", pyQuote(key))))
	case *OrderedMap:
		if x, ok := m.Get(key); ok {
			return x
		}
		panic(pyKeyError(fmt.Sprintf("KeyError: %s", pyQuote(key))))
	}
	panic(pyTypeError(fmt.Sprintf("TypeError: %T is not subscriptable by %s", v, pyQuote(key))))
}

// pyIter is Python's iteration over a result: a list gives its items, an
// object its keys; anything else is a TypeError.
func pyIter(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		var keys []any
		for _, k := range sortedKeys(x) {
			keys = append(keys, k)
		}
		return keys
	}
	panic(pyTypeError(fmt.Sprintf("TypeError: %T is not iterable", v)))
}
