package activitylog_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	jmespath "github.com/jmespath-community/go-jmespath"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
)

// staticToken is a credential for the SDK; the lister does not check it.
type staticToken struct{}

func (staticToken) GetToken(context.Context, azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestSDKDecodesPage decodes a list page with the Azure SDK for Go's model
// (armmonitor.EventDataCollection): claims and properties must be strings
// (map[string]*string), times RFC 3339, levels the SDK's enum.
func TestSDKDecodesPage(t *testing.T) {
	f := newLogFixture(t)
	body, err := f.lister().List(context.Background(), subID, url.Values{
		"$filter": {"eventTimestamp ge '" + listStart + "' and correlationId eq '" + corrAlice + "'"},
	}, "https://palisade.test"+listPath)
	if err != nil {
		t.Fatal(err)
	}
	var page armmonitor.EventDataCollection
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("armmonitor.EventDataCollection: %v", err)
	}
	if len(page.Value) != 3 || page.NextLink != nil {
		t.Fatalf("got %d events, nextLink %v", len(page.Value), page.NextLink)
	}
	end, audit, start := page.Value[0], page.Value[1], page.Value[2]
	checkSDKEvent(t, end)
	if *start.Status.Value != "Started" || *start.EventName.Value != "BeginRequest" || *start.Properties["requestbody"] != `{"location":"westeurope"}` {
		t.Errorf("Started event: %s %s %v", *start.Status.Value, *start.EventName.Value, start.Properties)
	}
	if *audit.Category.Value != "Policy" || *audit.Level != armmonitor.EventLevelWarning ||
		*audit.OperationName.Value != "Microsoft.Authorization/policies/audit/action" {
		t.Errorf("audit event: %s %s %s", *audit.Category.Value, *audit.Level, *audit.OperationName.Value)
	}
	var policies []map[string]any
	if err := json.Unmarshal([]byte(*audit.Properties["policies"]), &policies); err != nil || len(policies) != 1 ||
		policies[0]["policyDefinitionDisplayName"] != "Users must authenticate with multi-factor authentication to create or update resources" {
		t.Errorf("properties.policies = %v (%v)", policies, err)
	}
}

// checkSDKEvent compares the SDK's view of an event with the event written.
func checkSDKEvent(t *testing.T, got *armmonitor.EventData) {
	t.Helper()
	if got.EventTimestamp == nil || got.SubmissionTimestamp == nil || got.ID == nil || got.Claims == nil || got.HTTPRequest == nil {
		t.Fatalf("fields missing in the SDK model: %+v", got)
	}
	for _, c := range []struct{ name, got, want string }{
		{"eventTimestamp", got.EventTimestamp.UTC().Format(time.RFC3339Nano), "2026-03-01T09:32:00.123456Z"},
		{"caller", *got.Caller, "alice@contoso.com"},
		{"level", string(*got.Level), "Informational"},
		{"status", *got.Status.Value, "Succeeded"},
		{"subStatus", *got.SubStatus.LocalizedValue, "Created (HTTP Status Code: 201)"},
		{"operationName", *got.OperationName.LocalizedValue, "Create/Update Storage Account"},
		{"resourceProviderName", *got.ResourceProviderName.Value, "Microsoft.Storage"},
		{"resourceType", *got.ResourceType.Value, "Microsoft.Storage/storageAccounts"},
		{"resourceGroupName", *got.ResourceGroupName, "Rg-Prod"},
		{"resourceId", *got.ResourceID, saID},
		{"subscriptionId", *got.SubscriptionID, subID},
		{"tenantId", *got.TenantID, tenantID},
		{"correlationId", *got.CorrelationID, corrAlice},
		{"operationId", *got.OperationID, corrAlice},
		{"authorization.action", *got.Authorization.Action, "Microsoft.Storage/storageAccounts/write"},
		{"httpRequest.method", *got.HTTPRequest.Method, "PUT"},
		{"httpRequest.clientIpAddress", *got.HTTPRequest.ClientIPAddress, "192.0.2.10"},
		{"claims.iat", *got.Claims["iat"], "1772357100"},
		{"claims.amr", *got.Claims["http://schemas.microsoft.com/claims/authnmethodsreferences"], "pwd"},
		{"properties.statusCode", *got.Properties["statusCode"], "Created"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(*got.ID, saID+"/events/"+*got.EventDataID+"/ticks/") {
		t.Errorf("id = %s", *got.ID)
	}
}

// TestSDKClientPages lists with the SDK's own ActivityLogsClient pager
// against the HTTP handler, following nextLink to the end.
func TestSDKClientPages(t *testing.T) {
	f := newLogFixture(t)
	l := f.lister()
	l.PageSize = 3
	srv := httptest.NewTLSServer(l)
	t.Cleanup(srv.Close)
	opts := &arm.ClientOptions{ClientOptions: azpolicy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: srv.URL, Audience: "https://management.core.windows.net/"}}},
		Transport: srv.Client(),
	}, DisableRPRegistration: true}
	client, err := armmonitor.NewActivityLogsClient(subID, staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	pager := client.NewListPager("eventTimestamp ge '"+listStart+"' and eventTimestamp le '2026-03-01T12:00:00Z'",
		&armmonitor.ActivityLogsClientListOptions{Select: to.Ptr("eventDataId,operationName,status,eventTimestamp,correlationId,level")})
	var got []string
	pages := 0
	for pager.More() {
		p, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		for _, e := range p.Value {
			if e.Caller != nil || e.Claims != nil {
				t.Errorf("$select let through caller or claims: %+v", e)
			}
			got = append(got, *e.EventDataID)
		}
	}
	if pages != 3 || !reflect.DeepEqual(got, f.ids) {
		t.Errorf("%d pages: %v\nwant 3 pages: %v", pages, got, f.ids)
	}
}

