package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/store"
)

// Policy rules the Tags API tests assign at the subscription.
const (
	// requireEnvRule refuses anything without an env tag, resource groups included.
	requireEnvRule = `{"if":{"field":"tags['env']","exists":"false"},"then":{"effect":"deny"}}`
	// eastUSOnlyRule is allowed locations: it never looks at tags.
	eastUSOnlyRule = `{"if":{"not":{"field":"location","in":["eastus"]}},"then":{"effect":"deny"}}`
	// apiVersionRule refuses every request by its api-version, through requestContext().
	apiVersionRule = `{"if":{"value":"[requestContext().apiVersion]","less":"2100-01-01"},"then":{"effect":"deny"}}`
	// ownerModifyRule adds owner=platform to whatever lacks an owner tag.
	ownerModifyRule = `{"if":{"field":"tags['owner']","exists":"false"},"then":{"effect":"modify","details":{` +
		`"roleDefinitionIds":["/providers/Microsoft.Authorization/roleDefinitions/4a9ae827-6dc8-4573-8ac7-8239d42aa03f"],` +
		`"operations":[{"operation":"add","field":"tags['owner']","value":"platform"}]}}}`
)

const (
	tagsDefault = "tags/default" // in TestTagsOnlyWrites: the request goes to the Tags API
	tagsAPI     = "?api-version=2021-04-01"
	storageAPI  = "?api-version=2023-01-01"
	groupsAPI   = "?api-version=2025-04-01"
)

// tagsFixture is an API with policy enforcement and the activity log, holding the resource group
// rg1 and the storage account a1, both in westus and tagged env=prod, cost=1.
type tagsFixture struct {
	a       *testAPI
	st      store.Store
	rg, res string // ids
}

