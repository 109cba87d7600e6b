package cli

import (
	"context"
	"fmt"
	"strings"
)

// resolveAssignee turns a role assignment's --assignee into an object id and
// principal type, as az does: a user's sign-in name or UPN, a service
// principal's app id or display name, or an object id. An object id that
// names no known user or service principal (a group's, or one the caller
// may not list) is used as given, with an empty type.
func resolveAssignee(ctx context.Context, s *session, assignee string) (oid, principalType string, err error) {
	d := remoteDirectory{s: s}
	type match struct{ oid, typ string }
	var found []match
	users, uerr := d.listUsers(ctx)
	sps, serr := d.listSPs(ctx)
	isGUID := guidPattern.MatchString(assignee)
	if (uerr != nil || serr != nil) && !isGUID {
		if uerr == nil {
			uerr = serr
		}
		return "", "", fmt.Errorf("find the principal '%s' given to --assignee: %w", assignee, uerr)
	}
	name := strings.ToLower(assignee)
	for _, u := range users {
		m, _ := u.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		login := strings.ToLower(str(m, "name"))
		id := str(props, "objectId")
		if strings.EqualFold(id, assignee) || login == name || (strings.Contains(name, "@") && strings.SplitN(name, "@", 2)[0] == login) {
			found = append(found, match{id, "User"})
		}
	}
	for _, p := range sps {
		m, _ := p.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		id := str(props, "objectId")
		if strings.EqualFold(id, assignee) || strings.EqualFold(str(props, "appId"), assignee) || strings.EqualFold(str(props, "displayName"), assignee) {
			found = append(found, match{id, "ServicePrincipal"})
		}
	}
	switch {
	case len(found) == 1:
		return found[0].oid, found[0].typ, nil
	case len(found) > 1:
		return "", "", usageErrorf("argument --assignee: '%s' names more than one principal; give an object id with --assignee-object-id", assignee)
	case isGUID:
		return assignee, "", nil
	}
	return "", "", usageErrorf("argument --assignee: no user or service principal '%s'; see 'palisade identity user list' and 'palisade identity sp list'", assignee)
}
