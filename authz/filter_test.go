package authz

import (
	"strings"
	"testing"
)

// The $filter forms of RoleAssignments_ListForScope and RoleDefinitions_List
// (authorization-RoleAssignmentsCalls.json, RoleAssignmentFilterParameter:
// "Use $filter=atScope() to return all role assignments at or above the
// scope. Use $filter=principalId eq {id} to return all role assignments at,
// above or below the scope for the specified principal.").
func TestParseFilter(t *testing.T) {
	tests := []struct {
		in      string
		want    Filter
		wantErr string
	}{
		{in: "atScope()", want: Filter{AtScope: true}},
		{in: "principalId eq 'ce2ce14e-85d7-4629-bdbc-454d0519d987'", want: Filter{PrincipalID: "ce2ce14e-85d7-4629-bdbc-454d0519d987"}},
		{in: "assignedTo('ce2ce14e-85d7-4629-bdbc-454d0519d987')", want: Filter{AssignedTo: "ce2ce14e-85d7-4629-bdbc-454d0519d987"}},
		{in: "atScope() and assignedTo('x')", want: Filter{AtScope: true, AssignedTo: "x"}},
		{in: "ATSCOPE() AND principalid EQ 'x'", want: Filter{AtScope: true, PrincipalID: "x"}},
		{in: "roleName eq 'Reader and Data Access'", want: Filter{RoleName: "Reader and Data Access"}},
		{in: "roleName eq 'O''Brien role'", want: Filter{RoleName: "O'Brien role"}},
		{in: "type eq 'CustomRole' and atScopeAndBelow()", want: Filter{RoleType: "CustomRole", AtScopeAndBelow: true}},
		{in: "", wantErr: "empty filter"},
		{in: "atScope", wantErr: "expected 'atScope()'"},
		{in: "atScope() or assignedTo('x')", wantErr: "expected 'and' at offset 10"},
		{in: "principalId eq x", wantErr: "expected \"principalId eq '{value}'\""},
		{in: "principalId ne 'x'", wantErr: "expected \"principalId eq '{value}'\""},
		{in: "assignedTo('x'", wantErr: "assignedTo('{objectId}')"},
		{in: "roleName eq 'open", wantErr: "unterminated string"},
		{in: "atScope() and atScope()", wantErr: "appears twice"},
		{in: "canDelegate eq 'true'", wantErr: "unsupported function or property 'canDelegate'"},
		{in: "atScope() and", wantErr: "expected a term after 'and'"},
		{in: "principalId eq 'x' ;", wantErr: "unexpected character ';'"},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFilter(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"atScope()", "principalId eq 'x'", "assignedTo('y') and atScope()", "roleName eq 'a''b'", "type eq 'BuiltInRole'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			return
		}
		// Whatever parses must print back to an equivalent filter.
		again, err := ParseFilter(formatFilter(got))
		if err != nil || again != got {
			t.Fatalf("ParseFilter(%q) = %+v; reparsing %q gives %+v, %v", s, got, formatFilter(got), again, err)
		}
	})
}

// formatFilter writes f back in $filter syntax.
func formatFilter(f Filter) string {
	var terms []string
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	if f.AtScope {
		terms = append(terms, "atScope()")
	}
	if f.AtScopeAndBelow {
		terms = append(terms, "atScopeAndBelow()")
	}
	if f.PrincipalID != "" {
		terms = append(terms, "principalId eq "+q(f.PrincipalID))
	}
	if f.AssignedTo != "" {
		terms = append(terms, "assignedTo("+q(f.AssignedTo)+")")
	}
	if f.RoleName != "" {
		terms = append(terms, "roleName eq "+q(f.RoleName))
	}
	if f.RoleType != "" {
		terms = append(terms, "type eq "+q(f.RoleType))
	}
	return strings.Join(terms, " and ")
}
