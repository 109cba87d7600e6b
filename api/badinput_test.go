package api

import (
	"strings"
	"testing"
)

// Every kind of bad input gets the ARM error a user of Azure would see.
// Codes and messages follow learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors
// and the captures in the Azure SDK issue threads (MissingApiVersionParameter's text is ARM's verbatim).
func TestBadInput(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2024-11-01"
	sub := "/subscriptions/" + testSub
	rg := sub + "/resourceGroups/rg1"
	res := rg + "/providers/Microsoft.Storage/storageAccounts/sa1"
	if r := a.do(t, "PUT", rg+v, `{"location":"westeurope"}`); r.Status != 201 {
		t.Fatalf("setup: %d %s", r.Status, r.Raw)
	}
	big := `{"location":"westeurope","properties":{"blob":"` + strings.Repeat("x", 1<<20) + `"}}`
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		code                     string
		target                   string
	}{
		{name: "no token", method: "GET", path: rg + v, hdr: []string{"Authorization", ""}, status: 401, code: "AuthenticationFailed"},
		{name: "not a bearer header", method: "GET", path: rg + v, hdr: []string{"Authorization", "Basic abc"}, status: 401, code: "AuthenticationFailed"},
		{name: "garbage token", method: "GET", path: rg + v, hdr: []string{"Authorization", "Bearer abc"}, status: 401, code: "InvalidAuthenticationToken"},
		{name: "expired token", method: "GET", path: rg + v, hdr: []string{"Authorization", "Bearer expired"}, status: 401, code: "ExpiredAuthenticationToken"},
		{name: "wrong audience", method: "GET", path: rg + v, hdr: []string{"Authorization", "Bearer wrong-aud"}, status: 401, code: "InvalidAuthenticationTokenAudience"},
		{name: "missing api-version", method: "GET", path: rg, status: 400, code: "MissingApiVersionParameter"},
		{name: "malformed api-version", method: "GET", path: rg + "?api-version=latest", status: 400, code: "InvalidApiVersionParameter"},
		{name: "unknown Microsoft.Resources api-version", method: "GET", path: rg + "?api-version=2021-03-01", status: 400, code: "InvalidApiVersionParameter"},
		{name: "malformed JSON", method: "PUT", path: res + v, body: `{"location":`, status: 400, code: "InvalidRequestContent"},
		{name: "body is not an object", method: "PUT", path: res + v, body: `[1,2]`, status: 400, code: "InvalidRequestContent"},
		{name: "location of the wrong type", method: "PUT", path: res + v, body: `{"location":42}`, status: 400, code: "InvalidRequestContent", target: "location"},
		{name: "tags of the wrong type", method: "PUT", path: res + v, body: `{"tags":["a"]}`, status: 400, code: "InvalidRequestContent", target: "tags"},
		{name: "properties of the wrong type", method: "PUT", path: res + v, body: `{"properties":"x"}`, status: 400, code: "InvalidRequestContent", target: "properties"},
		{name: "resource group tags of the wrong type", method: "PUT", path: rg + v, body: `{"location":"westeurope","tags":{"a":1}}`, status: 400, code: "InvalidRequestContent", target: "tags"},
		{name: "empty body", method: "PUT", path: res + v, status: 400, code: "InvalidRequestContent"},
		{name: "resource group without location", method: "PUT", path: sub + "/resourceGroups/rg2" + v, body: `{}`, status: 400, code: "LocationRequired"},
		// Message and code as quoted in Azure/azure-cli#7602.
		{name: "resource group in an unknown region", method: "PUT", path: sub + "/resourceGroups/rg3" + v, body: `{"location":"Mars Central"}`, status: 400, code: "LocationNotAvailableForResourceGroup"},
		{name: "invalid resource group name", method: "PUT", path: sub + "/resourceGroups/bad." + v, body: `{"location":"westeurope"}`, status: 400, code: "InvalidResourceGroup"},
		{name: "tag name with a slash", method: "PUT", path: res + v, body: `{"tags":{"a/b":"x"}}`, status: 400, code: "InvalidTagNameCharacters"},
		{name: "body over 1 MiB", method: "PUT", path: res + v, body: big, status: 413, code: "RequestContentTooLarge"},
		{name: "id with an empty segment", method: "GET", path: sub + "/resourceGroups//providers/A.B/c/d" + v, status: 400, code: "InvalidResourceId"},
		{name: "provider without a type name", method: "GET", path: rg + "/providers/Microsoft.Storage/storageAccounts/sa1/providers" + v, status: 400, code: "InvalidResourceId"},
		{name: "unknown resource group", method: "GET", path: sub + "/resourceGroups/nope/providers/A.B/c/d" + v, status: 404, code: "ResourceGroupNotFound"},
		{name: "PUT into an unknown resource group", method: "PUT", path: sub + "/resourceGroups/nope/providers/A.B/c/d" + v, body: `{}`, status: 404, code: "ResourceGroupNotFound"},
		{name: "unknown resource", method: "GET", path: rg + "/providers/A.B/c/d" + v, status: 404, code: "ResourceNotFound"},
		{name: "PATCH of an unknown resource", method: "PATCH", path: rg + "/providers/A.B/c/d" + v, body: `{}`, status: 404, code: "ResourceNotFound"},
		{name: "child of an unknown parent", method: "PUT", path: rg + "/providers/A.B/c/d/e/f" + v, body: `{}`, status: 404, code: "ParentResourceNotFound"},
		{name: "unknown subscription", method: "GET", path: "/subscriptions/00000000-0000-0000-0000-00000000dead/resourceGroups/rg1" + v, status: 404, code: "SubscriptionNotFound"},
		{name: "subscription id not a GUID", method: "GET", path: "/subscriptions/abc" + v, status: 400, code: "InvalidSubscriptionId"},
		{name: "bad $filter", method: "GET", path: rg + "/resources" + v + "&$filter=plan%20eq%20'x'", status: 400, code: "InvalidFilterInQueryString"},
		{name: "bad $top", method: "GET", path: rg + "/resources" + v + "&$top=-1", status: 400, code: "InvalidTopInQueryString"},
		{name: "bad $skiptoken", method: "GET", path: rg + "/resources" + v + "&$skiptoken=%00%01", status: 400, code: "InvalidSkipToken"},
		{name: "management group parent not an id", method: "PUT", path: "/providers/Microsoft.Management/managementGroups/mg1" + v,
			body: `{"properties":{"details":{"parent":{"id":"/subscriptions/x"}}}}`, status: 400, code: "LinkedInvalidPropertyId", target: "properties.details.parent.id"},
		{name: "management group name ending with a period", method: "PUT", path: "/providers/Microsoft.Management/managementGroups/mg." + v,
			body: `{"properties":{}}`, status: 400, code: "BadRequest"},
		{name: "management group name with a character ARM refuses", method: "PUT", path: "/providers/Microsoft.Management/managementGroups/mg%21" + v,
			body: `{"properties":{}}`, status: 400, code: "BadRequest"},
		// Azure/azure-sdk-for-python#3923.
		{name: "management group body naming another group", method: "PUT", path: "/providers/Microsoft.Management/managementGroups/mg1" + v,
			body: `{"name":"mg2","properties":{}}`, status: 400, code: "BadRequest", target: "name"},
		{name: "unknown management group", method: "GET", path: "/providers/Microsoft.Management/managementGroups/nope" + v, status: 404, code: "NotFound"},
		{name: "internal namespace", method: "GET", path: "/providers/Palisade.Identity/users/admin" + v, status: 404, code: "InvalidResourceNamespace"},
		{name: "If-None-Match on an existing group", method: "PUT", path: rg + v, body: `{"location":"westeurope"}`, hdr: []string{"If-None-Match", "*"}, status: 412, code: "PreconditionFailed"},
		{name: "If-Match with a stale etag", method: "PUT", path: rg + v, body: `{"location":"westeurope"}`, hdr: []string{"If-Match", `"stale"`}, status: 412, code: "PreconditionFailed"},
		{name: "method not supported", method: "POST", path: sub + v, body: `{}`, status: 405, code: "MethodNotAllowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(t, tc.method, tc.path, tc.body, tc.hdr...)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %s, want %d %s: %.300s", r.Status, r.code(), tc.status, tc.code, r.Raw)
			}
			e := r.Body["error"].(map[string]any)
			if msg, _ := e["message"].(string); msg == "" {
				t.Error("error without a message")
			}
			if tc.target != "" && e["target"] != tc.target {
				t.Errorf("target %v, want %s", e["target"], tc.target)
			}
			if r.Header.Get("x-ms-request-id") == "" || r.Header.Get("x-ms-correlation-request-id") == "" {
				t.Error("request id headers missing")
			}
			if tc.status == 401 {
				wa := r.Header.Get("WWW-Authenticate")
				if !strings.HasPrefix(wa, `Bearer authorization_uri="`) || !strings.Contains(wa, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate %q", wa)
				}
			}
		})
	}
	// Nothing was stored by the refused writes, and the server still serves.
	if r := a.do(t, "GET", rg+"/resources"+v, ""); r.Status != 200 || len(r.Body["value"].([]any)) != 0 {
		t.Errorf("after bad input: %d %s", r.Status, r.Raw)
	}
}

