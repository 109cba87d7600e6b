package api

import (
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// The policy events API, as the REST reference and spec define it:
//   - https://learn.microsoft.com/rest/api/policy/policy-events (List Query Results For
//     Subscription / Resource Group / Resource / Management Group / Subscription Level Policy
//     Assignment / Policy Definition / Policy Set Definition, and Next Link);
//   - Azure/azure-rest-api-specs specification/policyinsights/resource-manager/
//     Microsoft.PolicyInsights/stable/2019-10-01/policyEvents.json (and stable/2024-10-01):
//     POST {scope}/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults, only
//     "default" allowed; $from defaults to "$to - 1-day" and $to to the request time; $orderby
//     terms default to desc; the body is PolicyEventsQueryResults with @odata.context,
//     @odata.count (the records returned), @odata.nextLink and value;
//   - its examples PolicyEvents_QuerySubscriptionScope(NextLink).json,
//     PolicyEvents_TimeRangeSortSelectTop.json, PolicyEvents_FilterAndAggregateOnly.json and
//     PolicyEvents_FilterAndGroupByWithAggregate.json (records carry "@odata.id": null and an
//     "@odata.context" ending in "$metadata#default/$entity"; the action is the effect in lower
//     case; complianceState NonCompliant with isCompliant false; managementGroupIds lists the
//     groups above the subscription, comma separated, ending with the tenant root);
//   - https://learn.microsoft.com/azure/governance/policy/how-to/get-compliance-data (policy
//     events through az policy event list and the REST API).

const (
	policyEventsAPI = "?api-version=2019-10-01"
	// auditNoXRule audits whatever lacks an x tag: every write of the tests.
	auditNoXRule = `{"if":{"field":"tags['x']","exists":"false"},"then":{"effect":"audit"}}`
)

// policyEventsFixture is a tags fixture with the audit rule as assignment a0 and the required
// env tag (deny) as a1, both at the subscription, the policy events and the rest of
// Microsoft.PolicyInsights registered as the server registers them, and writes that leave
// one deny and six audits:
//
//	a2 (rg1)   deny by a1    (refused: no env tag)      at t0 < mid
//	a3 (rg1)   audit by a0                              after mid
//	rg2        audit by a0   (a resource group)
//	a4..a7 (rg2) audit by a0
type policyEventsFixture struct {
	*tagsFixture
	sub, rg2     string
	before, mid  time.Time
	after        time.Time
	storageIn    func(rg, name string) string
	policyStates string
}

func newPolicyEventsFixture(t *testing.T) *policyEventsFixture {
	t.Helper()
	f := &policyEventsFixture{tagsFixture: newTagsFixture(t, auditNoXRule, requireEnvRule)}
	f.a.h.Handle(PolicyInsightsPrefix, PolicyInsightsNotServed())
	f.a.h.HandleType(PolicyEventsType, NewPolicyEvents(f.a.h))
	f.sub = "/subscriptions/" + testSub
	f.rg2 = f.sub + "/resourceGroups/rg2"
	f.storageIn = func(rg, name string) string { return rg + "/providers/Microsoft.Storage/storageAccounts/" + name }
	f.before = time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	f.a.mustDo(t, http.MethodPut, f.storageIn(f.rg, "a2")+storageAPI, `{"location":"westus","tags":{"cost":"1"},"properties":{}}`, http.StatusForbidden)
	time.Sleep(2 * time.Millisecond)
	f.mid = time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	f.a.mustDo(t, http.MethodPut, f.storageIn(f.rg, "a3")+storageAPI, `{"location":"westus","tags":{"env":"dev"},"properties":{}}`, http.StatusCreated)
	f.a.mustDo(t, http.MethodPut, f.rg2+groupsAPI, `{"location":"eastus","tags":{"env":"dev"}}`, http.StatusCreated)
	for _, n := range []string{"a4", "a5", "a6", "a7"} {
		f.a.mustDo(t, http.MethodPut, f.storageIn(f.rg2, n)+storageAPI, `{"location":"eastus","tags":{"env":"dev"},"properties":{}}`, http.StatusCreated)
	}
	time.Sleep(2 * time.Millisecond)
	f.after = time.Now().UTC()
	return f
}

// query POSTs a policy events query at scope with the query options in opts (name, value
// pairs).
func (f *policyEventsFixture) query(t *testing.T, scope string, opts ...string) response {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(opts); i += 2 {
		v.Set(opts[i], opts[i+1])
	}
	path := scope + "/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults" + policyEventsAPI
	if len(v) > 0 {
		path += "&" + v.Encode()
	}
	return f.a.do(t, http.MethodPost, path, "")
}

func records(t *testing.T, r response) []map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("query: %d %s", r.Status, r.Raw)
	}
	var out []map[string]any
	for _, v := range r.Body["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	if n, _ := r.Body["@odata.count"].(float64); int(n) != len(out) {
		t.Errorf("@odata.count %v for %d records", r.Body["@odata.count"], len(out))
	}
	return out
}

