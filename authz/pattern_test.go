package authz

import (
	"regexp"
	"strings"
	"testing"
)

// Wildcard semantics from "Understand Azure role definitions"
// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions):
// "*" matches any characters, including "/", and comparison ignores case.
func TestMatchAction(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"*", "Microsoft.Compute/virtualMachines/write", true},
		{"*/read", "Microsoft.Compute/virtualMachines/read", true},
		{"*/read", "Microsoft.Compute/virtualMachines/write", false},
		{"*/read", "Microsoft.Compute/virtualMachines/readers/write", false},
		{"Microsoft.Compute/*", "Microsoft.Compute/virtualMachines/start/action", true},
		{"Microsoft.Compute/*", "Microsoft.ComputeSchedule/x/read", false},
		{"Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/subnets/read", true},
		{"Microsoft.Network/*/read", "Microsoft.Network/read", false},
		{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/policyAssignments/write", true},
		{"Microsoft.Authorization/*/Write", "microsoft.authorization/roleassignments/WRITE", true},
		{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/policyAssignments/write", false},
		{"Microsoft.Authorization/policy*", "Microsoft.Authorization/policyDefinitions/write", true},
		{"Microsoft.Authorization/policy*", "Microsoft.Authorization/roleAssignments/write", false},
		{"Microsoft.Authorization/policyassignments/*", "Microsoft.Authorization/policyAssignments/write", true},
		{"Microsoft.Resources/subscriptions/resourceGroups/*", "Microsoft.Resources/subscriptions/resourceGroups/write", true},
		{"Microsoft.Resources/subscriptions/resourceGroups/*", "Microsoft.Resources/subscriptions/read", false},
		{"microsoft.web/sites/restart/Action", "Microsoft.Web/sites/restart/action", true},
		{"Microsoft.Web/sites/restart/action", "Microsoft.Web/sites/restart/action/x", false},
		{"Microsoft.CostManagement/exports/*", "Microsoft.CostManagement/exports/run/action", true},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b", "xxbxxa", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"ab*b", "ab", false},
		{"**", "", true},
		{"", "anything", false},
		{"has space", "has space", false},
	}
	for _, tt := range tests {
		if got := MatchAction(tt.pattern, tt.action); got != tt.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}

// referenceMatch is the obvious, slow definition: the pattern as an
// anchored, case-insensitive regular expression with ".*" for "*".
func referenceMatch(pattern, action string) bool {
	if _, err := compilePattern(pattern); err != nil {
		return false
	}
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(strings.ToLower(p))
	}
	re := regexp.MustCompile("^(?s:" + strings.Join(parts, ".*") + ")$")
	return re.MatchString(asciiLower(action))
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

func FuzzMatchAction(f *testing.F) {
	for _, s := range [][2]string{
		{"*/read", "Microsoft.Compute/virtualMachines/read"},
		{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"},
		{"a*a*a", "aaaa"},
		{"*ab*ba*", "abba"},
		{"x*", "X"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, action string) {
		if len(pattern) > 64 || len(action) > 128 {
			return
		}
		if !isASCII(pattern) || !isASCII(action) {
			return // the reference lower-cases bytes, the regexp runes
		}
		got, want := MatchAction(pattern, action), referenceMatch(pattern, action)
		if got != want {
			t.Fatalf("MatchAction(%q, %q) = %v, reference says %v", pattern, action, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
