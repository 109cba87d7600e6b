package activitylog_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	subID    = "11111111-2222-3333-4444-555555555555"
	subScope = "/subscriptions/" + subID
	rgScope  = subScope + "/resourceGroups/Rg-Prod"
	saID     = rgScope + "/providers/Microsoft.Storage/storageAccounts/stprod01"
	// azureCLI is the Azure CLI's client id, the appid of a user's CLI token.
	azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	mgChild  = "/providers/Microsoft.Management/managementGroups/landing-zones"
	mgRoot   = "/providers/Microsoft.Management/managementGroups/" + tenantID
)

// fakeClock returns a clock starting at start that moves forward step on
// every reading, so that consecutive events get distinct, known times.
func fakeClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(step)
		return t
	}
}

// seqIDs returns GUID-shaped ids 1, 2, 3, …
func seqIDs(prefix string) func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("%s-0000-4000-8000-%012d", prefix, n)
	}
}

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

func newBuilder() *activitylog.Builder {
	return activitylog.NewBuilder(fakeClock(t0, 250*time.Millisecond), seqIDs("e0000000"))
}

// user is a person signed in with the Azure CLI, with or without MFA.
func user(mfa bool) *identity.Principal {
	amr := []any{"pwd"}
	if mfa {
		amr = append(amr, "mfa")
	}
	return &identity.Principal{
		Kind: identity.KindUser, ObjectID: "f409edeb-4d29-44b5-9763-ee9348ad91bb", TenantID: tenantID,
		AppID: azureCLI, UPN: "alice@contoso.com", Name: "Alice Example",
		Claims: map[string]any{
			"aud": "https://management.azure.com/", "iss": "https://sts.windows.net/" + tenantID + "/",
			"iat": float64(1772357100), "nbf": float64(1772357100), "exp": float64(1772361000),
			"amr": amr, "appid": azureCLI, "appidacr": "0", "idtyp": "user", "name": "Alice Example",
			"oid": "f409edeb-4d29-44b5-9763-ee9348ad91bb", "scp": "user_impersonation", "tid": tenantID,
			"upn": "alice@contoso.com", "ver": "1.0",
		},
	}
}

// app is a service principal signed in with a client secret.
func app() *identity.Principal {
	return &identity.Principal{
		Kind: identity.KindServicePrincipal, ObjectID: "1d36607b-0b12-415c-85b4-319f429c4443", TenantID: tenantID,
		AppID: "2cf9eb86-36b5-49dc-86ae-9a63135dfa8c",
		Claims: map[string]any{
			"aud": "https://management.azure.com/", "iss": "https://sts.windows.net/" + tenantID + "/",
			"iat": float64(1772357100), "appid": "2cf9eb86-36b5-49dc-86ae-9a63135dfa8c", "appidacr": "1",
			"idtyp": "app", "oid": "1d36607b-0b12-415c-85b4-319f429c4443", "tid": tenantID, "ver": "1.0",
		},
	}
}

// storageRequest is a write of the storage account saID by p.
func storageRequest(method string, p *identity.Principal, body string) *activitylog.Request {
	return &activitylog.Request{
		TenantID:         tenantID,
		ResourceID:       saID,
		ResourceType:     "Microsoft.Storage/storageAccounts",
		Method:           method,
		URI:              "https://localhost:8443" + saID + "?api-version=2025-01-01",
		ClientRequestID:  "c1e2d3f4-0000-4000-8000-000000000001",
		ClientIPAddress:  "192.0.2.10",
		CorrelationID:    "b5768deb-836b-41cc-803e-3f4de2f9e40b",
		ServiceRequestID: "a4c11dbd-697e-47c5-9663-12362307157d",
		Caller:           p,
		RequestBody:      []byte(body),
		ResourceLocation: "westeurope",
		Ancestors:        []string{mgChild, mgRoot},
	}
}

// mfaAssignment assigns one of the MFA definitions at the subscription the
// tutorial's way: a resourceLocation selector, a non-compliance message and,
// when enforce is set, a policyEffect override for westeurope.
func mfaAssignment(t testing.TB, definitionID, enforce string) *policy.Assignment {
	t.Helper()
	override := ""
	if enforce != "" {
		override = `,"overrides":[{"kind":"policyEffect","value":"` + enforce + `","selectors":[{"kind":"resourceLocation","in":["westeurope"]}]}]`
	}
	src := `{"properties":{"displayName":"Require MFA for resource writes","policyDefinitionId":"` + definitionID + `",` +
		`"nonComplianceMessages":[{"message":"To resolve this error, set up MFA at aka.ms/setupMFA."}],` +
		`"resourceSelectors":[{"name":"low-risk regions","selectors":[{"kind":"resourceLocation","in":["westeurope","northeurope"]}]}]` +
		override + `}}`
	a, err := policy.ParseAssignment([]byte(src))
	if err != nil {
		t.Fatalf("assignment: %v", err)
	}
	a.Name = "mfa-selfenforce"
	a.ID = subScope + "/providers/Microsoft.Authorization/policyAssignments/" + a.Name
	return a
}

// decideMFA runs the real policy decision for a request by p on the
// storage account under an MFA assignment.
func decideMFA(t testing.TB, a *policy.Assignment, op policy.Operation, p *identity.Principal) *decide.Decision {
	t.Helper()
	defs, err := builtin.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	s := decide.NewSnapshot(decide.Objects{
		Definitions: defs, Assignments: []*policy.Assignment{a},
		Parents: map[string]string{subScope: mgChild, mgChild: mgRoot}, RootGroupID: mgRoot,
	})
	if len(s.Problems) > 0 {
		t.Fatalf("snapshot problems: %v", s.Problems)
	}
	res := map[string]any{"id": saID, "name": "stprod01", "type": "Microsoft.Storage/storageAccounts",
		"location": "westeurope", "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"},
		"tags": map[string]any{}, "properties": map[string]any{}}
	return s.Decide(&decide.Request{
		Operation: op, ID: armid.MustParse(saID), Resource: res,
		RequestContext: map[string]any{"apiVersion": "2025-01-01", "identity": p.RequestIdentity()},
		ResourceGroup:  map[string]any{"name": "Rg-Prod", "location": "westeurope", "tags": map[string]any{}, "managedBy": nil},
		Now:            t0,
	})
}

// golden compares got (indented) with testdata/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, b)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