// TestTutorialQuery runs the MFA tutorial's audit-mode query verbatim on
// the list output
// (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement#audit-mode):
// the JMESPath selects the audit events of both MFA definitions and jq's
// fromjson reads the definition names from properties.policies.
func TestTutorialQuery(t *testing.T) {
	f := newLogFixture(t)
	b := activitylog.NewBuilder(fakeClock(t0.Add(30*time.Minute), time.Second), seqIDs("d0000000"))
	del := storageRequest("DELETE", user(false), "")
	audits, err := b.Policy(del, decideMFA(t, mfaAssignment(t, builtin.MFADeleteID, ""), policy.OperationDelete, user(false)))
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, f, audits)

	body, err := f.lister().List(context.Background(), subID, url.Values{"$filter": {"eventTimestamp ge '" + listStart + "'"}},
		"https://palisade.test"+listPath)
	if err != nil {
		t.Fatal(err)
	}
	// az monitor activity-log list prints the events as one JSON array.
	var p struct{ Value []any }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	const query = "[?operationName.value=='Microsoft.Authorization/policies/audit/action'].{ResourceId: resourceId, Policies: properties.policies}"
	res, err := jmespath.Search(query, p.Value)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(res)
	var rows []struct{ ResourceId, Policies string }
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("query result %s: %v", out, err)
	}
	var names []string
	for _, r := range rows {
		var list []map[string]any // jq: .Policies | fromjson[]
		if err := json.Unmarshal([]byte(r.Policies), &list); err != nil {
			t.Fatalf("fromjson of %q: %v", r.Policies, err)
		}
		for _, pol := range list {
			names = append(names, r.ResourceId+"\t"+pol["policyDefinitionDisplayName"].(string))
		}
	}
	want := []string{
		saID + "\tUsers must authenticate with multi-factor authentication to delete resources",
		saID + "\tUsers must authenticate with multi-factor authentication to create or update resources",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("tutorial query found\n %q\nwant\n %q", names, want)
	}

	// The tutorial's jq program, verbatim, when jq is installed.
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Log("jq not installed; the jq step was checked in Go only")
		return
	}
	cmd := exec.Command(jq, "-r", `"ResourceName\tResourceId\tPolicyDefinitionDisplayName", (.[] as $event | ($event.Policies | fromjson[] | "\($event.ResourceId | split("/") | last)\t\($event.ResourceId)\t\(.policyDefinitionDisplayName)"))`)
	cmd.Stdin = strings.NewReader(string(out))
	text, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	wantText := "ResourceName\tResourceId\tPolicyDefinitionDisplayName\n" +
		"stprod01\t" + want[0] + "\n" + "stprod01\t" + want[1] + "\n"
	if string(text) != wantText {
		t.Errorf("jq printed\n%s\nwant\n%s", text, wantText)
	}
}
