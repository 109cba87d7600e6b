package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// roleAPIVersion is the Microsoft.Authorization RBAC version az uses.
const roleAPIVersion = "2022-04-01"

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func newRoleCommand() *cobra.Command {
	c := &cobra.Command{Use: "role", Short: "Manage role assignments and read role definitions (Azure RBAC)"}
	addConnFlags(c)
	a := &cobra.Command{Use: "assignment", Short: "Manage role assignments"}
	a.AddCommand(newRoleAssignmentCreateCommand(), newRoleAssignmentListCommand(), newRoleAssignmentDeleteCommand())
	d := &cobra.Command{Use: "definition", Short: "Read role definitions"}
	d.AddCommand(newRoleDefinitionListCommand())
	c.AddCommand(a, d)
	return c
}

// flattenRole lifts an RBAC object's properties to the top level, as az
// prints role assignments and definitions (roleType for a definition's
// properties.type, which would clash with the resource type).
func flattenRole(v any) map[string]any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, val := range m {
		if k != "properties" {
			out[k] = val
		}
	}
	props, _ := m["properties"].(map[string]any)
	for k, val := range props {
		if k == "type" {
			out["roleType"] = val
			continue
		}
		out[k] = val
	}
	return out
}

// roleDefinitions lists the role definitions visible at scope.
func roleDefinitions(ctx context.Context, s *session, scope string) ([]map[string]any, error) {
	items, err := s.arm.List(ctx, scope+authzProvider+"roleDefinitions", url.Values{"api-version": {roleAPIVersion}}, 0)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, flattenRole(it))
	}
	return out, nil
}

// resolveRole finds a role definition by name ("Owner"), GUID or ID.
func resolveRole(ctx context.Context, s *session, scope, role string) (map[string]any, error) {
	defs, err := roleDefinitions(ctx, s, scope)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		id := str(d, "id")
		if strings.EqualFold(str(d, "roleName"), role) || strings.EqualFold(str(d, "name"), role) ||
			strings.EqualFold(id, role) || strings.HasSuffix(strings.ToLower(id), "/"+strings.ToLower(role)) {
			return d, nil
		}
	}
	return nil, &ExitError{Code: 1, Err: fmt.Errorf("Role '%s' doesn't exist.", role)}
}

// roleScope is --scope, or the resource group, or the subscription.
func roleScope(s *session, scope, group string) (string, error) {
	sc := scopeArgs{scope: scope, group: group}
	return sc.resolve(s)
}

// newGUID returns a random RFC 4122 version 4 GUID, the name of a new role
// assignment.
func newGUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a role assignment name: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

