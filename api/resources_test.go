package api

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, after replacing timestamps and
// etags (which change every run).
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+Z"`).ReplaceAllString(got, `"<time>"`)
	var pretty any
	if err := json.Unmarshal([]byte(got), &pretty); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(pretty)
	b := []byte(buf.String())
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(b) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, b)
	}
}

// PUT is a full replace answering 201 then 200 with the whole resource,
// location normalised and provisioningState added; PATCH merges; DELETE
// answers 200 then 204. Semantics: https://learn.microsoft.com/rest/api/resources/resources/create-or-update-by-id
// and arm-clients notes (status codes the SDK accepts).
func TestResourceLifecycle(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2023-05-01"
	rg := "/subscriptions/" + testSub + "/resourcegroups/rg1"
	id := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Web/sites/Site1"
	if r := a.do(t, "PUT", rg+"?api-version=2025-04-01", `{"location":"North Europe","tags":{"a":"b"}}`); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	} else {
		golden(t, "resourcegroup-put.json", r.Raw)
	}
	steps := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		golden                   string
		version                  string
	}{
		{name: "create", method: "PUT", path: id, status: 201, golden: "resource-put-create.json",
			body: `{"id":"/ignored","name":"ignored","location":"West Europe","kind":"app","tags":{"env":"prod"},
				"properties":{ "provisioningState":"Creating", "serverFarmId": "x", "siteConfig": {"alwaysOn": true}},"zzExtra":[1, 2]}`},
		{name: "replace", method: "PUT", path: strings.ToLower(id), status: 200, golden: "resource-put-replace.json",
			body: `{"location":"westeurope","properties":{"httpsOnly":true}}`},
		{name: "get", method: "GET", path: id, status: 200, golden: "resource-put-replace.json"},
		{name: "head", method: "HEAD", path: id, status: 204},
		{name: "patch", method: "PATCH", path: id, status: 200, golden: "resource-patch.json",
			body: `{"location":"eastus","tags":{"team":"web"},"properties":{"clientAffinityEnabled":false}}`},
		{name: "nested create", method: "PUT", path: id + "/slots/staging", body: `{"location":"westeurope"}`, status: 201},
		{name: "nested list", method: "GET", path: id + "/slots", status: 200},
		{name: "delete", method: "DELETE", path: id, status: 200},
		{name: "nested gone with the parent", method: "GET", path: id + "/slots/staging", status: 404},
		{name: "delete again", method: "DELETE", path: id, status: 204},
		{name: "head missing", method: "HEAD", path: id, status: 404},
		{name: "head resource group", method: "HEAD", path: rg, status: 204, version: "2025-04-01"},
		{name: "head missing resource group", method: "HEAD", path: rg + "x", status: 404, version: "2025-04-01"},
	}
	for _, s := range steps {
		q := v
		if s.version != "" {
			q = "?api-version=" + s.version
		}
		r := a.do(t, s.method, s.path+q, s.body, s.hdr...)
		if r.Status != s.status {
			t.Fatalf("%s: %d, want %d: %s", s.name, r.Status, s.status, r.Raw)
		}
		if s.golden != "" {
			golden(t, s.golden, r.Raw)
		}
		if s.status == 200 && s.method != "DELETE" && s.name != "nested list" && r.Header.Get("ETag") == "" {
			t.Errorf("%s: no ETag", s.name)
		}
	}
}

// If-Match and If-None-Match make writes conditional on the ETag served.
func TestConditionalWrites(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2023-05-01"
	a.do(t, "PUT", "/subscriptions/"+testSub+"/resourceGroups/rg1?api-version=2025-04-01", `{"location":"westeurope"}`)
	id := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/A.B/things/t1"
	r := a.do(t, "PUT", id+v, `{}`, "If-None-Match", "*")
	if r.Status != 201 {
		t.Fatalf("create-only PUT: %d %s", r.Status, r.Raw)
	}
	etag := r.Header.Get("ETag")
	cases := []struct {
		hdr    []string
		status int
	}{
		{[]string{"If-None-Match", "*"}, 412},
		{[]string{"If-Match", `"other"`}, 412},
		{[]string{"If-Match", etag}, 200},
		{[]string{"If-Match", etag}, 412}, // the previous write changed it
		{[]string{"If-Match", "*"}, 200},
	}
	for i, c := range cases {
		if r := a.do(t, "PUT", id+v, `{}`, c.hdr...); r.Status != c.status {
			t.Errorf("case %d %v: %d, want %d: %s", i, c.hdr, r.Status, c.status, r.Raw)
		}
	}
	if r := a.do(t, "DELETE", id+v, "", "If-Match", `"other"`); r.Status != 412 {
		t.Errorf("conditional delete: %d", r.Status)
	}
}

