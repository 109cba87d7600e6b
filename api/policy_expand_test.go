package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
)

// $expand=LatestDefinitionVersion,EffectiveDefinitionVersion on reads of policy assignments
// and policy set definitions. The parameter ("Comma-separated list of additional properties to
// be included in the response. Supported values are 'LatestDefinitionVersion,
// EffectiveDefinitionVersion'") and the read-only properties latestDefinitionVersion and
// effectiveDefinitionVersion ("only present if requested via the $expand query parameter") are
// in Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// policy/stable/2025-03-01/policyAssignments.json (PolicyAssignmentExpandParameter on
// PolicyAssignments_Get, _List, _ListForResourceGroup, _ListForResource,
// _ListForManagementGroup; PolicyAssignmentProperties) and policySetDefinitions.json
// (PolicySetDefinitionsExpandParameter on Get, GetBuiltIn, List, ListBuiltIn,
// GetAtManagementGroup, ListByManagementGroup; PolicyDefinitionReference), also in 2024-04-01.
// The example listPolicyAssignmentsForResourceGroup.json sends the value with a space after the
// comma. REST: https://learn.microsoft.com/rest/api/policy/policy-assignments/get

const expandBoth = "&$expand=LatestDefinitionVersion,EffectiveDefinitionVersion"

// expandFixture stores, in the test subscription, definition "d1" with current version 2.0.0
// and stored versions 1.0.0 and 1.1.0, and the unversioned definition "d0".
func expandFixture(t *testing.T, a *testAPI) (defs string) {
	t.Helper()
	defs = "/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyDefinitions/"
	rule := `"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"audit"}}`
	a.mustDo(t, http.MethodPut, defs+"d1"+policyAPI, `{"properties":{"mode":"All","version":"2.0.0",`+rule+`}}`, http.StatusCreated)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		a.mustDo(t, http.MethodPut, defs+"d1/versions/"+v+policyAPI, `{"properties":{"mode":"All",`+rule+`}}`, http.StatusCreated)
	}
	a.mustDo(t, http.MethodPut, defs+"d0"+policyAPI, `{"properties":{"mode":"All",`+rule+`}}`, http.StatusCreated)
	return defs
}

// versionFields returns the expanded fields of an object (an assignment's properties or an
// initiative member), "-" for one left out.
func versionFields(obj map[string]any) (latest, effective string) {
	latest, effective = "-", "-"
	if v, ok := obj["latestDefinitionVersion"].(string); ok {
		latest = v
	}
	if v, ok := obj["effectiveDefinitionVersion"].(string); ok {
		effective = v
	}
	return latest, effective
}

func assignmentVersions(t *testing.T, r response) (string, string) {
	t.Helper()
	props, ok := r.Body["properties"].(map[string]any)
	if !ok {
		t.Fatalf("no properties: %s", r.Raw)
	}
	return versionFields(props)
}

