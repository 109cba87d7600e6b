package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Bad input to the predefined tags API (/subscriptions/{s}/tagNames): tag name rules follow
// Tags_CreateOrUpdate in Azure/azure-rest-api-specs resources.json (at most 512 characters; the
// prefixes 'microsoft', 'azure' and 'windows' are reserved) and the tag rules of
// https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations
// (no '<', '>', '%', '&', '\', '?', '/'; values at most 256 characters). A body, which the
// operations do not take, is ignored.
func TestTagNamesBadInput(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2025-04-01"
	base := "/subscriptions/" + testSub + "/tagNames"
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{name: "reserved prefix", method: "PUT", path: base + "/Microsoft.Owner" + v, status: 400, code: "InvalidTagName"},
		{name: "reserved prefix in another casing", method: "PUT", path: base + "/WINDOWSbox" + v, status: 400, code: "InvalidTagName"},
		{name: "angle bracket", method: "PUT", path: base + "/a%3Eb" + v, status: 400, code: "InvalidTagNameCharacters"},
		{name: "percent", method: "PUT", path: base + "/a%25b" + v, status: 400, code: "InvalidTagNameCharacters"},
		{name: "escaped slash", method: "PUT", path: base + "/a%2Fb" + v, status: 400, code: "InvalidTagNameCharacters"},
		{name: "name too long", method: "PUT", path: base + "/" + strings.Repeat("n", 513) + v, status: 400, code: "InvalidTagNameCharacters"},
		{name: "value too long", method: "PUT", path: base + "/n/tagValues/" + strings.Repeat("v", 257) + v, status: 400, code: "InvalidTag"},
		{name: "value of a name not predefined", method: "PUT", path: base + "/n/tagValues/x" + v, status: 404, code: "PredefinedTagNameNotFound"},
		{name: "delete a value of a name not predefined", method: "DELETE", path: base + "/n/tagValues/x" + v, status: 404, code: "PredefinedTagNameNotFound"},
		{name: "unknown Microsoft.Resources api-version", method: "GET", path: base + "?api-version=2021-03-01", status: 400, code: "InvalidApiVersionParameter"},
		{name: "POST to the list", method: "POST", path: base + v, body: `{}`, status: 405, code: "MethodNotAllowed"},
		{name: "GET of one name", method: "GET", path: base + "/n" + v, status: 405, code: "MethodNotAllowed"},
		{name: "PATCH of a value", method: "PATCH", path: base + "/n/tagValues/x" + v, body: `{}`, status: 405, code: "MethodNotAllowed"},
		{name: "path below a name", method: "PUT", path: base + "/n/other/x" + v, status: 404, code: "InvalidResourceType"},
		{name: "path below a value", method: "PUT", path: base + "/n/tagValues/x/y" + v, status: 404, code: "InvalidResourceType"},
		{name: "unknown subscription", method: "PUT", path: "/subscriptions/00000000-0000-0000-0000-00000000dead/tagNames/n" + v, status: 404, code: "SubscriptionNotFound"},
		{name: "subscription id not a GUID", method: "GET", path: "/subscriptions/abc/tagNames" + v, status: 400, code: "InvalidSubscriptionId"},
		{name: "bad $skiptoken", method: "GET", path: base + v + "&$skiptoken=x", status: 400, code: "InvalidSkipToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(t, tc.method, tc.path, tc.body)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %s, want %d %s: %.300s", r.Status, r.code(), tc.status, tc.code, r.Raw)
			}
		})
	}
	// Nothing was predefined by the refused writes; a malformed body on a good PUT is ignored.
	if r := a.do(t, "GET", base+v, ""); r.Status != 200 || len(r.Body["value"].([]any)) != 0 {
		t.Errorf("after bad input: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "PUT", base+"/n"+v, `{"oops`); r.Status != 201 || r.Body["tagName"] != "n" {
		t.Errorf("PUT with a stray body: %d %s", r.Status, r.Raw)
	}
}

// The stored predefined tags survive a new handler on the same store, and a name differing
// only in case is the same name while a value differing only in case is another value.
func TestTagNamesStoredAndCaseRules(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2025-04-01"
	base := "/subscriptions/" + testSub + "/tagNames"
	for _, step := range []struct {
		method, path string
		status       int
	}{
		{"PUT", "/CostCenter", 201},
		{"PUT", "/costcenter", 200},
		{"PUT", "/COSTCENTER/tagValues/Blue", 201},
		{"PUT", "/costCenter/tagValues/blue", 201},
		{"PUT", "/costcenter/tagValues/Blue", 200},
		{"DELETE", "/costcenter/tagValues/BLUE", 204},
	} {
		if r := a.do(t, step.method, base+step.path+v, ""); r.Status != step.status {
			t.Fatalf("%s %s: %d, want %d: %s", step.method, step.path, r.Status, step.status, r.Raw)
		}
	}
	h2, err := New(a.h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h2)
	t.Cleanup(srv.Close)
	a = &testAPI{h: h2, srv: srv}
	r := a.do(t, "GET", base+v, "")
	items, _ := r.Body["value"].([]any)
	if r.Status != 200 || len(items) != 1 {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	got := items[0].(map[string]any)
	if got["tagName"] != "CostCenter" || got["id"] != base+"/CostCenter" || len(got["values"].([]any)) != 2 {
		t.Errorf("stored tag: %s", r.Raw)
	}
}
