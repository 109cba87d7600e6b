package activitylog

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
)

// resourceGroupType is how the activity log spells a resource group's type
// (lower-case "resourcegroups", unlike resource ids), as in real events of
// "Microsoft.Resources/subscriptions/resourcegroups/write".
const resourceGroupType = "Microsoft.Resources/subscriptions/resourcegroups"

// operationDisplay holds the display names Azure shows in
// operationName.localizedValue for operations seen in real events. Other
// operations show their value, as the schema documentation's samples do.
var operationDisplay = map[string]string{
	"microsoft.resources/subscriptions/resourcegroups/write": "Update resource group",
	"microsoft.storage/storageaccounts/write":                "Create/Update Storage Account",
	"microsoft.storage/storageaccounts/delete":               "Delete Storage Account",
	"microsoft.authorization/roleassignments/write":          "Create role assignment",
}

// providerDisplay holds the display names Azure shows in
// resourceProviderName.localizedValue where they differ from the namespace.
var providerDisplay = map[string]string{
	"microsoft.resources": "Microsoft Resources",
	"microsoft.insights":  "Microsoft Insights",
	"microsoft.sql":       "Microsoft SQL",
	"microsoft.web":       "Azure Web Sites",
}

// Operation returns an operationName: the value and Azure's display name
// for it when known.
func Operation(name string) LocalizableString {
	if d, ok := operationDisplay[strings.ToLower(name)]; ok {
		return LocalizableString{Value: name, LocalizedValue: d}
	}
	return Same(name)
}

// Provider returns a resourceProviderName for a namespace.
func Provider(namespace string) LocalizableString {
	if d, ok := providerDisplay[strings.ToLower(namespace)]; ok {
		return LocalizableString{Value: namespace, LocalizedValue: d}
	}
	return Same(namespace)
}

// target is what an event says about the resource it concerns.
type target struct {
	id       string
	typ      string
	provider string
	group    string
	sub      string
}

// targetOf parses a resource id. typ, when not empty, is the resource's
// type in its canonical casing (from the stored resource) and wins over the
// casing of the id.
func targetOf(resourceID, typ string) (target, error) {
	id, err := armid.Parse(resourceID)
	if err != nil {
		return target{}, fmt.Errorf("activity log event for %q: %w", resourceID, err)
	}
	t := target{id: id.String(), group: id.ResourceGroup(), sub: id.SubscriptionID(), provider: id.Namespace()}
	switch {
	case id.Kind() == armid.ResourceGroup:
		t.typ = resourceGroupType
	case typ != "":
		t.typ = typ
	default:
		t.typ = id.Type()
	}
	if ns, _, ok := strings.Cut(t.typ, "/"); ok && strings.EqualFold(ns, t.provider) {
		t.provider = ns
	}
	return t, nil
}

// verb maps an HTTP method to the last segment of an RBAC write operation.
func verb(method string) (string, error) {
	switch strings.ToUpper(method) {
	case http.MethodPut, http.MethodPatch:
		return "write", nil
	case http.MethodDelete:
		return "delete", nil
	}
	return "", fmt.Errorf("activity log: method %q needs an explicit action", method)
}