// nextLink is absolute and carries api-version, $filter and $skiptoken,
// because the SDK pager GETs it verbatim.
func TestPagingLinks(t *testing.T) {
	a := newTestAPI(t)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.do(t, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`)
	for i := 0; i < 12; i++ {
		a.do(t, "PUT", rg+"/providers/A.B/things/t"+string(rune('a'+i))+"?api-version=2020-01-01", `{"tags":{"k":"v"}}`)
	}
	link := a.srv.URL + rg + "/resources?api-version=2025-04-01&$filter=tagName%20eq%20'k'"
	var seen int
	for pages := 0; link != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		req, _ := http.NewRequest("GET", link, nil)
		req.Header.Set("Authorization", "Bearer "+goodToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		seen += len(page.Value)
		if page.NextLink != "" && (!strings.HasPrefix(page.NextLink, a.srv.URL+"/") || !strings.Contains(page.NextLink, "api-version=2025-04-01") ||
			!strings.Contains(page.NextLink, "$skiptoken=") || !strings.Contains(page.NextLink, "filter=")) {
			t.Errorf("nextLink %s", page.NextLink)
		}
		link = page.NextLink
	}
	if seen != 12 {
		t.Errorf("saw %d resources over the pages, want 12", seen)
	}
}

// The correlation id a client sends is echoed; each response has its own
// request id.
func TestRequestIDs(t *testing.T) {
	a := newTestAPI(t)
	r1 := a.do(t, "GET", "/subscriptions?api-version=2022-12-01", "", "x-ms-correlation-request-id", "corr-1")
	r2 := a.do(t, "GET", "/subscriptions?api-version=2022-12-01", "")
	if r1.Header.Get("x-ms-correlation-request-id") != "corr-1" {
		t.Errorf("correlation id not echoed: %v", r1.Header)
	}
	id1, id2 := r1.Header.Get("x-ms-request-id"), r2.Header.Get("x-ms-request-id")
	if len(id1) != 36 || id1 == id2 || r2.Header.Get("x-ms-correlation-request-id") == "" {
		t.Errorf("request ids %q %q", id1, id2)
	}
	// Random, as ARM's are, not a visible sequence.
	if id1[:18] == id2[:18] || id1[24:32] == id2[24:32] {
		t.Errorf("request ids %q and %q look sequential", id1, id2)
	}
	// Object ids are random, not derived from the request-id sequence.
	r3 := a.do(t, "PUT", "/providers/Microsoft.Subscription/aliases/s2?api-version=2021-10-01", `{"properties":{"displayName":"S2"}}`)
	sub, _ := r3.Body["properties"].(map[string]any)["subscriptionId"].(string)
	if len(sub) != 36 || sub[:18] == r3.Header.Get("x-ms-request-id")[:18] {
		t.Errorf("subscription id %q looks like request id %q", sub, r3.Header.Get("x-ms-request-id"))
	}
}

// Policy object types at every scope reach the registered handler with the
// path already parsed; until one is registered they answer 501.
func TestPolicyHandlerHook(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2025-03-01"
	mg := "/providers/Microsoft.Management/managementGroups/" + testTenant
	paths := []string{
		"/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyAssignments/pa1",
		"/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyAssignments",
		mg + "/providers/Microsoft.Authorization/policyDefinitions/def1",
		mg + "/providers/Microsoft.Authorization/policyDefinitions/def1/versions/1.0.0",
		"/providers/Microsoft.Authorization/policyDefinitions",
		"/subscriptions/" + testSub + "/resourceGroups/rg/providers/A.B/c/d/providers/Microsoft.Authorization/policyExemptions/ex",
	}
	for _, p := range paths {
		if r := a.do(t, "GET", p+v, ""); r.Status != 501 || r.code() != "NotImplemented" {
			t.Errorf("%s before registration: %d %s", p, r.Status, r.Raw)
		}
	}
	var got []*Request
	a.h.SetPolicyHandlers(ProviderHandlerFunc(func(w http.ResponseWriter, req *Request) {
		got = append(got, req)
		WriteJSON(w, http.StatusOK, map[string]any{"type": req.Type})
	}))
	for _, p := range paths {
		if r := a.do(t, "PUT", p+v, `{"properties":{}}`); r.Status != 200 {
			t.Errorf("%s: %d %s", p, r.Status, r.Raw)
		}
	}
	want := []struct{ id, coll, typ string }{
		{paths[0], "", "Microsoft.Authorization/policyAssignments"},
		{"/subscriptions/" + testSub, "Microsoft.Authorization/policyAssignments", "Microsoft.Authorization/policyAssignments"},
		{paths[2], "", "Microsoft.Authorization/policyDefinitions"},
		{paths[3], "", "Microsoft.Authorization/policyDefinitions/versions"},
		{"/", "Microsoft.Authorization/policyDefinitions", "Microsoft.Authorization/policyDefinitions"},
		{paths[5], "", "Microsoft.Authorization/policyExemptions"},
	}
	if len(got) != len(want) {
		t.Fatalf("handler called %d times", len(got))
	}
	for i, w := range want {
		g := got[i]
		if g.ID.String() != w.id || g.Collection != w.coll || g.Type != w.typ || g.APIVersion != "2025-03-01" ||
			g.Principal == nil || string(g.Body) != `{"properties":{}}` || PrincipalFrom(g.HTTP.Context()) != g.Principal {
			t.Errorf("request %d: id %s coll %q type %q version %s body %s", i, g.ID, g.Collection, g.Type, g.APIVersion, g.Body)
		}
	}
}

// The resource list returns GenericResourceExpanded items: no properties,
// and createdTime/changedTime/provisioningState only on $expand
// (https://learn.microsoft.com/rest/api/resources/resources/list-by-resource-group).
func TestResourceListShape(t *testing.T) {
	a := newTestAPI(t)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.do(t, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`)
	a.do(t, "PUT", rg+"/providers/A.B/things/t1?api-version=2020-01-01", `{"location":"westeurope","tags":{"env":"prod"},"properties":{"x":1}}`)
	// Filtered by a tag name and value, the items come without their tags (the $filter
	// description of Resources_List in Azure/azure-rest-api-specs
	// specification/resources/resource-manager/Microsoft.Resources/stable/*/resources.json).
	cases := []struct {
		query string
		has   []string
		lacks []string
	}{
		{"", []string{"id", "name", "type", "location", "tags"}, []string{"properties", "createdTime", "provisioningState"}},
		{"&$expand=createdTime,changedTime,provisioningState", []string{"createdTime", "changedTime", "provisioningState"}, []string{"properties"}},
		{"&$filter=tagName%20eq%20'env'", []string{"tags"}, []string{"properties"}},
		{"&$filter=tagName%20eq%20'env'%20and%20tagValue%20eq%20'prod'", []string{"id", "name"}, []string{"tags", "properties"}},
		{"&$filter=substringof('zz',%20name)%20or%20resourceType%20eq%20'a.b/things'", []string{"id", "tags"}, []string{"properties"}},
	}
	for _, c := range cases {
		r := a.do(t, "GET", rg+"/resources?api-version=2025-04-01"+c.query, "")
		items, _ := r.Body["value"].([]any)
		if r.Status != 200 || len(items) != 1 {
			t.Fatalf("%q: %d %s", c.query, r.Status, r.Raw)
		}
		item := items[0].(map[string]any)
		for _, k := range c.has {
			if _, ok := item[k]; !ok {
				t.Errorf("%q: item lacks %s: %v", c.query, k, item)
			}
		}
		for _, k := range c.lacks {
			if _, ok := item[k]; ok {
				t.Errorf("%q: item has %s: %v", c.query, k, item)
			}
		}
	}
	// A provider's own list (…/providers/A.B/things) returns whole resources.
	r := a.do(t, "GET", rg+"/providers/A.B/things?api-version=2020-01-01", "")
	if items, _ := r.Body["value"].([]any); len(items) != 1 || items[0].(map[string]any)["properties"] == nil {
		t.Errorf("typed list: %s", r.Raw)
	}
}