// allRecords follows @odata.nextLink (POST, as the SDKs send it) and returns the records of
// every page.
func (f *policyEventsFixture) allRecords(t *testing.T, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	for {
		out = append(out, records(t, r)...)
		link, _ := r.Body["@odata.nextLink"].(string)
		if link == "" {
			return out
		}
		r = f.a.do(t, http.MethodPost, strings.TrimPrefix(link, f.a.srv.URL), "")
	}
}

// column lists one column of the records, in order.
func column(recs []map[string]any, name string) []string {
	var out []string
	for _, r := range recs {
		s, _ := r[name].(string)
		out = append(out, s)
	}
	return out
}

func lastSegments(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[strings.LastIndexByte(id, '/')+1:]
	}
	return out
}

// TestPolicyEventsRecords: each audit and denial is one policy event per assignment and
// definition, newest first, with the fields of the spec's PolicyEvent filled from the
// activity-log event that recorded it.
func TestPolicyEventsRecords(t *testing.T) {
	f := newPolicyEventsFixture(t)
	r := f.query(t, f.sub)
	recs := f.allRecords(t, r)
	if got, want := lastSegments(column(recs, "resourceId")), []string{"a7", "a6", "a5", "a4", "rg2", "a3", "a2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resources, newest first: %v, want %v", got, want)
	}
	// A query answers at most a page (5 here) and links the next one.
	if _, ok := r.Body["@odata.nextLink"].(string); !ok {
		t.Errorf("7 records fit no page of 5 here: %s", r.Raw)
	}
	if ctx, _ := r.Body["@odata.context"].(string); !strings.HasSuffix(ctx, f.sub+"/providers/Microsoft.PolicyInsights/policyEvents/$metadata#default") {
		t.Errorf("@odata.context %q", ctx)
	}
	deny := recs[len(recs)-1]
	a1 := f.sub + "/providers/Microsoft.Authorization/policyAssignments/a1"
	want := map[string]any{
		"@odata.id":                     nil,
		"resourceId":                    f.storageIn(f.rg, "a2"),
		"policyAssignmentId":            a1,
		"policyDefinitionId":            f.sub + "/providers/Microsoft.Authorization/policyDefinitions/d1",
		"effectiveParameters":           nil,
		"isCompliant":                   false,
		"subscriptionId":                testSub,
		"resourceType":                  "Microsoft.Storage/storageAccounts",
		"resourceLocation":              "westus",
		"resourceGroup":                 "rg1",
		"resourceTags":                  nil,
		"policyAssignmentName":          "a1",
		"policyAssignmentOwner":         nil,
		"policyAssignmentParameters":    nil,
		"policyAssignmentScope":         f.sub,
		"policyDefinitionName":          "d1",
		"policyDefinitionAction":        "deny",
		"policyDefinitionCategory":      nil,
		"policySetDefinitionId":         nil,
		"policySetDefinitionName":       nil,
		"policySetDefinitionOwner":      nil,
		"policySetDefinitionCategory":   nil,
		"policySetDefinitionParameters": nil,
		"managementGroupIds":            "mg1," + testTenant,
		"policyDefinitionReferenceId":   nil,
		"complianceState":               "NonCompliant",
		"tenantId":                      testTenant,
		"principalOid":                  nil, // the test token has no oid claim
	}
	for k, v := range want {
		if got, ok := deny[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	if ctx, _ := deny["@odata.context"].(string); !strings.HasSuffix(ctx, "/policyEvents/$metadata#default/$entity") {
		t.Errorf("record @odata.context %q", ctx)
	}
	ts, err := time.Parse(time.RFC3339Nano, deny["timestamp"].(string))
	if err != nil || ts.Before(f.before) || ts.After(f.mid) {
		t.Errorf("timestamp %v (%v), want between %v and %v", deny["timestamp"], err, f.before, f.mid)
	}
	if len(deny) != len(want)+2 { // + @odata.context, timestamp
		t.Errorf("record has %d fields, want %d: %v", len(deny), len(want)+2, deny)
	}
	group := recs[4]
	if typ, _ := group["resourceType"].(string); !strings.EqualFold(typ, "Microsoft.Resources/subscriptions/resourceGroups") || group["resourceGroup"] != "rg2" ||
		group["policyDefinitionAction"] != "audit" || group["policyAssignmentName"] != "a0" || group["resourceLocation"] != "eastus" {
		t.Errorf("the audit of the resource group: %v", group)
	}
}

// TestPolicyEventsScopes: the scopes of the spec's ListQueryResultsFor* operations.
func TestPolicyEventsScopes(t *testing.T) {
	f := newPolicyEventsFixture(t)
	a0 := f.sub + "/providers/Microsoft.Authorization/policyAssignments/a0"
	a1 := f.sub + "/providers/Microsoft.Authorization/policyAssignments/a1"
	tests := []struct {
		name, scope string
		want        []string
	}{
		{"resource group", f.rg, []string{"a3", "a2"}},
		{"resource", f.storageIn(f.rg, "a3"), []string{"a3"}},
		{"resource group holding its own audit", f.rg2, []string{"a7", "a6", "a5", "a4", "rg2"}},
		{"subscription level policy assignment", a1, []string{"a2"}},
		{"policy definition", f.sub + "/providers/Microsoft.Authorization/policyDefinitions/d0", []string{"a7", "a6", "a5", "a4", "rg2", "a3"}},
		{"policy set definition (none assigned)", f.sub + "/providers/Microsoft.Authorization/policySetDefinitions/s0", nil},
		{"management group", "/providers/Microsoft.Management/managementGroups/mg1", []string{"a7", "a6", "a5", "a4", "rg2", "a3", "a2"}},
		{"tenant root group above it", "/providers/Microsoft.Management/managementGroups/" + testTenant, []string{"a7", "a6", "a5", "a4", "rg2", "a3", "a2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := f.allRecords(t, f.query(t, tt.scope))
			if got := lastSegments(column(recs, "resourceId")); !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("%s: %v, want %v", tt.scope, got, tt.want)
			}
		})
	}
	// The assignment scope keeps only its own outcomes.
	for _, r := range records(t, f.query(t, a0)) {
		if r["policyAssignmentId"] != a0 {
			t.Errorf("a0's events hold %v", r["policyAssignmentId"])
		}
	}
	// A resource-group level assignment (none here) and an unknown group.
	if recs := records(t, f.query(t, f.rg+"/providers/Microsoft.Authorization/policyAssignments/a0")); len(recs) != 0 {
		t.Errorf("rg-level assignment a0 does not exist: %v", recs)
	}
	if r := f.query(t, "/providers/Microsoft.Management/managementGroups/nope"); r.Status != http.StatusNotFound {
		t.Errorf("unknown management group: %d %s", r.Status, r.Raw)
	}
	r := f.query(t, "")
	if r.Status != http.StatusBadRequest || r.code() != "UnsupportedScope" {
		t.Errorf("tenant scope: %d %s", r.Status, r.Raw)
	}
	r = f.query(t, "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyAssignments/x")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Raw, "Policy events are not served for") {
		t.Errorf("management-group level assignment: %d %s", r.Status, r.Raw)
	}
}