// newTagsFixture creates the fixture, then assigns each rule (mode All) at the subscription, so
// that the existing objects may be non-compliant with them.
func newTagsFixture(t *testing.T, rules ...string) *tagsFixture {
	t.Helper()
	a := newPolicyTestAPI(t)
	f := &tagsFixture{a: a, st: a.h.cfg.Store, rg: "/subscriptions/" + testSub + "/resourceGroups/rg1"}
	f.res = f.rg + "/providers/Microsoft.Storage/storageAccounts/a1"
	a.h.SetEnforcement(&Enforcement{Engine: enforce.New(f.st, nil), Log: activitylog.NewBuilder(time.Now, uuid.NewString), TenantID: testTenant})
	a.mustDo(t, http.MethodPut, f.rg+groupsAPI, `{"location":"westus","tags":{"env":"prod","cost":"1"}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, f.res+storageAPI, `{"location":"westus","tags":{"env":"prod","cost":"1"},"properties":{}}`, http.StatusCreated)
	sub := "/subscriptions/" + testSub
	for i, rule := range rules {
		def := sub + "/providers/Microsoft.Authorization/policyDefinitions/d" + strconv.Itoa(i)
		a.mustDo(t, http.MethodPut, def+policyAPI, `{"properties":{"mode":"All","policyRule":`+rule+`}}`, http.StatusCreated)
		a.mustDo(t, http.MethodPut, sub+"/providers/Microsoft.Authorization/policyAssignments/a"+strconv.Itoa(i)+policyAPI,
			`{"location":"eastus","identity":{"type":"SystemAssigned"},"properties":{"policyDefinitionId":"`+def+`"}}`, http.StatusCreated)
	}
	return f
}

// tagsOf reads an object's tags as GET of the object answers them.
func (f *tagsFixture) tagsOf(t *testing.T, id string) map[string]any {
	t.Helper()
	api := storageAPI
	if id == f.rg {
		api = groupsAPI
	}
	r := f.a.mustDo(t, http.MethodGet, id+api, "", http.StatusOK)
	tags, _ := r.Body["tags"].(map[string]any)
	if tags == nil {
		tags = map[string]any{}
	}
	return tags
}

// tagsCall sends method with body to the tags/default object of target.
func (f *tagsFixture) tagsCall(t *testing.T, target, method, body string) response {
	t.Helper()
	return f.a.do(t, method, target+"/providers/Microsoft.Resources/tags/default"+tagsAPI, body)
}

// eventsOf lists the activity-log events of the request that answered r, each as
// "category operation status resourceId", sorted.
func (f *tagsFixture) eventsOf(t *testing.T, r response) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := f.st.View(ctx, func(tx store.Tx) error {
		p, err := tx.QueryEvents(ctx, store.EventQuery{SubscriptionID: testSub, CorrelationID: r.Header.Get("X-Ms-Correlation-Request-Id"),
			From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		if err != nil {
			return err
		}
		for _, e := range p.Events {
			var ev struct {
				Category      struct{ Value string } `json:"category"`
				OperationName struct{ Value string } `json:"operationName"`
				Status        struct{ Value string } `json:"status"`
				ResourceID    string                 `json:"resourceId"`
			}
			if err := json.Unmarshal(e.Body, &ev); err != nil {
				return err
			}
			out = append(out, ev.Category.Value+" "+ev.OperationName.Value+" "+ev.Status.Value+" "+ev.ResourceID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestTagsAPIUnderPolicy: Tags API writes on a resource group or resource are decided by Azure
// Policy as an update of the tagged object, as in Azure, where deleting a tag that a Deny policy
// requires is refused with 403 RequestDisallowedByPolicy (Azure/azure-cli#30888,
// Azure/azure-sdk-for-net#33997). A refusal changes nothing and is recorded; an allowed write is
// recorded as Microsoft.Resources/tags/write (…/tags/delete for DELETE) on the tagged object.
func TestTagsAPIUnderPolicy(t *testing.T) {
	const (
		write  = "Microsoft.Resources/tags/write"
		remove = "Microsoft.Resources/tags/delete"
		deny   = "Microsoft.Authorization/policies/deny/action"
		modify = "Microsoft.Authorization/policies/modify/action"
	)
	type call struct{ method, body string }
	tests := []struct {
		name     string
		rules    []string
		onGroup  bool
		call     call
		status   int
		wantTags map[string]any // after the request (nil: unchanged)
		events   func(id string) []string
	}{
		{name: "PATCH Delete of the required tag is refused", rules: []string{requireEnvRule},
			call:   call{http.MethodPatch, `{"operation":"Delete","properties":{"tags":{"env":""}}}`},
			status: http.StatusForbidden,
			events: func(id string) []string {
				return []string{"Administrative " + write + " Failed " + id, "Administrative " + write + " Started " + id, "Policy " + deny + " Failed " + id}
			}},
		{name: "PUT without the required tag is refused", rules: []string{requireEnvRule},
			call: call{http.MethodPut, `{"properties":{"tags":{"cost":"2"}}}`}, status: http.StatusForbidden},
		{name: "DELETE of all tags is refused", rules: []string{requireEnvRule},
			call: call{http.MethodDelete, ""}, status: http.StatusForbidden,
			events: func(id string) []string {
				return []string{"Administrative " + remove + " Failed " + id, "Administrative " + remove + " Started " + id, "Policy " + deny + " Failed " + id}
			}},
		{name: "resource group: PATCH Replace without the required tag is refused", rules: []string{requireEnvRule}, onGroup: true,
			call: call{http.MethodPatch, `{"operation":"Replace","properties":{"tags":{"cost":"2"}}}`}, status: http.StatusForbidden},
		{name: "PATCH Merge keeping the required tag is allowed", rules: []string{requireEnvRule},
			call:     call{http.MethodPatch, `{"operation":"Merge","properties":{"tags":{"team":"a"}}}`},
			status:   http.StatusOK,
			wantTags: map[string]any{"env": "prod", "cost": "1", "team": "a"},
			events: func(id string) []string {
				return []string{"Administrative " + write + " Started " + id, "Administrative " + write + " Succeeded " + id}
			}},
		{name: "PATCH Delete of another tag is allowed", rules: []string{requireEnvRule},
			call:   call{http.MethodPatch, `{"operation":"Delete","properties":{"tags":{"cost":"1"}}}`},
			status: http.StatusOK, wantTags: map[string]any{"env": "prod"}},
		{name: "resource group: PUT with the required tag is allowed", rules: []string{requireEnvRule}, onGroup: true,
			call:   call{http.MethodPut, `{"properties":{"tags":{"env":"dev"}}}`},
			status: http.StatusOK, wantTags: map[string]any{"env": "dev"},
			events: func(id string) []string {
				return []string{"Administrative " + write + " Started " + id, "Administrative " + write + " Succeeded " + id}
			}},
		{name: "modify adds its tag to a Tags API write", rules: []string{ownerModifyRule},
			call:     call{http.MethodPut, `{"properties":{"tags":{"env":"prod"}}}`},
			status:   http.StatusOK,
			wantTags: map[string]any{"env": "prod", "owner": "platform"},
			events: func(id string) []string {
				return []string{"Administrative " + write + " Started " + id, "Administrative " + write + " Succeeded " + id, "Policy " + modify + " Succeeded " + id}
			}},
		{name: "resource group: modify adds its tag", rules: []string{ownerModifyRule}, onGroup: true,
			call:   call{http.MethodPatch, `{"operation":"Merge","properties":{"tags":{"team":"a"}}}`},
			status: http.StatusOK, wantTags: map[string]any{"env": "prod", "cost": "1", "team": "a", "owner": "platform"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTagsFixture(t, tt.rules...)
			id := f.res
			if tt.onGroup {
				id = f.rg
			}
			before := f.tagsOf(t, id)
			r := f.tagsCall(t, id, tt.call.method, tt.call.body)
			if r.Status != tt.status {
				t.Fatalf("%s: %d, want %d: %s", tt.call.method, r.Status, tt.status, r.Raw)
			}
			after := f.tagsOf(t, id)
			want := tt.wantTags
			if want == nil {
				want = before
			}
			if !reflect.DeepEqual(after, want) {
				t.Errorf("tags after the request: %v, want %v", after, want)
			}
			if tt.status == http.StatusForbidden && r.code() != "RequestDisallowedByPolicy" {
				t.Errorf("refusal code %q: %s", r.code(), r.Raw)
			}
			if r.Status == http.StatusOK && tt.call.method != http.MethodDelete {
				p, _ := r.Body["properties"].(map[string]any)
				if got, _ := p["tags"].(map[string]any); !reflect.DeepEqual(got, after) {
					t.Errorf("answered tags %v, stored %v", got, after)
				}
			}
			events := f.eventsOf(t, r)
			if len(events) == 0 {
				t.Fatal("no activity-log events were recorded")
			}
			if tt.events != nil {
				if want := tt.events(id); !reflect.DeepEqual(events, want) {
					t.Errorf("events:\n got %q\nwant %q", events, want)
				}
			}
		})
	}
}

// TestTagsAPIRefusalMatchesPatch: the Tags API is refused with the error a PATCH of the same
// resource removing the same tag gets.
func TestTagsAPIRefusalMatchesPatch(t *testing.T) {
	f := newTagsFixture(t, requireEnvRule)
	viaTags := f.a.do(t, http.MethodPatch, f.res+"/providers/Microsoft.Resources/tags/default"+tagsAPI,
		`{"operation":"Replace","properties":{"tags":{"cost":"1"}}}`)
	viaPatch := f.a.do(t, http.MethodPatch, f.res+storageAPI, `{"tags":{"cost":"1"}}`)
	if viaTags.Status != http.StatusForbidden || viaPatch.Status != http.StatusForbidden {
		t.Fatalf("Tags API %d, PATCH %d: %s / %s", viaTags.Status, viaPatch.Status, viaTags.Raw, viaPatch.Raw)
	}
	if !reflect.DeepEqual(viaTags.Body, viaPatch.Body) {
		t.Errorf("refusals differ:\nTags API %s\nPATCH    %s", viaTags.Raw, viaPatch.Raw)
	}
}

// TestTagsOnlyWrites: a PATCH that changes only tags, and any Tags API write, is decided only by
// the definitions whose conditions inspect tags-related fields
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule).
// An existing object outside the allowed locations, or refused by a requestContext() rule, can
// still have its tags changed; a full PATCH or PUT of it is refused.
func TestTagsOnlyWrites(t *testing.T) {
	tests := []struct {
		name           string
		rule           string
		onGroup        bool
		method, suffix string
		body           string
		status         int
	}{
		{"allowed locations: PATCH of tags", eastUSOnlyRule, false, http.MethodPatch, storageAPI, `{"tags":{"env":"prod","team":"a"}}`, http.StatusOK},
		{"allowed locations: Tags API Merge", eastUSOnlyRule, false, http.MethodPatch, tagsDefault,
			`{"operation":"Merge","properties":{"tags":{"team":"a"}}}`, http.StatusOK},
		{"allowed locations: Tags API PUT", eastUSOnlyRule, false, http.MethodPut, tagsDefault,
			`{"properties":{"tags":{"team":"a"}}}`, http.StatusOK},
		{"allowed locations: Tags API DELETE", eastUSOnlyRule, false, http.MethodDelete, tagsDefault, "", http.StatusOK},
		{"allowed locations: PATCH of tags and properties", eastUSOnlyRule, false, http.MethodPatch, storageAPI, `{"tags":{"team":"a"},"properties":{}}`, http.StatusForbidden},
		{"allowed locations: PATCH repeating the location", eastUSOnlyRule, false, http.MethodPatch, storageAPI, `{"location":"westus","tags":{"team":"a"}}`, http.StatusForbidden},
		{"allowed locations: PUT", eastUSOnlyRule, false, http.MethodPut, storageAPI, `{"location":"westus","tags":{"team":"a"},"properties":{}}`, http.StatusForbidden},
		{"requestContext: PATCH of tags", apiVersionRule, false, http.MethodPatch, storageAPI, `{"tags":{"team":"a"}}`, http.StatusOK},
		{"requestContext: Tags API PATCH", apiVersionRule, false, http.MethodPatch, tagsDefault,
			`{"operation":"Replace","properties":{"tags":{"team":"a"}}}`, http.StatusOK},
		{"requestContext: full PATCH", apiVersionRule, false, http.MethodPatch, storageAPI, `{"properties":{"x":1}}`, http.StatusForbidden},
		{"resource group, allowed locations: PATCH of tags", eastUSOnlyRule, true, http.MethodPatch, groupsAPI, `{"tags":{"team":"a"}}`, http.StatusOK},
		{"resource group, allowed locations: Tags API PUT", eastUSOnlyRule, true, http.MethodPut, tagsDefault,
			`{"properties":{"tags":{"team":"a"}}}`, http.StatusOK},
		{"resource group, allowed locations: PATCH of managedBy", eastUSOnlyRule, true, http.MethodPatch, groupsAPI, `{"tags":{"team":"a"},"managedBy":"x"}`, http.StatusForbidden},
		{"resource group, allowed locations: PUT", eastUSOnlyRule, true, http.MethodPut, groupsAPI, `{"location":"westus","tags":{"team":"a"}}`, http.StatusForbidden},
		{"require a tag still applies to a PATCH of tags", requireEnvRule, false, http.MethodPatch, storageAPI, `{"tags":{"team":"a"}}`, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTagsFixture(t, tt.rule)
			id := f.res
			if tt.onGroup {
				id = f.rg
			}
			before := f.tagsOf(t, id)
			var r response
			if tt.suffix == tagsDefault {
				r = f.tagsCall(t, id, tt.method, tt.body)
			} else {
				r = f.a.do(t, tt.method, id+tt.suffix, tt.body)
			}
			if r.Status != tt.status {
				t.Fatalf("%s %s: %d, want %d: %s", tt.method, tt.suffix, r.Status, tt.status, r.Raw)
			}
			if tt.status == http.StatusForbidden {
				if r.code() != "RequestDisallowedByPolicy" {
					t.Errorf("refusal code %q: %s", r.code(), r.Raw)
				}
				if after := f.tagsOf(t, id); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused write changed the tags: %v, then %v", before, after)
				}
			}
		})
	}
}

// Subscriptions are outside enforcement (no subscription write is decided or recorded), so the
// Tags API on a subscription is not refused by a rule that would refuse its resources.
func TestTagsAPIOnSubscriptionIsNotEnforced(t *testing.T) {
	f := newTagsFixture(t, requireEnvRule)
	path := "/subscriptions/" + testSub + "/providers/Microsoft.Resources/tags/default" + tagsAPI
	f.a.mustDo(t, http.MethodPut, path, `{"properties":{"tags":{"cost":"1"}}}`, http.StatusOK)
	r := f.a.mustDo(t, http.MethodGet, path, "", http.StatusOK)
	p, _ := r.Body["properties"].(map[string]any)
	if tags, _ := p["tags"].(map[string]any); tags["cost"] != "1" {
		t.Errorf("subscription tags: %s", r.Raw)
	}
}
