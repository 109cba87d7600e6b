package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// policyEventsResults and policyEvent mirror the PolicyEventsQueryResults and PolicyEvent models
// of the PolicyInsights spec (Azure/azure-rest-api-specs specification/policyinsights/
// resource-manager/Microsoft.PolicyInsights/stable/2019-10-01/policyEvents.json), which the SDKs
// generate as pointer fields; the armpolicyinsights module is not available to this build, so
// policyEventsPager below drives the query the way its PolicyEventsClient does: POST the query,
// then POST each @odata.nextLink as it is (x-ms-pageable with PolicyEvents_NextLink, a POST).
type policyEventsResults struct {
	ODataContext  *string        `json:"@odata.context"`
	ODataCount    *int32         `json:"@odata.count"`
	ODataNextLink *string        `json:"@odata.nextLink"`
	Value         []*policyEvent `json:"value"`
}

type policyEvent struct {
	ODataID                *string    `json:"@odata.id"`
	Timestamp              *time.Time `json:"timestamp"`
	ResourceID             *string    `json:"resourceId"`
	PolicyAssignmentID     *string    `json:"policyAssignmentId"`
	PolicyDefinitionID     *string    `json:"policyDefinitionId"`
	IsCompliant            *bool      `json:"isCompliant"`
	SubscriptionID         *string    `json:"subscriptionId"`
	ResourceType           *string    `json:"resourceType"`
	ResourceLocation       *string    `json:"resourceLocation"`
	ResourceGroup          *string    `json:"resourceGroup"`
	PolicyAssignmentName   *string    `json:"policyAssignmentName"`
	PolicyAssignmentScope  *string    `json:"policyAssignmentScope"`
	PolicyDefinitionName   *string    `json:"policyDefinitionName"`
	PolicyDefinitionAction *string    `json:"policyDefinitionAction"`
	ManagementGroupIDs     *string    `json:"managementGroupIds"`
	ComplianceState        *string    `json:"complianceState"`
	TenantID               *string    `json:"tenantId"`
	PrincipalOid           *string    `json:"principalOid"`
}

// tokenCredential hands out one fixed token.
type tokenCredential string