// Concurrent PATCHes of one resource never lose each other's changes:
// every PATCH that succeeded has its property in the final resource.
func TestConcurrentPatchesKeepEveryChange(t *testing.T) {
	a := newTestAPI(t)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.do(t, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`)
	id := rg + "/providers/A.B/things/shared?api-version=2020-01-01"
	a.do(t, "PUT", id, `{"properties":{}}`)
	const writers, each = 8, 5
	okKeys := make(chan string, writers*each)
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < each; i++ {
				key := "k" + string(rune('a'+w)) + string(rune('0'+i))
				r := a.do(t, "PATCH", id, `{"properties":{"`+key+`":true}}`)
				switch r.Status {
				case 200:
					okKeys <- key
				case 409:
				default:
					t.Errorf("PATCH %s: %d %s", key, r.Status, r.Raw)
				}
			}
		}(w)
	}
	for w := 0; w < writers; w++ {
		<-done
	}
	close(okKeys)
	r := a.do(t, "GET", id, "")
	props := r.Body["properties"].(map[string]any)
	n := 0
	for k := range okKeys {
		n++
		if props[k] != true {
			t.Errorf("acknowledged PATCH %s lost", k)
		}
	}
	if n < writers {
		t.Errorf("only %d PATCHes succeeded", n)
	}
}
