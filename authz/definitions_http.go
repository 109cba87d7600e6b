package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// ServeRoleDefinition serves {scope}/providers/Microsoft.Authorization/
// roleDefinitions[/{name}]: GET returns a built-in or custom role (200), PUT
// creates or replaces a custom role (201), DELETE removes a custom role
// (200 with the deleted role, 204 when there was none), and GET on the
// collection lists the roles usable at the scope, filtered by $filter
// (roleName eq '{name}', type eq 'BuiltInRole|CustomRole',
// atScopeAndBelow()).
func (h *Handlers) ServeRoleDefinition(w http.ResponseWriter, c Call) {
	h.serve(w, c, methods{list: h.listDefinitions, get: h.getDefinition, put: h.putDefinition, del: h.deleteDefinition})
}

// definitionNotFound is ARM's answer for a role definition that does not
// exist.
func definitionNotFound(status int, name string) *Error {
	return errorf(status, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist.", name)
}

// findCustomRole returns the stored custom role named name (a GUID; names
// are unique in the tenant), or nil.
func findCustomRole(ctx context.Context, tx store.Tx, name string) (*store.Document, error) {
	docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleDefinitionDocType}})
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if strings.EqualFold(d.Name, name) {
			return d, nil
		}
	}
	return nil, nil
}

// definitionAt returns d as seen from scope: its id qualified by the
// scope's subscription, as ARM shows it.
func definitionAt(d *RoleDefinition, scope string) *RoleDefinition {
	c := *d
	c.ID = RoleDefinitionIDAt(scope, d.Name)
	return &c
}

// visibleAt reports whether a custom role is usable at scope: one of its
// assignable scopes is the scope or above it, or, with andBelow, below it.
func visibleAt(hs *Snapshot, d *RoleDefinition, target string, andBelow bool) bool {
	for _, s := range d.Properties.AssignableScopes {
		above, below := related(hs, scopeKey(s), target)
		if above || andBelow && below {
			return true
		}
	}
	return false
}