func newRoleAssignmentCreateCommand() *cobra.Command {
	var assignee, assigneeOID, principalType, role, scope, group, description string
	c := &cobra.Command{
		Use:   "create",
		Short: "Give a user, group or service principal a role at a scope",
		Long: `Give a principal a role at a scope. --assignee names it as az does: a user's sign-in
name or UPN, a service principal's app id or display name, or an object id;
--assignee-object-id takes an object id as is (a group's, for example). 'palisade identity user
list' and 'palisade identity sp list' show them.`,
		Example: `  palisade role assignment create --assignee alice --role Contributor --scope /subscriptions/$SUB
  palisade role assignment create --assignee $APP_ID --role "Resource Policy Contributor" -g rg-demo
  palisade role assignment create --assignee-object-id $OID --assignee-principal-type Group --role Reader -g rg-demo`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				oid := firstNonEmpty(assigneeOID, assignee)
				if err := requireFlags("--assignee/--assignee-object-id", oid, "--role", role); err != nil {
					return nil, err
				}
				if assigneeOID != "" {
					if !guidPattern.MatchString(oid) {
						return nil, usageErrorf("argument --assignee-object-id: '%s' is not an object id (a GUID)", oid)
					}
				} else {
					var typ string
					var err error
					if oid, typ, err = resolveAssignee(ctx, s, assignee); err != nil {
						return nil, err
					}
					if principalType == "" {
						principalType = typ
					}
				}
				sc, err := roleScope(s, scope, group)
				if err != nil {
					return nil, err
				}
				def, err := resolveRole(ctx, s, sc, role)
				if err != nil {
					return nil, err
				}
				name, err := newGUID()
				if err != nil {
					return nil, err
				}
				props := map[string]any{"roleDefinitionId": str(def, "id"), "principalId": oid}
				setString(props, "principalType", principalType)
				setString(props, "description", description)
				v, err := s.do(ctx, http.MethodPut, sc+authzProvider+"roleAssignments/"+name, roleAPIVersion, map[string]any{"properties": props})
				if err != nil {
					return nil, err
				}
				out := flattenRole(v)
				out["roleDefinitionName"] = str(def, "roleName")
				return out, nil
			})
		},
	}
	f := c.Flags()
	f.StringVar(&assignee, "assignee", "", "object id of the user, group or service principal")
	f.StringVar(&assigneeOID, "assignee-object-id", "", "object id of the principal")
	f.StringVar(&principalType, "assignee-principal-type", "", "User, Group or ServicePrincipal")
	f.StringVar(&role, "role", "", "role name (e.g. Contributor), GUID or ID")
	f.StringVar(&scope, "scope", "", "scope of the assignment (default: the subscription)")
	f.StringVarP(&group, "resource-group", "g", "", "resource group (the scope becomes that group)")
	f.StringVar(&description, "description", "", "description of the assignment")
	addSubscriptionFlag(c)
	_ = c.RegisterFlagCompletionFunc("assignee-principal-type", cobra.FixedCompletions([]string{"User", "Group", "ServicePrincipal"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// listRoleAssignments lists assignments at scope with their role names,
// keeping those of assignee (named as --assignee names it) and role when
// given.
func listRoleAssignments(ctx context.Context, s *session, scope, assignee, role string) ([]any, error) {
	if assignee != "" {
		oid, _, err := resolveAssignee(ctx, s, assignee)
		if err != nil {
			return nil, err
		}
		assignee = oid
	}
	items, err := s.arm.List(ctx, scope+authzProvider+"roleAssignments", url.Values{"api-version": {roleAPIVersion}}, 0)
	if err != nil {
		return nil, err
	}
	defs, err := roleDefinitions(ctx, s, scope)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, d := range defs {
		names[strings.ToLower(str(d, "name"))] = str(d, "roleName")
	}
	out := []any{}
	for _, it := range items {
		m := flattenRole(it)
		defID := str(m, "roleDefinitionId")
		m["roleDefinitionName"] = names[strings.ToLower(defID[strings.LastIndex(defID, "/")+1:])]
		if assignee != "" && !strings.EqualFold(str(m, "principalId"), assignee) {
			continue
		}
		if role != "" && !strings.EqualFold(str(m, "roleDefinitionName"), role) && !strings.EqualFold(defID, role) &&
			!strings.HasSuffix(strings.ToLower(defID), "/"+strings.ToLower(role)) {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

func newRoleAssignmentListCommand() *cobra.Command {
	var assignee, role, scope, group string
	c := &cobra.Command{
		Use:     "list",
		Short:   "List role assignments at a scope",
		Example: "  palisade role assignment list -o table\n  palisade role assignment list --assignee $OID --role Owner",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sc, err := roleScope(s, scope, group)
				if err != nil {
					return nil, err
				}
				return listRoleAssignments(ctx, s, sc, assignee, role)
			})
		},
	}
	f := c.Flags()
	f.StringVar(&assignee, "assignee", "", "only assignments of this principal (sign-in name, app id or object id)")
	f.StringVar(&role, "role", "", "only assignments of this role")
	f.StringVar(&scope, "scope", "", "scope (default: the subscription)")
	f.StringVarP(&group, "resource-group", "g", "", "resource group (the scope becomes that group)")
	addSubscriptionFlag(c)
	return c
}

func newRoleAssignmentDeleteCommand() *cobra.Command {
	var ids []string
	var assignee, role, scope, group string
	c := &cobra.Command{
		Use:     "delete",
		Short:   "Delete role assignments by id, or by assignee and role at a scope",
		Example: "  palisade role assignment delete --assignee $OID --role Contributor -g rg-demo\n  palisade role assignment delete --ids $ASSIGNMENT_ID",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				var targets []string
				for _, v := range ids {
					targets = append(targets, strings.Fields(v)...)
				}
				if len(targets) == 0 {
					if assignee == "" && role == "" {
						return nil, usageErrorf("give --ids, or --assignee and/or --role")
					}
					sc, err := roleScope(s, scope, group)
					if err != nil {
						return nil, err
					}
					found, err := listRoleAssignments(ctx, s, sc, assignee, role)
					if err != nil {
						return nil, err
					}
					for _, f := range found {
						m := f.(map[string]any)
						if strings.EqualFold(str(m, "scope"), sc) {
							targets = append(targets, str(m, "id"))
						}
					}
					if len(targets) == 0 {
						warn(s.cmd, "No matched assignments were found to delete")
					}
				}
				for _, id := range targets {
					if _, err := s.do(ctx, http.MethodDelete, id, roleAPIVersion, nil); err != nil {
						return nil, err
					}
				}
				return nil, nil
			})
		},
	}
	f := c.Flags()
	f.StringArrayVar(&ids, "ids", nil, "space-separated role assignment IDs")
	multiValue(c, "ids")
	f.StringVar(&assignee, "assignee", "", "object id of the principal")
	f.StringVar(&role, "role", "", "role name, GUID or ID")
	f.StringVar(&scope, "scope", "", "scope (default: the subscription)")
	f.StringVarP(&group, "resource-group", "g", "", "resource group (the scope becomes that group)")
	addSubscriptionFlag(c)
	return c
}

func newRoleDefinitionListCommand() *cobra.Command {
	var name, scope string
	var custom bool
	c := &cobra.Command{
		Use:     "list",
		Short:   "List role definitions",
		Example: "  palisade role definition list --query \"[].roleName\" -o tsv\n  palisade role definition list --name Contributor",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sc, err := roleScope(s, scope, "")
				if err != nil {
					return nil, err
				}
				defs, err := roleDefinitions(ctx, s, sc)
				if err != nil {
					return nil, err
				}
				out := []any{}
				for _, d := range defs {
					if name != "" && !strings.EqualFold(str(d, "roleName"), name) && !strings.EqualFold(str(d, "name"), name) {
						continue
					}
					if custom && !strings.EqualFold(str(d, "roleType"), "CustomRole") {
						continue
					}
					out = append(out, d)
				}
				return out, nil
			})
		},
	}
	f := c.Flags()
	f.StringVarP(&name, "name", "n", "", "only the role with this name or GUID")
	f.BoolVar(&custom, "custom-role-only", false, "only custom roles")
	f.StringVar(&scope, "scope", "", "scope (default: the subscription)")
	addSubscriptionFlag(c)
	return c
}
