package authz

import (
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
)

// Operation suffixes of ARM actions: "{type}/read" for GET and HEAD,
// "{type}/write" for PUT and PATCH, "{type}/delete" for DELETE, and
// "{type}/{operation}/action" for POST operations
// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions-format).
func verb(method string) string {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead:
		return "read"
	case http.MethodPut, http.MethodPatch:
		return "write"
	case http.MethodDelete:
		return "delete"
	default:
		return "action"
	}
}

// ActionFor names the action an ARM request with method on the object id
// performs: "Microsoft.Resources/subscriptions/resourceGroups/write" for a PUT
// of a resource group, "Microsoft.Sql/servers/databases/delete" for a DELETE
// of a nested database, "Microsoft.Authorization/policyAssignments/write"
// for a PUT of a policy assignment at any scope,
// "Microsoft.Management/managementGroups/read" for a GET of a group. Provider
// types keep the request's casing, as ARM's refusals do. A POST to an object
// itself is "{type}/action"; POST operations below an object are named by
// CollectionAction.
func ActionFor(method string, id armid.ID) string {
	if id.Kind() == armid.Tenant {
		return "Microsoft.Resources/tenants/" + verb(method)
	}
	return id.Type() + "/" + verb(method)
}

// keywordTypes gives the canonical casing of the built-in child collections
// of the scopes.
var keywordTypes = map[string]string{
	"resourcegroups": "resourceGroups",
	"resources":      "resources",
	"locations":      "locations",
	"providers":      "providers",
	"subscriptions":  "subscriptions",
	"tagnames":       "tagNames",
	"deployments":    "deployments",
	"descendants":    "descendants",
}

// CollectionAction names the action of a request on a collection or
// operation below scope, as the ARM router parses it: collection is either a
// namespace-qualified type at the scope ("Microsoft.Authorization/
// policyAssignments" lists to ".../policyAssignments/read"; a POST to
// "Microsoft.Storage/register" is "Microsoft.Storage/register/action") or a
// bare segment below it ("resourcegroups" under a subscription is
// "Microsoft.Resources/subscriptions/resourceGroups/read"; "listKeys" POSTed
// to a storage account is "Microsoft.Storage/storageAccounts/listKeys/action").
// A bare namespace below a scope ({scope}/providers/{namespace}) reads the
// provider: "Microsoft.Resources/subscriptions/providers/read".
func CollectionAction(method string, scope armid.ID, collection string) string {
	v := verb(method)
	if strings.Contains(collection, "/") {
		return collection + "/" + v
	}
	base := ""
	switch scope.Kind() {
	case armid.Tenant:
		if strings.EqualFold(collection, "subscriptions") {
			return armid.SubscriptionType + "/" + v
		}
		base = "Microsoft.Resources"
	default:
		base = scope.Type()
	}
	if k, ok := keywordTypes[strings.ToLower(collection)]; ok && scope.Kind().IsScope() {
		collection = k
	} else if strings.Contains(collection, ".") && scope.Kind().IsScope() {
		// {scope}/providers/{namespace}: reading a resource provider.
		collection = "providers"
	}
	return base + "/" + collection + "/" + v
}

// RequestAction names the action of a routed ARM request: ActionFor when
// collection is empty (an item route), CollectionAction otherwise. The
// router calls it with the parsed id (the object, or the scope a collection
// is under) and the collection segment(s) it resolved.
func RequestAction(method string, id armid.ID, collection string) string {
	if collection == "" {
		return ActionFor(method, id)
	}
	return CollectionAction(method, id, collection)
}
