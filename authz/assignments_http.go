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

// principalTypes are the principalType values ARM accepts, by lower case.
var principalTypes = map[string]string{
	"user":             "User",
	"group":            "Group",
	"serviceprincipal": "ServicePrincipal",
	"foreigngroup":     "ForeignGroup",
}

// ServeRoleAssignment serves {scope}/providers/Microsoft.Authorization/
// roleAssignments[/{name}]: PUT creates (201) or updates the description or
// condition (200), GET returns one (200), DELETE returns the deleted one
// (200) or 204 when there was none, and GET on the collection lists the
// assignments that apply at the scope, filtered by $filter (atScope(),
// principalId eq '{id}', assignedTo('{id}')).
func (h *Handlers) ServeRoleAssignment(w http.ResponseWriter, c Call) {
	h.serve(w, c, methods{list: h.listAssignments, get: h.getAssignment, put: h.putAssignment, del: h.deleteAssignment})
}

// assignmentNotFound is ARM's 404 for a missing role assignment.
func assignmentNotFound(name string) *Error {
	return errorf(http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '%s' is not found.", name)
}

// checkAssignmentID refuses ids that are not role assignment ids with a
// GUID name.
func checkAssignmentID(id armid.ID) *Error {
	if !strings.EqualFold(id.Type(), RoleAssignmentType) {
		return errorf(http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID '%s' is not valid.", id.String())
	}
	if !armid.IsGUID(id.Name()) {
		return errorf(http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", id.Name())
	}
	return nil
}

func (h *Handlers) getAssignment(w http.ResponseWriter, c Call) error {
	var doc *store.Document
	err := h.Store.View(c.HTTP.Context(), func(tx store.Tx) error {
		var err error
		doc, err = tx.Get(c.HTTP.Context(), c.ID.Key())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return assignmentNotFound(c.ID.Name())
	}
	if err != nil {
		return fmt.Errorf("get role assignment %s: %w", c.ID, err)
	}
	writeJSON(w, http.StatusOK, json.RawMessage(doc.Body))
	return nil
}

func (h *Handlers) deleteAssignment(w http.ResponseWriter, c Call) error {
	var doc *store.Document
	ctx := c.HTTP.Context()
	err := h.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		doc, err = tx.Delete(ctx, c.ID.Key(), store.Condition{})
		switch {
		case errors.Is(err, store.ErrNotFound):
			doc = nil
			return c.record(ctx, tx, nil, http.StatusNoContent)
		case err != nil:
			return err
		}
		return c.record(ctx, tx, doc, http.StatusOK)
	})
	if err != nil {
		return fmt.Errorf("delete role assignment %s: %w", c.ID, err)
	}
	if doc == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, json.RawMessage(doc.Body))
	return nil
}

// assignmentInput is the body of a PUT.
type assignmentInput struct {
	Properties *struct {
		RoleDefinitionID                   string  `json:"roleDefinitionId"`
		PrincipalID                        string  `json:"principalId"`
		PrincipalType                      string  `json:"principalType"`
		Description                        *string `json:"description"`
		Condition                          *string `json:"condition"`
		ConditionVersion                   *string `json:"conditionVersion"`
		DelegatedManagedIdentityResourceID *string `json:"delegatedManagedIdentityResourceId"`
	} `json:"properties"`
}

// roleDefinitionName validates a roleDefinitionId property and returns the
// role's name (GUID).
func roleDefinitionName(ref string) (string, *Error) {
	if !strings.HasPrefix(ref, "/") {
		return "", errorf(http.StatusBadRequest, "LinkedInvalidPropertyId",
			"Property id '%s' at path 'properties.roleDefinitionId' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.", ref)
	}
	id, err := armid.Parse(ref)
	if err != nil || !strings.EqualFold(id.Type(), RoleDefinitionType) {
		return "", errorf(http.StatusBadRequest, "LinkedInvalidPropertyId",
			"Property id '%s' at path 'properties.roleDefinitionId' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.", ref)
	}
	return id.Name(), nil
}

// roleDefinition returns the built-in role or stored custom role named name,
// or nil.
func roleDefinition(ctx context.Context, tx store.Tx, name string) (*RoleDefinition, error) {
	if b := builtinRoles[strings.ToLower(name)]; b != nil {
		return b, nil
	}
	d, err := findCustomRole(ctx, tx, name)
	if err != nil || d == nil {
		return nil, err
	}
	var rd RoleDefinition
	if err := json.Unmarshal(d.Body, &rd); err != nil {
		return nil, fmt.Errorf("decode role definition %s: %w", d.ID, err)
	}
	return &rd, nil
}

// assignableAt reports whether a custom role may be assigned at scope: the
// scope is one of its assignable scopes or below one
// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#assignablescopes).
func (h *Handlers) assignableAt(ctx context.Context, tx store.Tx, rd *RoleDefinition, scope string) (bool, error) {
	if rd.Properties.RoleType == BuiltInRole {
		return true, nil
	}
	hs, err := h.hierarchySnapshot(ctx, tx)
	if err != nil {
		return false, err
	}
	for _, s := range rd.Properties.AssignableScopes {
		if above, _ := related(hs, scopeKey(s), scopeKey(scope)); above {
			return true, nil
		}
	}
	return false, nil
}

// assignmentRequest is a validated PUT body.
type assignmentRequest struct {
	roleName, principalID, principalType         string
	condition, conditionVersion, delegated, desc *string
}

// parseAssignment validates a PUT body and resolves the principal type,
// answering ARM's 400s for what is wrong.
func (h *Handlers) parseAssignment(ctx context.Context, body []byte) (*assignmentRequest, error) {
	var in assignmentInput
	if err := decodeStrict(body, &in); err != nil {
		return nil, invalidContent(err)
	}
	if in.Properties == nil {
		return nil, invalidContent(errors.New("required property 'properties' not found"))
	}
	p := in.Properties
	if !armid.IsGUID(p.PrincipalID) {
		return nil, errorf(http.StatusBadRequest, "InvalidPrincipalId", "The Principal ID '%s' is not valid.", p.PrincipalID)
	}
	roleName, e := roleDefinitionName(p.RoleDefinitionID)
	if e != nil {
		return nil, e
	}
	req := &assignmentRequest{roleName: roleName, principalID: p.PrincipalID,
		condition: emptyToNil(p.Condition), conditionVersion: emptyToNil(p.ConditionVersion),
		delegated: emptyToNil(p.DelegatedManagedIdentityResourceID), desc: emptyToNil(p.Description)}
	if req.condition != nil && req.conditionVersion == nil {
		v := "2.0" // the only version ARM accepts
		req.conditionVersion = &v
	}
	if p.PrincipalType != "" {
		var ok bool
		if req.principalType, ok = principalTypes[strings.ToLower(p.PrincipalType)]; !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidPrincipalType",
				"The principal type '%s' is not valid. Valid values are 'User', 'Group', 'ServicePrincipal' and 'ForeignGroup'.", p.PrincipalType)
		}
		return req, nil
	}
	// Without principalType ARM looks the principal up in the directory.
	if h.PrincipalType != nil {
		t, err := h.PrincipalType(ctx, p.PrincipalID)
		if err != nil {
			return nil, fmt.Errorf("look up principal %s: %w", p.PrincipalID, err)
		}
		if t == "" {
			return nil, errorf(http.StatusBadRequest, "PrincipalNotFound",
				"Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
				strings.ReplaceAll(strings.ToLower(p.PrincipalID), "-", ""), h.TenantID)
		}
		req.principalType = t
		return req, nil
	}
	req.principalType = "User" // the REST specification's default
	return req, nil
}