func TestAssignmentExpandDefinitionVersions(t *testing.T) {
	a := newPolicyTestAPI(t)
	defs := expandFixture(t, a)
	sub := "/subscriptions/" + testSub
	asg := sub + "/providers/Microsoft.Authorization/policyAssignments/"
	a.mustDo(t, http.MethodPut, asg+"pinned"+policyAPI,
		`{"properties":{"policyDefinitionId":"`+defs+`d1","definitionVersion":"1.*.*"}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, asg+"unpinned"+policyAPI,
		`{"properties":{"policyDefinitionId":"`+defs+`d1"}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, asg+"plain"+policyAPI,
		`{"properties":{"policyDefinitionId":"`+defs+`d0"}}`, http.StatusCreated)

	plainGet := a.mustDo(t, http.MethodGet, asg+"pinned"+policyAPI, "", http.StatusOK)
	cases := []struct {
		name, path, latest, effective string
	}{
		{"both", asg + "pinned" + policyAPI + expandBoth, "2.0.0", "1.1.0"},
		{"space after the comma, as the spec's example sends it",
			asg + "pinned" + policyAPI + "&$expand=" + url.QueryEscape("LatestDefinitionVersion, EffectiveDefinitionVersion"), "2.0.0", "1.1.0"},
		{"values matched without case", asg + "pinned" + policyAPI + "&$expand=latestdefinitionversion,EFFECTIVEDEFINITIONVERSION", "2.0.0", "1.1.0"},
		{"latest only", asg + "pinned" + policyAPI + "&$expand=LatestDefinitionVersion", "2.0.0", "-"},
		{"effective only", asg + "pinned" + policyAPI + "&$expand=EffectiveDefinitionVersion", "-", "1.1.0"},
		{"without $expand", asg + "pinned" + policyAPI, "-", "-"},
		{"unknown value ignored", asg + "pinned" + policyAPI + "&$expand=Nonsense", "-", "-"},
		{"api-version before definition versions", asg + "pinned?api-version=2022-06-01" + expandBoth, "-", "-"},
		{"no definitionVersion: the current version", asg + "unpinned" + policyAPI + expandBoth, "2.0.0", "2.0.0"},
		{"unversioned definition", asg + "plain" + policyAPI + expandBoth, "-", "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.mustDo(t, http.MethodGet, tc.path, "", http.StatusOK)
			if l, e := assignmentVersions(t, r); l != tc.latest || e != tc.effective {
				t.Errorf("latest %s effective %s, want %s %s: %s", l, e, tc.latest, tc.effective, r.Raw)
			}
		})
	}

	// The expanded read is the same object: its ETag and stored fields are unchanged.
	r := a.mustDo(t, http.MethodGet, asg+"pinned"+policyAPI+expandBoth, "", http.StatusOK)
	if r.Header.Get("ETag") != plainGet.Header.Get("ETag") || r.Body["id"] != plainGet.Body["id"] {
		t.Errorf("ETag %q id %v, want %q %v", r.Header.Get("ETag"), r.Body["id"], plainGet.Header.Get("ETag"), plainGet.Body["id"])
	}

	// A missing assignment is still 404.
	if r := a.do(t, http.MethodGet, asg+"none"+policyAPI+expandBoth, ""); r.Status != http.StatusNotFound || r.code() != "PolicyAssignmentNotFound" {
		t.Errorf("missing: %d %s", r.Status, r.Raw)
	}

	// Lists fill every item, on every page: nextLink carries $expand.
	want := map[string]string{"pinned": "2.0.0 1.1.0", "unpinned": "2.0.0 2.0.0", "plain": "- -"}
	got := map[string]string{}
	path := sub + "/providers/Microsoft.Authorization/policyAssignments" + policyAPI + expandBoth + "&$top=1"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		r := a.mustDo(t, http.MethodGet, path, "", http.StatusOK)
		for _, it := range r.Body["value"].([]any) {
			item := it.(map[string]any)
			l, e := versionFields(item["properties"].(map[string]any))
			got[item["name"].(string)] = l + " " + e
		}
		path = ""
		if next, ok := r.Body["nextLink"].(string); ok {
			if !strings.Contains(next, "$expand=") {
				t.Errorf("nextLink %s lost $expand", next)
			}
			path = strings.TrimPrefix(next, a.srv.URL)
		}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("listed %s: %q, want %q", name, got[name], w)
		}
	}

	// Without $expand a list carries neither field.
	r = a.mustDo(t, http.MethodGet, sub+"/providers/Microsoft.Authorization/policyAssignments"+policyAPI, "", http.StatusOK)
	if strings.Contains(r.Raw, "latestDefinitionVersion") || strings.Contains(r.Raw, "effectiveDefinitionVersion") {
		t.Errorf("list without $expand: %s", r.Raw)
	}
}

func TestInitiativeExpandMemberVersions(t *testing.T) {
	a := newPolicyTestAPI(t)
	defs := expandFixture(t, a)
	sub := "/subscriptions/" + testSub
	sets := sub + "/providers/Microsoft.Authorization/policySetDefinitions/"
	set := `{"properties":{"version":"1.0.0","policyDefinitions":[` +
		`{"policyDefinitionReferenceId":"pinned","policyDefinitionId":"` + defs + `d1","definitionVersion":"1.*.*"},` +
		`{"policyDefinitionReferenceId":"unpinned","policyDefinitionId":"` + defs + `d1"},` +
		`{"policyDefinitionReferenceId":"plain","policyDefinitionId":"` + defs + `d0"}]}}`
	a.mustDo(t, http.MethodPut, sets+"s1"+policyAPI, set, http.StatusCreated)
	a.mustDo(t, http.MethodPut, sets+"s1/versions/1.0.0"+policyAPI, set, http.StatusCreated)

	want := []string{"2.0.0 1.1.0", "2.0.0 2.0.0", "- -"}
	members := func(t *testing.T, obj map[string]any) []string {
		t.Helper()
		var out []string
		for _, m := range obj["properties"].(map[string]any)["policyDefinitions"].([]any) {
			l, e := versionFields(m.(map[string]any))
			out = append(out, l+" "+e)
		}
		return out
	}
	check := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: members %v, want %v", what, got, want)
		}
	}

	r := a.mustDo(t, http.MethodGet, sets+"s1"+policyAPI+expandBoth, "", http.StatusOK)
	check(t, "GET", members(t, r.Body), want)
	r = a.mustDo(t, http.MethodGet, sets+"s1"+policyAPI, "", http.StatusOK)
	check(t, "GET without $expand", members(t, r.Body), []string{"- -", "- -", "- -"})
	r = a.mustDo(t, http.MethodGet, sets+"s1/versions/1.0.0"+policyAPI+expandBoth, "", http.StatusOK)
	check(t, "GET of a version", members(t, r.Body), want)

	for _, list := range []string{sets[:len(sets)-1], sets + "s1/versions"} {
		r = a.mustDo(t, http.MethodGet, list+policyAPI+expandBoth, "", http.StatusOK)
		items := r.Body["value"].([]any)
		found := false
		for _, it := range items {
			item := it.(map[string]any)
			if strings.EqualFold(item["name"].(string), "s1") || item["name"] == "1.0.0" {
				found = true
				check(t, "list "+list, members(t, item), want)
			}
		}
		if !found {
			t.Errorf("list %s: s1 not listed: %.300s", list, r.Raw)
		}
	}

	// An assignment of the initiative: the initiative's own versions.
	asg := sub + "/providers/Microsoft.Authorization/policyAssignments/"
	a.mustDo(t, http.MethodPut, asg+"bundle"+policyAPI,
		`{"properties":{"policyDefinitionId":"`+sets+`s1","definitionVersion":"1.*.*"}}`, http.StatusCreated)
	r = a.mustDo(t, http.MethodGet, asg+"bundle"+policyAPI+expandBoth, "", http.StatusOK)
	if l, e := assignmentVersions(t, r); l != "1.0.0" || e != "1.0.0" {
		t.Errorf("initiative assignment: latest %s effective %s: %s", l, e, r.Raw)
	}
}

