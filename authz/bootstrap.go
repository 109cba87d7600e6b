package authz

import (
	"context"
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// EnsureAssignment gives role (a role definition GUID) to the principal at
// scope unless it already holds it there, in tx; created reports whether a
// role assignment was written. Server bootstrap uses it to make the first
// administrator Owner of the tenant root group, and it is safe to call on
// every start. The assignment's name is derived from scope, role and
// principal, so concurrent starts write the same object.
func EnsureAssignment(ctx context.Context, tx store.Tx, scope armid.ID, role, principalID, principalType string) (created bool, err error) {
	if builtinRoles[strings.ToLower(role)] == nil {
		if d, err := findCustomRole(ctx, tx, role); err != nil {
			return false, err
		} else if d == nil {
			return false, fmt.Errorf("ensure role assignment: role definition %s does not exist", role)
		}
	}
	if t, ok := principalTypes[strings.ToLower(principalType)]; ok {
		principalType = t
	} else {
		return false, fmt.Errorf("ensure role assignment: principal type %q is not User, Group, ServicePrincipal or ForeignGroup", principalType)
	}
	if dup, err := duplicateAssignment(ctx, tx, scope.Key(), principalID, role); err != nil || dup {
		return false, err
	}
	id, err := scope.Child(RoleAssignmentType, deterministicGUID(scope.Key(), strings.ToLower(role), strings.ToLower(principalID)))
	if err != nil {
		return false, fmt.Errorf("ensure role assignment at %s: %w", scope, err)
	}
	now := tx.Now()
	scopeText := assignmentScope(id.String())
	ra := RoleAssignment{
		ID:   id.String(),
		Name: id.Name(),
		Type: RoleAssignmentType,
		Properties: RoleAssignmentProperties{
			RoleDefinitionID: RoleDefinitionIDAt(scopeText, role),
			PrincipalID:      principalID,
			PrincipalType:    principalType,
			Scope:            scopeText,
			CreatedOn:        &now,
			UpdatedOn:        &now,
			// CreatedBy and UpdatedBy stay null: no caller wrote it.
		},
	}
	body, err := marshalNoEscape(ra)
	if err != nil {
		return false, err
	}
	doc, err := store.NewDocument(id, body)
	if err != nil {
		return false, err
	}
	if _, err := tx.Put(ctx, doc, store.Condition{}); err != nil {
		return false, fmt.Errorf("ensure role assignment %s: %w", id, err)
	}
	return true, nil
}

// deterministicGUID formats the SHA-1 of parts as a version-5-style GUID.
func deterministicGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