func (h *Handlers) putAssignment(w http.ResponseWriter, c Call) error {
	if e := checkAssignmentID(c.ID); e != nil {
		return e
	}
	ctx := c.HTTP.Context()
	req, err := h.parseAssignment(ctx, c.Body)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	var stored *store.Document
	err = h.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if status, stored, err = h.writeAssignment(ctx, tx, c, req); err != nil {
			return err
		}
		return c.record(ctx, tx, stored, status)
	})
	if err != nil {
		return err
	}
	writeJSON(w, status, json.RawMessage(stored.Body))
	return nil
}

// writeAssignment checks req against what is stored (the scope, the role,
// an assignment of the same name or of the same principal and role) and
// writes it, returning 201 for a new assignment and 200 for an update.
func (h *Handlers) writeAssignment(ctx context.Context, tx store.Tx, c Call, req *assignmentRequest) (int, *store.Document, error) {
	scope := c.ID.Scope()
	if h.CheckScope != nil {
		if err := h.CheckScope(ctx, tx, scope); err != nil {
			return 0, nil, err
		}
	}
	rd, err := roleDefinition(ctx, tx, req.roleName)
	if err != nil {
		return 0, nil, err
	}
	if rd == nil {
		return 0, nil, errorf(http.StatusBadRequest, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist.", req.roleName)
	}
	if ok, err := h.assignableAt(ctx, tx, rd, scope.Key()); err != nil {
		return 0, nil, err
	} else if !ok {
		return 0, nil, errorf(http.StatusBadRequest, "RoleDefinitionNotAssignableAtScope",
			"The role %s is not available for assignment at the requested scope.", rd.Properties.RoleName)
	}
	var prev *RoleAssignment
	if d, err := tx.Get(ctx, c.ID.Key()); err == nil {
		prev = &RoleAssignment{}
		if err := json.Unmarshal(d.Body, prev); err != nil {
			return 0, nil, fmt.Errorf("decode stored role assignment %s: %w", d.ID, err)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, nil, err
	}
	status := http.StatusCreated
	if prev != nil {
		pp := prev.Properties
		if !strings.EqualFold(pp.PrincipalID, req.principalID) || !strings.EqualFold(lastSegment(pp.RoleDefinitionID), req.roleName) {
			return 0, nil, errorf(http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted",
				"Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		status = http.StatusOK
	} else if taken, err := nameTakenElsewhere(ctx, tx, c.ID); err != nil {
		return 0, nil, err
	} else if taken {
		// Names are unique in the tenant: a PUT of a name used at another
		// scope is an attempt to move that assignment.
		return 0, nil, errorf(http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted",
			"Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
	} else if dup, err := duplicateAssignment(ctx, tx, scope.Key(), req.principalID, req.roleName); err != nil {
		return 0, nil, err
	} else if dup {
		return 0, nil, errorf(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
	}
	now := tx.Now()
	caller := c.Caller.ObjectID
	scopeText := assignmentScope(c.ID.String())
	ra := RoleAssignment{
		ID:   c.ID.String(),
		Name: c.ID.Name(),
		Type: RoleAssignmentType,
		Properties: RoleAssignmentProperties{
			RoleDefinitionID:                   RoleDefinitionIDAt(scopeText, req.roleName),
			PrincipalID:                        req.principalID,
			PrincipalType:                      req.principalType,
			Scope:                              scopeText,
			Condition:                          req.condition,
			ConditionVersion:                   req.conditionVersion,
			CreatedOn:                          &now,
			UpdatedOn:                          &now,
			CreatedBy:                          &caller,
			UpdatedBy:                          &caller,
			DelegatedManagedIdentityResourceID: req.delegated,
			Description:                        req.desc,
		},
	}
	if prev != nil { // keep what the first write recorded
		ra.ID, ra.Name, ra.Properties.Scope = prev.ID, prev.Name, prev.Properties.Scope
		ra.Properties.RoleDefinitionID = prev.Properties.RoleDefinitionID
		ra.Properties.PrincipalType = prev.Properties.PrincipalType
		ra.Properties.CreatedOn, ra.Properties.CreatedBy = prev.Properties.CreatedOn, prev.Properties.CreatedBy
	}
	body, err := marshalNoEscape(ra)
	if err != nil {
		return 0, nil, err
	}
	doc, err := store.NewDocument(c.ID, body)
	if err != nil {
		return 0, nil, err
	}
	stored, err := tx.Put(ctx, doc, store.Condition{})
	return status, stored, err
}

// emptyToNil turns an absent or empty string into nil (JSON null).
func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// nameTakenElsewhere reports whether a role assignment with id's name
// (a GUID, unique in the tenant) exists at another scope.
func nameTakenElsewhere(ctx context.Context, tx store.Tx, id armid.ID) (bool, error) {
	docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleAssignmentDocType}})
	if err != nil {
		return false, err
	}
	key := id.Key()
	for _, d := range docs {
		if strings.EqualFold(d.Name, id.Name()) && d.Key != key {
			return true, nil
		}
	}
	return false, nil
}

// duplicateAssignment reports whether the principal already holds the role
// at exactly this scope under another name.
func duplicateAssignment(ctx context.Context, tx store.Tx, scopeKey, principalID, roleName string) (bool, error) {
	docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleAssignmentDocType}, ParentKey: scopeKey})
	if err != nil {
		return false, err
	}
	for _, d := range docs {
		var ra RoleAssignment
		if err := json.Unmarshal(d.Body, &ra); err != nil {
			continue
		}
		if strings.EqualFold(ra.Properties.PrincipalID, principalID) && strings.EqualFold(lastSegment(ra.Properties.RoleDefinitionID), roleName) {
			return true, nil
		}
	}
	return false, nil
}