// The armpolicy client (api-version 2025-03-01) sends $expand through AssignmentsClientGetOptions,
// AssignmentsClientListOptions and SetDefinitionsClientGetOptions and reads the fields into
// AssignmentProperties and DefinitionReference.
func TestExpandDefinitionVersionsWithSDK(t *testing.T) {
	ctx := context.Background()
	a, f := policyClients(t)
	defs := expandFixture(t, a)
	expand := to.Ptr("LatestDefinitionVersion, EffectiveDefinitionVersion")
	scope := "/subscriptions/" + testSub

	assignments := f.NewAssignmentsClient()
	if _, err := assignments.Create(ctx, scope, "pinned", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr(defs + "d1"), DefinitionVersion: to.Ptr("1.*.*")}}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := assignments.Get(ctx, scope, "pinned", &armpolicy.AssignmentsClientGetOptions{Expand: expand})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Properties; p.LatestDefinitionVersion == nil || *p.LatestDefinitionVersion != "2.0.0" ||
		p.EffectiveDefinitionVersion == nil || *p.EffectiveDefinitionVersion != "1.1.0" {
		t.Errorf("Get with Expand: latest %v effective %v", p.LatestDefinitionVersion, p.EffectiveDefinitionVersion)
	}
	got, err = assignments.Get(ctx, scope, "pinned", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Properties; p.LatestDefinitionVersion != nil || p.EffectiveDefinitionVersion != nil {
		t.Errorf("Get without Expand: latest %v effective %v", p.LatestDefinitionVersion, p.EffectiveDefinitionVersion)
	}
	n := 0
	for pager := assignments.NewListPager(&armpolicy.AssignmentsClientListOptions{Expand: expand}); pager.More(); {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, as := range page.Value {
			if *as.Name == "pinned" && as.Properties.EffectiveDefinitionVersion != nil && *as.Properties.EffectiveDefinitionVersion == "1.1.0" {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("List with Expand found the pinned assignment expanded %d times", n)
	}

	setDefs := f.NewSetDefinitionsClient()
	if _, err := setDefs.CreateOrUpdate(ctx, "bundle", armpolicy.SetDefinition{Properties: &armpolicy.SetDefinitionProperties{
		PolicyDefinitions: []*armpolicy.DefinitionReference{{PolicyDefinitionID: to.Ptr(defs + "d1"), DefinitionVersion: to.Ptr("1.*.*")}},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	set, err := setDefs.Get(ctx, "bundle", &armpolicy.SetDefinitionsClientGetOptions{Expand: expand})
	if err != nil {
		t.Fatal(err)
	}
	m := set.Properties.PolicyDefinitions[0]
	if m.LatestDefinitionVersion == nil || *m.LatestDefinitionVersion != "2.0.0" || m.EffectiveDefinitionVersion == nil || *m.EffectiveDefinitionVersion != "1.1.0" {
		t.Errorf("SetDefinitions Get with Expand: latest %v effective %v", m.LatestDefinitionVersion, m.EffectiveDefinitionVersion)
	}
}