// TestPolicyEventsQueryOptions: $filter, $top with @odata.nextLink paging, $from and $to,
// $orderby, $select and $apply, including what az policy event list sends
// (Azure/azure-cli src/azure-cli/azure/cli/command_modules/policyinsights/tests/latest/
// test_policyinsights_scenario.py: --filter "isCompliant eq false" --apply "groupby((policyAssignmentId,
// resourceId), aggregate($count as numRecords))" --select "policyAssignmentId, resourceId, numRecords"
// --order-by "numRecords desc" --top 2).
func TestPolicyEventsQueryOptions(t *testing.T) {
	f := newPolicyEventsFixture(t)
	count := func(opts ...string) int { return len(f.allRecords(t, f.query(t, f.sub, opts...))) }

	t.Run("filter", func(t *testing.T) {
		for _, tt := range []struct {
			filter string
			want   int
		}{
			{"policyDefinitionAction eq 'audit'", 6},
			{"PolicyDefinitionAction eq 'DENY'", 1},
			{"policyAssignmentName eq 'a1' or resourceGroup eq 'rg1'", 2},
			{"isCompliant eq false and resourceType ne 'Microsoft.Storage/storageAccounts'", 1},
			{"complianceState eq 'NonCompliant'", 7},
			{"not (resourceLocation eq 'eastus')", 2},
			{"(resourceGroup eq 'rg2' or resourceGroup eq 'rg1') and policyAssignmentName ne 'a0'", 1},
			{"principalOid eq null", 7},
			{"policySetDefinitionId ne null", 0},
			{"resourceId eq '" + strings.ToUpper(f.storageIn(f.rg, "a3")) + "'", 1},
		} {
			if got := count("$filter", tt.filter); got != tt.want {
				t.Errorf("%s: %d records, want %d", tt.filter, got, tt.want)
			}
		}
	})

	t.Run("top and paging", func(t *testing.T) {
		if got := count("$top", "2"); got != 2 {
			t.Errorf("$top=2: %d", got)
		}
		// The page size of the test API is 5: seven records are two pages; $top=6 leaves one
		// for the second.
		for _, tt := range []struct {
			top   string
			pages []int
		}{{"", []int{5, 2}}, {"6", []int{5, 1}}, {"5", []int{5}}} {
			var opts []string
			if tt.top != "" {
				opts = []string{"$top", tt.top}
			}
			r := f.query(t, f.sub, opts...)
			var pages []int
			var all []string
			for {
				recs := records(t, r)
				pages = append(pages, len(recs))
				all = append(all, lastSegments(column(recs, "resourceId"))...)
				link, _ := r.Body["@odata.nextLink"].(string)
				if link == "" {
					break
				}
				if !strings.Contains(link, "$skiptoken=") || !strings.Contains(link, "$from=") || !strings.Contains(link, "$to=") {
					t.Fatalf("nextLink %s", link)
				}
				// The SDKs POST the link as it is (PolicyEvents_NextLink).
				r = f.a.do(t, http.MethodPost, strings.TrimPrefix(link, f.a.srv.URL), "")
			}
			if !reflect.DeepEqual(pages, tt.pages) {
				t.Errorf("$top=%q: pages %v, want %v", tt.top, pages, tt.pages)
			}
			if want := []string{"a7", "a6", "a5", "a4", "rg2", "a3", "a2"}[:len(all)]; !reflect.DeepEqual(all, want) {
				t.Errorf("$top=%q: %v", tt.top, all)
			}
		}
	})

	t.Run("from and to", func(t *testing.T) {
		iso := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
		for _, tt := range []struct {
			name string
			opts []string
			want int
		}{
			{"default window is the last day", nil, 7},
			{"$to before the writes", []string{"$to", iso(f.before)}, 0},
			{"$from defaults to a day before $to", []string{"$to", iso(f.after.Add(25 * time.Hour))}, 0},
			{"$from after the denial", []string{"$from", iso(f.mid)}, 6},
			{"window around the denial", []string{"$from", iso(f.before), "$to", iso(f.mid)}, 1},
			{"dates only", []string{"$from", f.before.Format("2006-01-02"), "$to", f.after.Add(24 * time.Hour).Format("2006-01-02")}, 7},
		} {
			if got := count(tt.opts...); got != tt.want {
				t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
			}
		}
	})

	t.Run("orderby and select", func(t *testing.T) {
		recs := f.allRecords(t, f.query(t, f.sub, "$orderby", "resourceGroup asc, ResourceId", "$select", "ResourceId, policyAssignmentName"))
		if got, want := lastSegments(column(recs, "resourceId")), []string{"a3", "a2", "a7", "a6", "a5", "a4", "rg2"}; !reflect.DeepEqual(got, want) {
			t.Errorf("$orderby resourceGroup asc, resourceId (desc): %v, want %v", got, want)
		}
		for _, r := range recs {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if want := []string{"@odata.context", "@odata.id", "policyAssignmentName", "resourceId"}; !reflect.DeepEqual(keys, want) {
				t.Fatalf("$select: %v", keys)
			}
		}
	})

	t.Run("apply", func(t *testing.T) {
		recs := records(t, f.query(t, f.sub, "$filter", "isCompliant eq false", "$apply", "groupby((policyAssignmentId, resourceId), aggregate($count as numRecords))",
			"$select", "policyAssignmentId, resourceId, numRecords", "$orderby", "numRecords desc", "$top", "2"))
		if len(recs) != 2 || recs[0]["numRecords"] != float64(1) || recs[0]["policyAssignmentId"] == nil || len(recs[0]) != 5 {
			t.Errorf("az policy event list's options: %v", recs)
		}
		recs = records(t, f.query(t, f.sub, "$filter", "PolicyDefinitionAction eq 'deny'", "$apply", "aggregate($count as NumDenyEvents)"))
		if len(recs) != 1 || recs[0]["NumDenyEvents"] != float64(1) {
			t.Errorf("aggregate only: %v", recs)
		}
		recs = records(t, f.query(t, f.sub, "$apply", "groupby((policyDefinitionAction), aggregate($count as n))", "$orderby", "n asc"))
		if len(recs) != 2 || recs[0]["policyDefinitionAction"] != "deny" || recs[0]["n"] != float64(1) || recs[1]["n"] != float64(6) {
			t.Errorf("count per action: %v", recs)
		}
		recs = records(t, f.query(t, f.sub, "$apply", "groupby((ResourceGroup))"))
		if got := column(recs, "resourceGroup"); !reflect.DeepEqual(got, []string{"rg2", "rg1"}) {
			t.Errorf("groupby without aggregate: %v", recs)
		}
	})
}