// listAssignments answers the collection GET. Without a filter it returns
// the assignments at, above and below the scope; atScope() keeps those at
// or above; principalId eq and assignedTo keep one principal's (and, for
// assignedTo, its groups').
func (h *Handlers) listAssignments(w http.ResponseWriter, c Call) error {
	f, e := filterOf(c.HTTP)
	if e != nil {
		return e
	}
	if f.AtScopeAndBelow || f.RoleName != "" || f.RoleType != "" {
		return errorf(http.StatusBadRequest, "InvalidFilterInQueryString",
			"The $filter '%s' is invalid: role assignments can be filtered by atScope(), principalId eq '{id}' and assignedTo('{id}').", c.HTTP.URL.Query().Get("$filter"))
	}
	ctx := c.HTTP.Context()
	principals := map[string]bool{}
	switch {
	case f.PrincipalID != "" && f.AssignedTo != "":
		return errorf(http.StatusBadRequest, "InvalidFilterInQueryString", "The $filter may name the principal once, with principalId eq or assignedTo.")
	case f.PrincipalID != "":
		principals[strings.ToLower(f.PrincipalID)] = true
	case f.AssignedTo != "":
		principals[strings.ToLower(f.AssignedTo)] = true
		if h.GroupsOf != nil {
			groups, err := h.GroupsOf(ctx, f.AssignedTo)
			if err != nil {
				return fmt.Errorf("groups of %s: %w", f.AssignedTo, err)
			}
			for _, g := range groups {
				principals[strings.ToLower(g)] = true
			}
		}
	}
	target := scopeKey(c.ID.Key())
	var out []json.RawMessage
	err := h.Store.View(ctx, func(tx store.Tx) error {
		hs, err := h.hierarchySnapshot(ctx, tx)
		if err != nil {
			return err
		}
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleAssignmentDocType}})
		if err != nil {
			return err
		}
		for _, d := range docs {
			var ra RoleAssignment
			if err := json.Unmarshal(d.Body, &ra); err != nil {
				return fmt.Errorf("decode role assignment %s: %w", d.ID, err)
			}
			if len(principals) > 0 && !principals[strings.ToLower(ra.Properties.PrincipalID)] {
				continue
			}
			at := assignmentScope(d.Key)
			if at == "" {
				continue
			}
			above, below := related(hs, scopeKey(at), target)
			if above || (!f.AtScope && below) {
				out = append(out, d.Body)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list role assignments at %s: %w", c.ID, err)
	}
	writeList(w, out)
	return nil
}

// writeList writes {"value":[…]} in one page.
func writeList(w http.ResponseWriter, items []json.RawMessage) {
	if items == nil {
		items = []json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, struct {
		Value []json.RawMessage `json:"value"`
	}{items})
}