func (c tokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(c), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// policyEventsPager queries the policy events at scope through an azcore ARM client pipeline
// (bearer token, api-version, the SDKs' error handling).
func policyEventsPager(t *testing.T, r *running, cred azcore.TokenCredential, scope string, query url.Values) *runtime.Pager[policyEventsResults] {
	t.Helper()
	client, err := arm.NewClient("armpolicyinsights-test", "v0.0.1", cred, r.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	send := func(ctx context.Context, u string, q url.Values) (policyEventsResults, error) {
		req, err := runtime.NewRequest(ctx, http.MethodPost, u)
		if err != nil {
			return policyEventsResults{}, err
		}
		if q != nil {
			q.Set("api-version", "2019-10-01")
			req.Raw().URL.RawQuery = q.Encode()
		}
		req.Raw().Header["Accept"] = []string{"application/json"}
		resp, err := client.Pipeline().Do(req)
		if err != nil {
			return policyEventsResults{}, err
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			return policyEventsResults{}, runtime.NewResponseError(resp)
		}
		var out policyEventsResults
		err = runtime.UnmarshalAsJSON(resp, &out)
		return out, err
	}
	first := r.URL() + scope + "/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults"
	return runtime.NewPager(runtime.PagingHandler[policyEventsResults]{
		More: func(p policyEventsResults) bool { return p.ODataNextLink != nil && *p.ODataNextLink != "" },
		Fetcher: func(ctx context.Context, p *policyEventsResults) (policyEventsResults, error) {
			if p == nil {
				return send(ctx, first, query)
			}
			return send(ctx, *p.ODataNextLink, nil)
		},
	})
}

// TestSDKPolicyEvents: audits and denials of a user's writes are served as policy events
// (https://learn.microsoft.com/rest/api/policy/policy-events/list-query-results-for-subscription,
// https://learn.microsoft.com/azure/governance/policy/how-to/get-compliance-data), to a Reader
// of the subscription: Azure lists Microsoft.PolicyInsights/policyEvents/queryResults/read
// beside …/queryResults/action among the PolicyInsights permissions
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance),
// and the Reader role's */read grants it; a caller without a role is refused.
func TestSDKPolicyEvents(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	user := func(name string) (token, oid string) {
		status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/users/"+name+"?api-version=2024-01-01", admin,
			`{"properties":{"password":"`+name+`-password-1"}}`)
		if status != 201 {
			t.Fatalf("create %s: %d %v", name, status, body)
		}
		oid = body["properties"].(map[string]any)["objectId"].(string)
		token, err := r.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"},
			"username": {name}, "password": {name + "-password-1"}, "scope": {armScope}})
		if err != nil {
			t.Fatal(err)
		}
		return token, oid
	}
	grant := func(name, oid, roleID string) {
		status, _, body := r.raw(t, "PUT", sub+"/providers/Microsoft.Authorization/roleAssignments/"+name+"?api-version=2022-04-01", admin,
			`{"properties":{"roleDefinitionId":"`+sub+`/providers/Microsoft.Authorization/roleDefinitions/`+roleID+`","principalId":"`+oid+`","principalType":"User"}}`)
		if status != 201 {
			t.Fatalf("grant %s: %d %v", roleID, status, body)
		}
	}
	reader, readerOID := user("reader")
	writer, writerOID := user("writer")
	nobody, _ := user("nobody")
	grant("7e1a2b3c-0000-4000-8000-000000000001", readerOID, "acdd72a7-3385-48ef-bd42-f606fba81ae7") // Reader
	grant("7e1a2b3c-0000-4000-8000-000000000002", writerOID, "b24988ac-6180-42a0-ab88-20f7382dd24c") // Contributor

	put := func(path, token, body string, want int) {
		t.Helper()
		if status, _, b := r.raw(t, "PUT", path, token, body); status != want {
			t.Fatalf("PUT %s: %d, want %d: %v", path, status, want, b)
		}
	}
	for i, rule := range []string{
		`{"if":{"field":"tags['cost']","exists":"false"},"then":{"effect":"audit"}}`,
		`{"if":{"field":"location","notIn":["eastus","westus"]},"then":{"effect":"deny"}}`,
	} {
		def := sub + "/providers/Microsoft.Authorization/policyDefinitions/pe" + string(rune('0'+i))
		put(def+"?api-version=2023-04-01", admin, `{"properties":{"mode":"All","policyRule":`+rule+`}}`, 201)
		put(sub+"/providers/Microsoft.Authorization/policyAssignments/pe"+string(rune('0'+i))+"?api-version=2023-04-01", admin,
			`{"properties":{"policyDefinitionId":"`+def+`"}}`, 201)
	}
	rg := sub + "/resourceGroups/pe-rg"
	put(rg+"?api-version=2025-04-01", writer, `{"location":"eastus","tags":{"cost":"1"}}`, 201)
	put(rg+"/providers/Microsoft.Storage/storageAccounts/audited?api-version=2023-01-01", writer, `{"location":"eastus","properties":{}}`, 201)
	put(rg+"/providers/Microsoft.Storage/storageAccounts/denied?api-version=2023-01-01", writer, `{"location":"northeurope","tags":{"cost":"1"},"properties":{}}`, 403)

	ctx := context.Background()
	var events []*policyEvent
	pager := policyEventsPager(t, r, tokenCredential(reader), sub, url.Values{"$filter": {"resourceGroup eq 'pe-rg'"}})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("reader queries policy events: %v", err)
		}
		if page.ODataCount == nil || int(*page.ODataCount) != len(page.Value) {
			t.Errorf("@odata.count %v for %d records", page.ODataCount, len(page.Value))
		}
		events = append(events, page.Value...)
	}
	if len(events) != 2 {
		t.Fatalf("policy events: %s", dump(events))
	}
	deny, audit := events[0], events[1] // newest first
	if *deny.PolicyDefinitionAction != "deny" || !strings.HasSuffix(*deny.ResourceID, "/denied") || *deny.PolicyAssignmentName != "pe1" ||
		*deny.ComplianceState != "NonCompliant" || *deny.IsCompliant || *deny.ResourceLocation != "northeurope" {
		t.Errorf("deny event: %s", dump(deny))
	}
	if *audit.PolicyDefinitionAction != "audit" || !strings.HasSuffix(*audit.ResourceID, "/audited") || *audit.PolicyAssignmentName != "pe0" ||
		*audit.ResourceType != "Microsoft.Storage/storageAccounts" || *audit.ResourceGroup != "pe-rg" {
		t.Errorf("audit event: %s", dump(audit))
	}
	for _, e := range events {
		if e.PrincipalOid == nil || *e.PrincipalOid != writerOID || *e.TenantID != testTenant || *e.SubscriptionID != testSub ||
			e.Timestamp == nil || time.Since(*e.Timestamp) > time.Hour || e.ManagementGroupIDs == nil || !strings.HasSuffix(*e.ManagementGroupIDs, testTenant) {
			t.Errorf("event of the writer (oid %s): %s", writerOID, dump(e))
		}
	}

	// At a resource scope, $top=1 answers its one record and no link.
	pager = policyEventsPager(t, r, tokenCredential(reader), rg+"/providers/Microsoft.Storage/storageAccounts/audited", url.Values{"$top": {"1"}})
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || pager.More() {
		t.Errorf("resource scope with $top=1: %v %s", err, dump(page))
	}

	// A caller without a role is refused with the action named.
	pager = policyEventsPager(t, r, tokenCredential(nobody), sub, url.Values{})
	_, err = pager.NextPage(ctx)
	wantCode(t, err, http.StatusForbidden, "AuthorizationFailed")
	if !strings.Contains(err.Error(), "Microsoft.PolicyInsights/policyEvents/queryResults/action") {
		t.Errorf("refusal: %v", err)
	}

	// The provider advertises the type with the api-versions of the spec.
	status, _, body := r.raw(t, "GET", sub+"/providers/Microsoft.PolicyInsights?api-version=2021-04-01", reader, "")
	if status != 200 || !strings.Contains(dump(body), `"policyEvents"`) || !strings.Contains(dump(body), "2019-10-01") {
		t.Errorf("provider: %d %s", status, dump(body))
	}
}