// TestPolicyEventsBadInput: what the query cannot do is a 400 naming it, never a silent
// answer.
func TestPolicyEventsBadInput(t *testing.T) {
	f := newPolicyEventsFixture(t)
	for _, tt := range []struct {
		name string
		opts []string
		code string
		msg  string
	}{
		{"range comparison", []string{"$filter", "timestamp ge '2024-01-01'"}, "BadRequest", "timestamp ge '2024-01-01'"},
		{"function", []string{"$filter", "startswith(resourceId, '/subscriptions')"}, "BadRequest", "'startswith' is not supported"},
		{"unknown field", []string{"$filter", "owner eq 'x'"}, "BadRequest", "'owner' is not a field"},
		{"boolean as string", []string{"$filter", "isCompliant eq 'false'"}, "BadRequest", "'isCompliant' is a boolean"},
		{"unclosed string", []string{"$filter", "resourceGroup eq 'rg1"}, "BadRequest", "not closed"},
		{"dangling and", []string{"$filter", "resourceGroup eq 'rg1' and"}, "BadRequest", "$filter"},
		{"bad $from", []string{"$from", "yesterday"}, "BadRequest", "$from value 'yesterday'"},
		{"bad $to", []string{"$to", "2024-13-45"}, "BadRequest", "$to value"},
		{"$from after $to", []string{"$from", "2024-05-02T00:00:00Z", "$to", "2024-05-01T00:00:00Z"}, "BadRequest", "later than the $to"},
		{"negative $top", []string{"$top", "-1"}, "BadRequest", "$top"},
		{"unsupported $apply", []string{"$apply", "filter(resourceGroup eq 'rg1')"}, "BadRequest", "$apply 'filter(resourceGroup eq 'rg1')' is not supported"},
		{"other aggregate", []string{"$apply", "groupby((resourceId), aggregate(timestamp with max as last))"}, "BadRequest", "only the $count aggregate"},
		{"chained $apply", []string{"$apply", "groupby((resourceId))/groupby((resourceGroup))"}, "BadRequest", "chained"},
		{"select outside the groups", []string{"$apply", "groupby((resourceId))", "$select", "resourceGroup"}, "BadRequest", "not a column of the $apply result"},
		{"bad $orderby", []string{"$orderby", "resourceId up"}, "BadRequest", "neither asc nor desc"},
		{"bad $select", []string{"$select", "resourceId, color"}, "BadRequest", "'color'"},
		{"$expand", []string{"$expand", "components"}, "BadRequest", "$expand"},
		{"bad $skiptoken", []string{"$skiptoken", "nonsense!"}, "InvalidSkipToken", "nonsense!"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := f.query(t, f.sub, tt.opts...)
			msg, _ := r.Body["error"].(map[string]any)["message"].(string)
			if r.Status != http.StatusBadRequest || r.code() != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("%d %s: %s (want %s naming %q)", r.Status, r.code(), msg, tt.code, tt.msg)
			}
		})
	}
	base := f.sub + "/providers/Microsoft.PolicyInsights/policyEvents/"
	r := f.a.do(t, http.MethodPost, base+"latest/queryResults"+policyEventsAPI, "")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Raw, "only 'default' is allowed") {
		t.Errorf("policyEvents/latest: %d %s", r.Status, r.Raw)
	}
	r = f.a.do(t, http.MethodGet, base+"default/queryResults"+policyEventsAPI, "")
	if r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d %s", r.Status, r.Raw)
	}
	// The rest of Microsoft.PolicyInsights is still refused, pointing at the policy events.
	r = f.a.do(t, http.MethodPost, f.sub+"/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"+policyEventsAPI, "")
	msg, _ := r.Body["error"].(map[string]any)["message"].(string)
	if r.Status != http.StatusNotFound || r.code() != CodeInvalidResourceType || !strings.Contains(msg, "policyEvents/default/queryResults") {
		t.Errorf("policyStates: %d %s", r.Status, r.Raw)
	}
	r = f.a.do(t, http.MethodPut, f.sub+"/providers/Microsoft.PolicyInsights/remediations/r1?api-version=2021-10-01", `{"properties":{}}`)
	if r.Status != http.StatusNotFound || r.code() != CodeInvalidResourceType {
		t.Errorf("remediations: %d %s", r.Status, r.Raw)
	}
}

// TestPolicyEventsModifyAndLocks: a modify outcome made the request compliant (Compliant,
// isCompliant true); and the query only reads, so a ReadOnly lock on the subscription does not
// stop it, as it does not stop reads
// (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
func TestPolicyEventsModifyAndLocks(t *testing.T) {
	tf := newTagsFixture(t, ownerModifyRule)
	f := &policyEventsFixture{tagsFixture: tf, sub: "/subscriptions/" + testSub}
	f.a.h.HandleType(PolicyEventsType, NewPolicyEvents(f.a.h))
	f.a.mustDo(t, http.MethodPut, f.rg+"/providers/Microsoft.Storage/storageAccounts/m1"+storageAPI, `{"location":"westus","properties":{}}`, http.StatusCreated)
	f.a.mustDo(t, http.MethodPut, f.sub+"/providers/Microsoft.Authorization/locks/ro"+locksAPI, `{"properties":{"level":"ReadOnly"}}`, http.StatusCreated)
	recs := records(t, f.query(t, f.sub))
	if len(recs) != 1 || recs[0]["policyDefinitionAction"] != "modify" || recs[0]["complianceState"] != "Compliant" || recs[0]["isCompliant"] != true {
		t.Errorf("modify: %v", recs)
	}
}