func (h *Handlers) getDefinition(w http.ResponseWriter, c Call) error {
	name := c.ID.Name()
	scope := assignmentScopeOf(c.ID)
	if b := builtinRoles[strings.ToLower(name)]; b != nil {
		writeJSON(w, http.StatusOK, definitionAt(b, scope))
		return nil
	}
	ctx := c.HTTP.Context()
	var out *RoleDefinition
	err := h.Store.View(ctx, func(tx store.Tx) error {
		d, err := findCustomRole(ctx, tx, name)
		if err != nil || d == nil {
			return err
		}
		var rd RoleDefinition
		if err := json.Unmarshal(d.Body, &rd); err != nil {
			return fmt.Errorf("decode role definition %s: %w", d.ID, err)
		}
		hs, err := h.hierarchySnapshot(ctx, tx)
		if err != nil {
			return err
		}
		if visibleAt(hs, &rd, scopeKey(scope), true) {
			out = definitionAt(&rd, scope)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("get role definition %s: %w", c.ID, err)
	}
	if out == nil {
		return definitionNotFound(http.StatusNotFound, name)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// assignmentScopeOf returns the scope an extension id is deployed on, in
// the request's casing ("/" for the tenant root).
func assignmentScopeOf(id armid.ID) string {
	s := id.String()
	low := strings.ToLower(s)
	i := strings.LastIndex(low, "/providers/microsoft.authorization/")
	if i <= 0 {
		return "/"
	}
	return s[:i]
}

// definitionInput is the body of a PUT.
type definitionInput struct {
	Properties *struct {
		RoleName         string       `json:"roleName"`
		Description      string       `json:"description"`
		Permissions      []Permission `json:"permissions"`
		AssignableScopes []string     `json:"assignableScopes"`
	} `json:"properties"`
}

func (h *Handlers) putDefinition(w http.ResponseWriter, c Call) error {
	name := c.ID.Name()
	if !armid.IsGUID(name) {
		return errorf(http.StatusBadRequest, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid. The role definition ID must be a GUID.", name)
	}
	if builtinRoles[strings.ToLower(name)] != nil {
		return errorf(http.StatusBadRequest, "RoleDefinitionUpdateNotAllowed", "The built-in role definition '%s' cannot be changed.", name)
	}
	var in definitionInput
	if err := decodeStrict(c.Body, &in); err != nil {
		return invalidContent(err)
	}
	if in.Properties == nil {
		return invalidContent(errors.New("required property 'properties' not found"))
	}
	p := in.Properties
	if strings.TrimSpace(p.RoleName) == "" {
		return errorf(http.StatusBadRequest, "InvalidRoleDefinition", "The role definition must have a non-empty 'properties.roleName'.")
	}
	if len(p.Permissions) == 0 {
		return errorf(http.StatusBadRequest, "InvalidRoleDefinition", "The role definition must have at least one entry in 'properties.permissions'.")
	}
	if len(p.AssignableScopes) == 0 {
		return errorf(http.StatusBadRequest, "InvalidRoleDefinition", "The role definition must have at least one entry in 'properties.assignableScopes'.")
	}
	// Custom roles are assignable at subscriptions, resource groups,
	// resources and at most one management group, never at the tenant root
	// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#assignablescopes).
	groups := 0
	for i, s := range p.AssignableScopes {
		id, err := armid.Parse(strings.TrimRight(s, "/"))
		if err != nil || id.Kind() == armid.Tenant || !id.Kind().IsScope() && id.Kind() != armid.Resource {
			return errorf(http.StatusBadRequest, "InvalidRoleDefinition", "The assignable scope '%s' at 'properties.assignableScopes[%d]' is not valid: use subscriptions, management groups, resource groups or resources.", s, i)
		}
		if id.Kind() == armid.ManagementGroup {
			if groups++; groups > 1 {
				return errorf(http.StatusBadRequest, "InvalidRoleDefinition", "The role definition may name only one management group in 'properties.assignableScopes'.")
			}
		}
	}
	rd := RoleDefinition{
		ID:   c.ID.String(),
		Name: name,
		Type: RoleDefinitionType,
		Properties: RoleDefinitionProperties{
			RoleName:         p.RoleName,
			Description:      p.Description,
			RoleType:         CustomRole,
			Permissions:      p.Permissions,
			AssignableScopes: p.AssignableScopes,
		},
	}
	if _, err := compileRole(&rd); err != nil {
		return errorf(http.StatusBadRequest, "InvalidActionOrNotAction", "The role definition has an invalid action pattern: properties.%s.", err.Error())
	}
	ctx := c.HTTP.Context()
	var stored *store.Document
	err := h.Store.Update(ctx, func(tx store.Tx) error {
		if h.CheckScope != nil {
			if err := h.CheckScope(ctx, tx, c.ID.Scope()); err != nil {
				return err
			}
		}
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleDefinitionDocType}})
		if err != nil {
			return err
		}
		key := c.ID.Key()
		now := tx.Now()
		caller := c.Caller.ObjectID
		rd.Properties.CreatedOn, rd.Properties.CreatedBy = &now, &caller
		for _, d := range docs {
			var other RoleDefinition
			if err := json.Unmarshal(d.Body, &other); err != nil {
				return fmt.Errorf("decode role definition %s: %w", d.ID, err)
			}
			if strings.EqualFold(d.Name, name) {
				key = d.Key // the same role, stored at its first scope
				rd.ID = other.ID
				rd.Properties.CreatedOn, rd.Properties.CreatedBy = other.Properties.CreatedOn, other.Properties.CreatedBy
				continue
			}
			if strings.EqualFold(other.Properties.RoleName, p.RoleName) {
				return errorf(http.StatusConflict, "RoleDefinitionWithSameNameExists", "A custom role with the same name already exists in this directory. Use a different name.")
			}
		}
		for _, b := range builtinRoles {
			if strings.EqualFold(b.Properties.RoleName, p.RoleName) {
				return errorf(http.StatusConflict, "RoleDefinitionWithSameNameExists", "A role with the same name already exists in this directory. Use a different name.")
			}
		}
		rd.Properties.UpdatedOn, rd.Properties.UpdatedBy = &now, &caller
		body, err := marshalNoEscape(rd)
		if err != nil {
			return err
		}
		id, err := armid.Parse(rd.ID)
		if err != nil {
			return fmt.Errorf("stored role definition id %s: %w", rd.ID, err)
		}
		doc, err := store.NewDocument(id, body)
		if err != nil {
			return err
		}
		doc.Key = key
		if stored, err = tx.Put(ctx, doc, store.Condition{}); err != nil {
			return err
		}
		return c.record(ctx, tx, stored, http.StatusCreated)
	})
	if err != nil {
		return err
	}
	var out RoleDefinition
	if err := json.Unmarshal(stored.Body, &out); err != nil {
		return fmt.Errorf("decode stored role definition: %w", err)
	}
	writeJSON(w, http.StatusCreated, definitionAt(&out, assignmentScopeOf(c.ID)))
	return nil
}

func (h *Handlers) deleteDefinition(w http.ResponseWriter, c Call) error {
	name := c.ID.Name()
	if builtinRoles[strings.ToLower(name)] != nil {
		return errorf(http.StatusBadRequest, "RoleDefinitionUpdateNotAllowed", "The built-in role definition '%s' cannot be deleted.", name)
	}
	ctx := c.HTTP.Context()
	var deleted *store.Document
	err := h.Store.Update(ctx, func(tx store.Tx) error {
		d, err := findCustomRole(ctx, tx, name)
		if err != nil || d == nil {
			return err
		}
		assigns, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleAssignmentDocType}})
		if err != nil {
			return err
		}
		for _, a := range assigns {
			var ra RoleAssignment
			if json.Unmarshal(a.Body, &ra) == nil && strings.EqualFold(lastSegment(ra.Properties.RoleDefinitionID), name) {
				return errorf(http.StatusConflict, "RoleDefinitionHasAssignments", "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).")
			}
		}
		if deleted, err = tx.Delete(ctx, d.Key, store.Condition{}); err != nil {
			return err
		}
		return c.record(ctx, tx, deleted, http.StatusOK)
	})
	if err != nil {
		return err
	}
	if deleted == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	var out RoleDefinition
	if err := json.Unmarshal(deleted.Body, &out); err != nil {
		return fmt.Errorf("decode deleted role definition: %w", err)
	}
	writeJSON(w, http.StatusOK, definitionAt(&out, assignmentScopeOf(c.ID)))
	return nil
}

