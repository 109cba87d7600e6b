package api

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
)

// The list-all-versions operations (POST {scope}/providers/Microsoft.Authorization/
// listPolicyDefinitionVersions and listPolicySetDefinitionVersions) answer the SDK's ListAll,
// ListAllBuiltins and ListAllAtManagementGroup with every version of every object defined at
// the scope: stored versions, or the current one of an object without stored versions.
// REST: https://learn.microsoft.com/rest/api/policy/policy-definition-versions/list-all and
// …/list-all-builtins; specs: Azure/azure-rest-api-specs specification/resources/
// resource-manager/Microsoft.Authorization/policy/stable/2025-03-01/policyDefinitionVersions.json.
func TestListAllVersionsWithSDK(t *testing.T) {
	ctx := context.Background()
	_, f := policyClients(t)
	versions := f.NewDefinitionVersionsClient()

	builtins, err := versions.ListAllBuiltins(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mfa := "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b/versions/"
	found := false
	for _, v := range builtins.Value {
		if strings.HasPrefix(*v.ID, mfa) && *v.Type == "Microsoft.Authorization/policyDefinitions/versions" && *v.Name == *v.Properties.Version {
			found = true
		}
	}
	if len(builtins.Value) < 10 || !found || builtins.NextLink != nil {
		t.Errorf("built-in versions: %d listed, MFA definition's version found %v, nextLink %v", len(builtins.Value), found, builtins.NextLink)
	}

	rule := map[string]any{"if": map[string]any{"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
		"then": map[string]any{"effect": "audit"}}
	defs := f.NewDefinitionsClient()
	for _, name := range []string{"plain", "versioned"} {
		if _, err := defs.CreateOrUpdate(ctx, name, armpolicy.Definition{Properties: &armpolicy.DefinitionProperties{
			Mode: to.Ptr("All"), PolicyRule: rule, Version: to.Ptr("1.0.0")}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if _, err := versions.CreateOrUpdate(ctx, "versioned", v, armpolicy.DefinitionVersion{Properties: &armpolicy.DefinitionVersionProperties{
			Mode: to.Ptr("All"), PolicyRule: rule}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := versions.ListAll(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range all.Value {
		got = append(got, strings.TrimPrefix(*v.ID, "/subscriptions/"+testSub+"/providers/Microsoft.Authorization/policyDefinitions/"))
	}
	want := "plain/versions/1.0.0 versioned/versions/1.0.0 versioned/versions/2.0.0"
	if strings.Join(got, " ") != want {
		t.Errorf("subscription's versions = %v, want %s", got, want)
	}

	// Initiatives: none at the subscription yet, then one.
	setVersions := f.NewSetDefinitionVersionsClient()
	sets, err := setVersions.ListAll(ctx, nil)
	if err != nil || len(sets.Value) != 0 {
		t.Fatalf("initiative versions before any: %v %v", sets.Value, err)
	}
	if _, err := f.NewSetDefinitionsClient().CreateOrUpdate(ctx, "bundle", armpolicy.SetDefinition{Properties: &armpolicy.SetDefinitionProperties{
		Version: to.Ptr("1.2.0"),
		PolicyDefinitions: []*armpolicy.DefinitionReference{{
			PolicyDefinitionID: to.Ptr("/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyDefinitions/plain")}},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	sets, err = setVersions.ListAll(ctx, nil)
	if err != nil || len(sets.Value) != 1 || !strings.HasSuffix(*sets.Value[0].ID, "/policySetDefinitions/bundle/versions/1.2.0") ||
		*sets.Value[0].Type != "Microsoft.Authorization/policySetDefinitions/versions" {
		t.Errorf("initiative versions: %v %v", sets.Value, err)
	}
}