// Compliance data is not served: a Microsoft.PolicyInsights request is told so, and where the
// policy events are, instead of getting a bare method error.
func TestPolicyInsightsNotServed(t *testing.T) {
	a := newTestAPI(t)
	a.h.Handle(PolicyInsightsPrefix, PolicyInsightsNotServed())
	r := a.do(t, "POST", "/subscriptions/"+testSub+"/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?api-version=2019-10-01", "")
	msg, _ := r.Body["error"].(map[string]any)["message"].(string)
	if r.Status != 404 || r.code() != "InvalidResourceType" || !strings.Contains(msg, "Microsoft.Insights/eventtypes/management/values") {
		t.Fatalf("got %d %s: %s", r.Status, r.code(), r.Raw)
	}
}

// The generic resource operations of the SDKs leave {parentResourcePath} empty for a resource
// without a parent ("…/providers/Microsoft.Storage//storageAccounts/sa1"); ARM serves that path
// as the resource, while an empty segment anywhere else stays an invalid id.
func TestEmptyParentResourcePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/subscriptions/s/resourcegroups/rg/providers/Microsoft.Storage//storageAccounts/sa1", "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/sa1"},
		{"/subscriptions/s/resourcegroups/rg/providers/A.B//c/d/providers/Microsoft.Authorization/policyAssignments", "/subscriptions/s/resourcegroups/rg/providers/A.B/c/d/providers/Microsoft.Authorization/policyAssignments"},
		{"/subscriptions/s/resourceGroups//providers/A.B/c/d", "/subscriptions/s/resourceGroups//providers/A.B/c/d"},
		{"/subscriptions/s/resourcegroups/rg/providers//A.B/c/d", "/subscriptions/s/resourcegroups/rg/providers//A.B/c/d"},
		{"/subscriptions/s/resourcegroups/rg/providers/A.B/c//d", "/subscriptions/s/resourcegroups/rg/providers/A.B/c//d"},
		{"/subscriptions/s/resourcegroups/rg/providers/A.B//d", "/subscriptions/s/resourcegroups/rg/providers/A.B//d"},
	} {
		if got := emptyParentPath(tc.in); got != tc.want {
			t.Errorf("emptyParentPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Template deployments are refused with the reason rather than stored as resources that deploy
// nothing; types that merely start with the same letters (deploymentScripts) stay generic.
func TestDeploymentsNotServed(t *testing.T) {
	a := newTestAPI(t)
	a.h.HandleType(DeploymentsType, DeploymentsNotServed())
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.mustDo(t, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`, 201)
	for _, tc := range []struct{ method, path string }{
		{"PUT", rg + "/providers/Microsoft.Resources/deployments/d1?api-version=2024-11-01"},
		{"POST", rg + "/providers/Microsoft.Resources/deployments/d1/whatIf?api-version=2024-11-01"},
		{"GET", "/subscriptions/" + testSub + "/providers/Microsoft.Resources/deployments?api-version=2024-11-01"},
	} {
		r := a.do(t, tc.method, tc.path, `{"properties":{"mode":"Incremental","template":{}}}`)
		msg, _ := r.Body["error"].(map[string]any)["message"].(string)
		if r.Status != 404 || r.code() != "InvalidResourceType" || !strings.Contains(msg, "does not run template deployments") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Raw)
		}
	}
	a.mustDo(t, "PUT", rg+"/providers/Microsoft.Resources/deploymentScripts/s1?api-version=2023-08-01", `{"location":"westeurope","kind":"AzureCLI"}`, 201)
}