// listDefinitions answers the collection GET: the built-in roles and the
// custom roles assignable at the scope or above it; with atScopeAndBelow()
// also those assignable only below it. At the tenant root the list holds
// every custom role of the directory (RoleDefinitions_List in
// authorization-RoleDefinitionsCalls.json, 2022-04-01; "List custom roles"
// in https://learn.microsoft.com/azure/role-based-access-control/custom-roles-rest).
func (h *Handlers) listDefinitions(w http.ResponseWriter, c Call) error {
	f, e := filterOf(c.HTTP)
	if e != nil {
		return e
	}
	if f.AtScope || f.PrincipalID != "" || f.AssignedTo != "" {
		return errorf(http.StatusBadRequest, "InvalidFilterInQueryString",
			"The $filter '%s' is invalid: role definitions can be filtered by roleName eq '{name}', type eq '{type}' and atScopeAndBelow().", c.HTTP.URL.Query().Get("$filter"))
	}
	scope := c.ID.String()
	target := scopeKey(scope)
	andBelow := f.AtScopeAndBelow || target == "/"
	ctx := c.HTTP.Context()
	var list []*RoleDefinition
	if f.RoleType == "" || strings.EqualFold(f.RoleType, BuiltInRole) {
		list = append(list, BuiltInRoles()...)
	}
	if f.RoleType == "" || strings.EqualFold(f.RoleType, CustomRole) {
		err := h.Store.View(ctx, func(tx store.Tx) error {
			hs, err := h.hierarchySnapshot(ctx, tx)
			if err != nil {
				return err
			}
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleDefinitionDocType}})
			if err != nil {
				return err
			}
			for _, d := range docs {
				var rd RoleDefinition
				if err := json.Unmarshal(d.Body, &rd); err != nil {
					return fmt.Errorf("decode role definition %s: %w", d.ID, err)
				}
				if visibleAt(hs, &rd, target, andBelow) {
					list = append(list, &rd)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list role definitions at %s: %w", c.ID, err)
		}
	}
	sortDefinitions(list)
	items := []json.RawMessage{}
	for _, d := range list {
		if f.RoleName != "" && !strings.EqualFold(d.Properties.RoleName, f.RoleName) {
			continue
		}
		b, err := marshalNoEscape(definitionAt(d, scope))
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	writeList(w, items)
	return nil
}
