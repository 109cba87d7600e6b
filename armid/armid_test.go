package armid

import (
	"errors"
	"strings"
	"testing"
)

// The grammar follows the ARM conventions: ids compare ignoring case, and
// extension resources are "{scope}/providers/{ns}/{type}/{name}" on any
// scope. https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/extension-resource-types
func TestParseValid(t *testing.T) {
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
	const rg = sub + "/resourceGroups/Rg1"
	tests := []struct {
		id                 string
		kind               Kind
		typ, ns            string
		name, full         string
		subID, group       string
		scope, parent      string // "" parent means none
		ancestorsFromClose int
	}{
		{"/", Tenant, TenantType, "Microsoft.Resources", "", "", "", "", "/", "", 0},
		{"/providers/Microsoft.Management/managementGroups/Mg1", ManagementGroup, ManagementGroupType, "Microsoft.Management", "Mg1", "Mg1", "", "",
			"/providers/Microsoft.Management/managementGroups/Mg1", "/", 1},
		{sub, Subscription, SubscriptionType, "Microsoft.Resources", "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000001",
			"00000000-0000-0000-0000-000000000001", "", sub, "/", 1},
		{"/subscriptions/not-a-guid", Subscription, SubscriptionType, "Microsoft.Resources", "not-a-guid", "not-a-guid", "not-a-guid", "", "/subscriptions/not-a-guid", "/", 1},
		{rg, ResourceGroup, ResourceGroupType, "Microsoft.Resources", "Rg1", "Rg1", "00000000-0000-0000-0000-000000000001", "Rg1", rg, sub, 2},
		{sub + "/resourcegroups/rg2", ResourceGroup, ResourceGroupType, "Microsoft.Resources", "rg2", "rg2", "00000000-0000-0000-0000-000000000001", "rg2",
			sub + "/resourcegroups/rg2", sub, 2},
		{rg + "/providers/Microsoft.Storage/storageAccounts/sa1", Resource, "Microsoft.Storage/storageAccounts", "Microsoft.Storage", "sa1", "sa1",
			"00000000-0000-0000-0000-000000000001", "Rg1", rg, rg, 3},
		{rg + "/providers/Microsoft.Sql/servers/s1/databases/db1", Resource, "Microsoft.Sql/servers/databases", "Microsoft.Sql", "db1", "s1/db1",
			"00000000-0000-0000-0000-000000000001", "Rg1", rg, rg + "/providers/Microsoft.Sql/servers/s1", 4},
		{rg + "/providers/Microsoft.Storage/storageAccounts/sa1/providers/Microsoft.Authorization/policyAssignments/pa", Extension,
			"Microsoft.Authorization/policyAssignments", "Microsoft.Authorization", "pa", "pa", "00000000-0000-0000-0000-000000000001", "Rg1",
			rg + "/providers/Microsoft.Storage/storageAccounts/sa1", rg + "/providers/Microsoft.Storage/storageAccounts/sa1", 4},
		{sub + "/providers/Microsoft.Authorization/policyAssignments/pa", Extension, "Microsoft.Authorization/policyAssignments", "Microsoft.Authorization",
			"pa", "pa", "00000000-0000-0000-0000-000000000001", "", sub, sub, 2},
		{"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b", Extension, "Microsoft.Authorization/policyDefinitions",
			"Microsoft.Authorization", "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b", "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b", "", "", "/", "/", 1},
		{"/providers/Microsoft.Authorization/policyDefinitions/d1/versions/1.0.0", Extension, "Microsoft.Authorization/policyDefinitions/versions",
			"Microsoft.Authorization", "1.0.0", "d1/1.0.0", "", "", "/", "/providers/Microsoft.Authorization/policyDefinitions/d1", 2},
		{"/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyAssignments/pa", Extension,
			"Microsoft.Authorization/policyAssignments", "Microsoft.Authorization", "pa", "pa", "", "",
			"/providers/Microsoft.Management/managementGroups/mg", "/providers/Microsoft.Management/managementGroups/mg", 2},
		{"/providers/Microsoft.Management/managementGroups/mg/subscriptions/s", Extension, "Microsoft.Management/managementGroups/subscriptions",
			"Microsoft.Management", "s", "mg/s", "", "", "/", "/providers/Microsoft.Management/managementGroups/mg", 2},
		{"/providers/Palisade.Identity/users/alice@example.com", Extension, "Palisade.Identity/users", "Palisade.Identity", "alice@example.com",
			"alice@example.com", "", "", "/", "/", 1},
		// A resource named like a keyword is still a name.
		{rg + "/providers/Microsoft.Web/sites/providers", Resource, "Microsoft.Web/sites", "Microsoft.Web", "providers", "providers",
			"00000000-0000-0000-0000-000000000001", "Rg1", rg, rg, 3},
		{rg + "/providers/Microsoft.Network/virtualNetworks/v%20n/subnets/(sub) é", Resource, "Microsoft.Network/virtualNetworks/subnets",
			"Microsoft.Network", "(sub) é", "v%20n/(sub) é", "00000000-0000-0000-0000-000000000001", "Rg1", rg,
			rg + "/providers/Microsoft.Network/virtualNetworks/v%20n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			id, err := Parse(tt.id)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if id.String() != tt.id {
				t.Errorf("String() = %q", id.String())
			}
			if id.Key() != strings.ToLower(tt.id) {
				t.Errorf("Key() = %q", id.Key())
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			if id.Kind() != tt.kind {
				t.Errorf("Kind() = %v, want %v", id.Kind(), tt.kind)
			}
			check("Type()", id.Type(), tt.typ)
			check("Namespace()", id.Namespace(), tt.ns)
			check("Name()", id.Name(), tt.name)
			check("FullName()", id.FullName(), tt.full)
			check("SubscriptionID()", id.SubscriptionID(), tt.subID)
			check("ResourceGroup()", id.ResourceGroup(), tt.group)
			check("Scope()", id.Scope().String(), tt.scope)
			p, ok := id.Parent()
			if ok != (tt.parent != "") {
				t.Fatalf("Parent() ok = %v", ok)
			}
			check("Parent()", p.String(), tt.parent)
			anc := id.Ancestors()
			if len(anc) != tt.ancestorsFromClose {
				t.Errorf("Ancestors() = %v, want %d", anc, tt.ancestorsFromClose)
			}
			for i, a := range anc {
				if !id.IsUnder(a) {
					t.Errorf("IsUnder(ancestor %d %q) = false", i, a)
				}
				if a.IsUnder(id) {
					t.Errorf("ancestor %q IsUnder %q", a, id)
				}
			}
			if len(anc) > 0 && anc[len(anc)-1].Kind() != Tenant {
				t.Errorf("last ancestor %q is not the tenant root", anc[len(anc)-1])
			}
			upper, err := Parse(strings.ToUpper(tt.id))
			if err != nil {
				t.Fatalf("Parse(upper): %v", err)
			}
			if !upper.Equal(id) || !upper.IsUnder(id) || upper.Kind() != id.Kind() {
				t.Errorf("upper-cased id is not equal: %q vs %q", upper, id)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	const sub = "/subscriptions/s1"
	tests := []struct {
		id      string
		segment int
		want    string
	}{
		{"", 0, "is empty"},
		{"subscriptions/s1", 0, "must start with '/'"},
		{"//", 1, "is empty"},
		{sub + "/", 3, "is empty"},
		{"/subscriptions//resourceGroups/rg", 2, "is empty"},
		{"/subscriptions", 2, "needs a subscription id"},
		{sub + "/resourceGroups", 3, "'resourceGroups' needs a name"},
		{sub + "/resourceGroups/", 4, "is empty"},
		{sub + "/resourceGroups/rg/providers", 6, "'providers' needs a namespace"},
		{sub + "/resourceGroups/rg/providers/Microsoft.Storage", 7, "needs a resource type"},
		{sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts", 7, "'storageAccounts' needs a name"},
		{sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases", 9, "'databases' needs a name"},
		{sub + "/resourceGroups/rg/providers/Micro soft/t/n", 6, "contains ' '"},
		{sub + "/resourceGroups/rg/providers/Microsoft..Storage/t/n", 6, "has an empty part"},
		{sub + "/resourceGroups/rg/providers/.Storage/t/n", 6, "has an empty part"},
		{sub + "/resourceGroups/rg/providers/Microsoft.Storage/storage.Accounts/n", 7, "contains '.'"},
		{sub + "/resourceGroups/rg/providers/Microsoft.Storage/sa/x/providers", 10, "'providers' needs a namespace"},
		{sub + "/resourceGroups/rg/things/x", 5, "expected 'providers'"},
		{sub + "/things/x", 3, "expected 'resourceGroups' or 'providers'"},
		{"/tenants/x", 1, "expected 'subscriptions' or 'providers'"},
		{sub + "/resourceGroups/..", 4, "'..' is not a name"},
		{sub + "/resourceGroups/./providers/a.b/c/d", 4, "'.' is not a name"},
		{sub + "/resourceGroups/r\x00g", 4, "contains '\\x00'"},
		{sub + "/resourceGroups/r\ng", 4, "contains '\\n'"},
		{sub + "/resourceGroups/rg?api-version=1", 4, "contains '?'"},
		{sub + "/resourceGroups/rg#frag", 4, "contains '#'"},
		{"/subscriptions/\xff", 0, "not valid UTF-8"},
		{"/" + strings.Repeat("a", MaxLength), 0, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, err := Parse(tt.id)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error = %v, want *Error", tt.id, err)
			}
			if e.Segment != tt.segment {
				t.Errorf("Segment = %d, want %d (%v)", e.Segment, tt.segment, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.segment > 0 {
				segs := strings.Split(tt.id[1:], "/")
				wantOff := len(tt.id)
				if tt.segment <= len(segs) {
					wantOff = 1 + len(strings.Join(segs[:tt.segment-1], "/"))
					if tt.segment > 1 {
						wantOff++
					}
				}
				if e.Offset != wantOff {
					t.Errorf("Offset = %d, want %d", e.Offset, wantOff)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := Parse("/subscriptions/s/resourceGroups")
	const want = "invalid resource id '/subscriptions/s/resourceGroups': segment 3 'resourceGroups' needs a name (offset 17)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

func TestChild(t *testing.T) {
	const sub = "/subscriptions/s1"
	tests := []struct {
		base, typ, name string
		want            string
		kind            Kind
	}{
		{"/", "subscriptions", "s1", sub, Subscription},
		{"/", "Microsoft.Management/managementGroups", "mg", "/providers/Microsoft.Management/managementGroups/mg", ManagementGroup},
		{"/", "Palisade.Identity/users", "bob", "/providers/Palisade.Identity/users/bob", Extension},
		{sub, "resourceGroups", "rg", sub + "/resourceGroups/rg", ResourceGroup},
		{sub + "/resourceGroups/rg", "Microsoft.Sql/servers", "s", sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s", Resource},
		{sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s", "databases", "d", sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases/d", Resource},
		{sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s", "Microsoft.Authorization/policyAssignments", "pa",
			sub + "/resourceGroups/rg/providers/Microsoft.Sql/servers/s/providers/Microsoft.Authorization/policyAssignments/pa", Extension},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.base).Child(tt.typ, tt.name)
		if err != nil {
			t.Errorf("Child(%q, %q) of %q: %v", tt.typ, tt.name, tt.base, err)
			continue
		}
		if got.String() != tt.want || got.Kind() != tt.kind {
			t.Errorf("Child(%q, %q) of %q = %q (%v), want %q (%v)", tt.typ, tt.name, tt.base, got, got.Kind(), tt.want, tt.kind)
		}
		if p, _ := got.Parent(); !p.Equal(MustParse(tt.base)) {
			t.Errorf("Parent of %q = %q, want %q", got, p, tt.base)
		}
	}
	bad := []struct{ base, typ, name string }{
		{sub, "databases", "d"},                       // no namespace below a subscription
		{sub, "resourceGroups", "a/b"},                // name with '/'
		{sub, "resourceGroups", ""},                   // empty name
		{sub, "Microsoft.Sql/servers/databases", "x"}, // two levels at once
		{"/", "Microsoft.Sql/servers", ".."},
	}
	for _, tt := range bad {
		if got, err := MustParse(tt.base).Child(tt.typ, tt.name); err == nil {
			t.Errorf("Child(%q, %q) of %q = %q, want an error", tt.typ, tt.name, tt.base, got)
		}
	}
	if _, err := (ID{}).Child("subscriptions", "s"); err == nil {
		t.Error("Child of the zero id succeeded")
	}
}

func TestIsUnder(t *testing.T) {
	tests := []struct {
		id, other string
		want      bool
	}{
		{"/subscriptions/S1/resourceGroups/RG", "/subscriptions/s1", true},
		{"/subscriptions/s1/resourceGroups/rg", "/subscriptions/s1/resourcegroups/RG", true},
		{"/subscriptions/s1/resourceGroups/rg2", "/subscriptions/s1/resourceGroups/rg", false},
		{"/subscriptions/s10", "/subscriptions/s1", false},
		{"/subscriptions/s1", "/subscriptions/s1/resourceGroups/rg", false},
		{"/providers/Microsoft.Management/managementGroups/mg", "/", true},
		{"/", "/", true},
		{"/", "/subscriptions/s1", false},
	}
	for _, tt := range tests {
		if got := MustParse(tt.id).IsUnder(MustParse(tt.other)); got != tt.want {
			t.Errorf("%q.IsUnder(%q) = %v, want %v", tt.id, tt.other, got, tt.want)
		}
	}
	if (ID{}).IsUnder(Root) || Root.IsUnder(ID{}) {
		t.Error("the zero id is under something")
	}
}

// ARM answers InvalidSubscriptionId for non-GUID subscription ids, e.g.
// "The provided subscription identifier 'Pay-As-You-Go' is malformed or
// invalid." (https://github.com/MicrosoftDocs/azure-docs/issues/77959).
func TestValidateSubscriptionID(t *testing.T) {
	for s, ok := range map[string]bool{
		"00000000-0000-0000-0000-000000000001": true,
		"ABCDEF01-abcd-4bcd-8bcd-0123456789ab": true,
		"Pay-As-You-Go":                        false,
		"00000000-0000-0000-0000-00000000000":  false,
		"00000000x0000-0000-0000-000000000001": false,
		"0000000g-0000-0000-0000-000000000001": false,
		"":                                     false,
	} {
		err := ValidateSubscriptionID(s)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalidName)) {
			t.Errorf("ValidateSubscriptionID(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

// Resource group names: at most 90 characters, letters or digits
// (Char.IsLetterOrDigit) and '-', '_', '(', ')', '.', not ending with '.'.
// https://learn.microsoft.com/en-ca/dotnet/api/azure.resourcemanager.synapse.synapseworkspacedata.managedresourcegroupname?view=azure-dotnet
func TestValidateResourceGroupName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"rg", true},
		{"My_RG-(1).x", true},
		{"räksmörgås", true},
		{"日本", true},
		{strings.Repeat("a", 90), true},
		{strings.Repeat("a", 91), false},
		{"", false},
		{"rg.", false},
		{"r g", false},
		{"rg/x", false},
		{"rg!", false},
		{"rg\t", false},
	}
	for _, tt := range tests {
		err := ValidateResourceGroupName(tt.name)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidName)) {
			t.Errorf("ValidateResourceGroupName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestKindString(t *testing.T) {
	if Extension.String() != "Extension" || Kind(42).String() != "Kind(42)" {
		t.Errorf("Kind strings: %q %q", Extension, Kind(42))
	}
}
