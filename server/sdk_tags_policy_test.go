package server

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// TestSDKTagsUnderPolicy drives the Tags API with the real TagsClient under a Deny policy that
// requires an env tag: deleting env is refused with 403 RequestDisallowedByPolicy and leaves the
// tags as they were, as in Azure (Azure/azure-cli#30888); a merge that keeps env is allowed.
func TestSDKTagsUnderPolicy(t *testing.T) {
	r := startServer(t)
	ctx := context.Background()
	cred, opts := r.credential(t), r.clientOptions()
	sub := r.SubscriptionID()
	clients := r.resourceClients(t)
	groups := clients.NewResourceGroupsClient()
	res := clients.NewClient()
	tags := clients.NewTagsClient()
	policies, err := armpolicy.NewClientFactory(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.CreateOrUpdate(ctx, "rg-tags", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	acct := "/subscriptions/" + sub + "/resourceGroups/rg-tags/providers/Microsoft.Storage/storageAccounts/tagged"
	if _, err := pollPut(ctx, res, acct, armresources.GenericResource{Location: to.Ptr("eastus"),
		Tags: map[string]*string{"env": to.Ptr("prod"), "cost": to.Ptr("1")}, Properties: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	def, err := policies.NewDefinitionsClient().CreateOrUpdate(ctx, "require-env", armpolicy.Definition{Properties: &armpolicy.DefinitionProperties{
		Mode: to.Ptr("Indexed"),
		PolicyRule: map[string]any{"if": map[string]any{"field": "tags['env']", "exists": "false"},
			"then": map[string]any{"effect": "deny"}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := policies.NewAssignmentsClient().Create(ctx, "/subscriptions/"+sub, "require-env",
		armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{PolicyDefinitionID: def.ID}}, nil); err != nil {
		t.Fatal(err)
	}

	_, err = tags.BeginUpdateAtScope(ctx, acct, armresources.TagsPatchResource{Operation: to.Ptr(armresources.TagsPatchOperationDelete),
		Properties: &armresources.Tags{Tags: map[string]*string{"env": to.Ptr("")}}}, nil)
	wantCode(t, err, 403, "RequestDisallowedByPolicy")
	got, err := tags.GetAtScope(ctx, acct, nil)
	if err != nil || len(got.Properties.Tags) != 2 || *got.Properties.Tags["env"] != "prod" {
		t.Fatalf("tags after the refused delete: %v %s", err, dump(got.Properties))
	}

	p, err := tags.BeginUpdateAtScope(ctx, acct, armresources.TagsPatchResource{Operation: to.Ptr(armresources.TagsPatchOperationMerge),
		Properties: &armresources.Tags{Tags: map[string]*string{"team": to.Ptr("a")}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := p.PollUntilDone(ctx, nil)
	if err != nil || len(merged.Properties.Tags) != 3 || *merged.Properties.Tags["env"] != "prod" {
		t.Fatalf("merge keeping env: %v %s", err, dump(merged.Properties))
	}
}
