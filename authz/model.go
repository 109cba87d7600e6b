package authz

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Resource types of the two families this package serves.
const (
	RoleDefinitionType = "Microsoft.Authorization/roleDefinitions"
	RoleAssignmentType = "Microsoft.Authorization/roleAssignments"
)

// Role types (properties.type of a role definition).
const (
	BuiltInRole = "BuiltInRole"
	CustomRole  = "CustomRole"
)

// Ids of the built-in roles Palisade ships, as in Azure (the same in every
// cloud and tenant).
const (
	OwnerRoleID                     = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	ContributorRoleID               = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	ReaderRoleID                    = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	UserAccessAdministratorRoleID   = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	RBACAdministratorRoleID         = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
	ResourcePolicyContributorRoleID = "36243c78-bf99-498c-9df9-86d9f8d28608"
)

// Permission is one permission block of a role definition: what it allows
// minus what it excludes, for control-plane actions and for data actions.
type Permission struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

// RoleDefinitionProperties are the properties of a role definition as ARM
// serves them (api-version 2022-04-01).
type RoleDefinitionProperties struct {
	RoleName         string       `json:"roleName"`
	Description      string       `json:"description"`
	RoleType         string       `json:"type"`
	Permissions      []Permission `json:"permissions"`
	AssignableScopes []string     `json:"assignableScopes"`
	CreatedOn        *time.Time   `json:"createdOn,omitempty"`
	UpdatedOn        *time.Time   `json:"updatedOn,omitempty"`
	CreatedBy        *string      `json:"createdBy"`
	UpdatedBy        *string      `json:"updatedBy"`
}

// RoleDefinition is a role: a named set of permissions that role
// assignments give to principals.
type RoleDefinition struct {
	ID         string                   `json:"id"`
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Properties RoleDefinitionProperties `json:"properties"`
}

// RoleAssignmentProperties are the properties of a role assignment as ARM
// serves them (api-version 2022-04-01). Nullable strings are pointers so
// that absent values are written as null, as ARM does.
type RoleAssignmentProperties struct {
	RoleDefinitionID                   string     `json:"roleDefinitionId"`
	PrincipalID                        string     `json:"principalId"`
	PrincipalType                      string     `json:"principalType"`
	Scope                              string     `json:"scope"`
	Condition                          *string    `json:"condition"`
	ConditionVersion                   *string    `json:"conditionVersion"`
	CreatedOn                          *time.Time `json:"createdOn,omitempty"`
	UpdatedOn                          *time.Time `json:"updatedOn,omitempty"`
	CreatedBy                          *string    `json:"createdBy"`
	UpdatedBy                          *string    `json:"updatedBy"`
	DelegatedManagedIdentityResourceID *string    `json:"delegatedManagedIdentityResourceId"`
	Description                        *string    `json:"description"`
}

// RoleAssignment gives the role RoleDefinitionID to the principal
// PrincipalID at Scope and every scope below it.
type RoleAssignment struct {
	ID         string                   `json:"id"`
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Properties RoleAssignmentProperties `json:"properties"`
}

// normalize replaces nil slices with empty ones, so that the JSON has
// [] where ARM writes [].
func (d *RoleDefinition) normalize() {
	p := &d.Properties
	if p.Permissions == nil {
		p.Permissions = []Permission{}
	}
	if p.AssignableScopes == nil {
		p.AssignableScopes = []string{}
	}
	// Copy before filling in: d shares its slices with the caller's value.
	p.Permissions = append([]Permission{}, p.Permissions...)
	for i := range p.Permissions {
		q := &p.Permissions[i]
		for _, s := range []*[]string{&q.Actions, &q.NotActions, &q.DataActions, &q.NotDataActions} {
			if *s == nil {
				*s = []string{}
			}
		}
	}
}

// MarshalJSON writes the role definition with [] for empty lists.
func (d RoleDefinition) MarshalJSON() ([]byte, error) {
	d.normalize()
	type plain RoleDefinition
	return marshalNoEscape(plain(d))
}

// marshalNoEscape encodes v without Go's HTML escaping, so that conditions
// and descriptions holding "<" or "&" read as the client sent them.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

//go:embed builtin_roles.json
var builtinJSON []byte

// builtinRoles are the built-in role definitions, decoded once, by
// lower-cased name (GUID).
var builtinRoles = mustBuiltins()

func mustBuiltins() map[string]*RoleDefinition {
	var list []struct {
		Name        string       `json:"name"`
		RoleName    string       `json:"roleName"`
		Description string       `json:"description"`
		Permissions []Permission `json:"permissions"`
	}
	if err := json.Unmarshal(builtinJSON, &list); err != nil {
		panic(fmt.Sprintf("authz: builtin_roles.json: %v", err))
	}
	out := map[string]*RoleDefinition{}
	for _, r := range list {
		out[strings.ToLower(r.Name)] = &RoleDefinition{
			ID:   tenantRoleDefinitionID(r.Name),
			Name: r.Name,
			Type: RoleDefinitionType,
			Properties: RoleDefinitionProperties{
				RoleName:         r.RoleName,
				Description:      r.Description,
				RoleType:         BuiltInRole,
				Permissions:      r.Permissions,
				AssignableScopes: []string{"/"},
			},
		}
	}
	return out
}

// BuiltInRoles returns copies of the built-in role definitions, with ids at
// the tenant root ("/providers/Microsoft.Authorization/roleDefinitions/{id}").
func BuiltInRoles() []*RoleDefinition {
	out := make([]*RoleDefinition, 0, len(builtinRoles))
	for _, d := range builtinRoles {
		c := *d
		out = append(out, &c)
	}
	sortDefinitions(out)
	return out
}

// BuiltInRoleByID returns a copy of the built-in role definition with this id
// (a GUID or any role definition id ending in it), or nil.
func BuiltInRoleByID(id string) *RoleDefinition {
	d := builtinRoles[strings.ToLower(lastSegment(id))]
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// tenantRoleDefinitionID is the id of a role definition seen from the tenant
// root or a management group.
func tenantRoleDefinitionID(name string) string {
	return "/providers/" + RoleDefinitionType + "/" + name
}

// RoleDefinitionIDAt returns the id ARM shows for role definition name
// (a GUID) when it is read at, or assigned at, scope: subscription-qualified
// inside a subscription ("/subscriptions/{s}/providers/Microsoft.Authorization/
// roleDefinitions/{name}"), tenant-level above.
func RoleDefinitionIDAt(scope, name string) string {
	if sub := subscriptionOf(scope); sub != "" {
		return "/subscriptions/" + sub + "/providers/" + RoleDefinitionType + "/" + name
	}
	return tenantRoleDefinitionID(name)
}

// subscriptionOf returns the subscription id segment of a scope, or "".
func subscriptionOf(scope string) string {
	const p = "/subscriptions/"
	if len(scope) < len(p) || !strings.EqualFold(scope[:len(p)], p) {
		return ""
	}
	rest := scope[len(p):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// lastSegment returns what follows the last "/" of s (s itself without one).
func lastSegment(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}
