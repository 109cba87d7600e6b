package aliases

import (
	"strings"
	"testing"
)

func TestSplitAlias(t *testing.T) {
	tests := []struct {
		in       string
		typ, prp string
		ok       bool
	}{
		{"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]", "Microsoft.Storage/storageAccounts", "networkAcls.ipRules[*]", true},
		{"Microsoft.Sql/servers/databases/transparentDataEncryption/status", "Microsoft.Sql/servers/databases/transparentDataEncryption", "status", true},
		{"Microsoft.Compute/imagePublisher", "Microsoft.Compute", "imagePublisher", true},
		{"Microsoft.Web/sites/config/web.cors.allowedOrigins[*]", "Microsoft.Web/sites/config", "web.cors.allowedOrigins[*]", true},
		// A '/' inside a bracketed key does not split.
		{"Microsoft.X/things/labels['a/b']", "Microsoft.X/things", "labels['a/b']", true},
		{"Microsoft.X/things/labels[a/b]", "Microsoft.X/things", "labels[a/b]", true},
		{"name", "", "", false},
		{"tags['env']", "", "", false},
		{"Microsoft.Storage/", "", "", false},
		{"/storageAccounts/x", "", "", false},
		{"Storage/storageAccounts/x", "", "", false}, // namespace without a dot
		{"Microsoft.Storage//x", "", "", false},      // empty type step
		{"Microsoft.Storage/storage Accounts/x", "", "", false},
		{"[concat('Microsoft.Storage/', 'x')]", "", "", false},
	}
	for _, tt := range tests {
		typ, prp, ok := SplitAlias(tt.in)
		if typ != tt.typ || prp != tt.prp || ok != tt.ok {
			t.Errorf("SplitAlias(%q) = %q, %q, %v; want %q, %q, %v", tt.in, typ, prp, ok, tt.typ, tt.prp, tt.ok)
		}
	}
}

// TestDefaultPath covers the default rule. The top-level exceptions come from
// the published alias dumps, where every sku…, zones… and managedBy alias maps
// to the top-level field (for example Microsoft.Storage/storageAccounts/sku.name
// → sku.name, …/zones[*] → zones[*], Microsoft.Sql/servers/databases/managedBy
// → managedBy); see also
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-alias
func TestDefaultPath(t *testing.T) {
	tests := []struct {
		alias, want string
	}{
		{"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value", "properties.networkAcls.ipRules[*].value"},
		{"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly", "properties.supportsHttpsTrafficOnly"},
		{"Microsoft.KeyVault/vaults/accessPolicies[*].permissions.keys[*]", "properties.accessPolicies[*].permissions.keys[*]"},
		{"Microsoft.Storage/storageAccounts/sku.name", "sku.name"},
		{"Microsoft.Storage/storageAccounts/SKU.Name", "sku.Name"},
		{"Microsoft.Storage/storageAccounts/sku", "sku"},
		{"Microsoft.Compute/disks/zones[*]", "zones[*]"},
		{"Microsoft.Compute/disks/managedby", "managedBy"},
		{"Microsoft.Compute/virtualMachines/extensions/type", "properties.type"},
		{"Microsoft.Compute/licenseType", "properties.licenseType"},
		{"Microsoft.X/y/skuName", "properties.skuName"},
		{"Microsoft.X/y/labels['a.b']", "properties.labels['a.b']"},
	}
	for _, tt := range tests {
		got, err := DefaultPath(tt.alias)
		if err != nil {
			t.Errorf("DefaultPath(%q): %v", tt.alias, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("DefaultPath(%q) = %q, want %q", tt.alias, got, tt.want)
		}
	}
}

func TestDefaultPathErrors(t *testing.T) {
	tests := []struct {
		alias, want string
	}{
		{"name", "not of the form"},
		{"tags['a']", "not of the form"},
		{"Microsoft.X/y/a..b", "offset 2"},
		{"Microsoft.X/y/a[", "unterminated"},
	}
	for _, tt := range tests {
		_, err := DefaultPath(tt.alias)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.alias) {
			t.Errorf("DefaultPath(%q) error = %v, want one naming the alias and containing %q", tt.alias, err, tt.want)
		}
	}
}
