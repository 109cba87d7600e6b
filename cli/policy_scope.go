package cli

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
)

// API versions the policy commands send (Microsoft.Authorization's policy
// family; exemptions have their own, older, version).
const (
	policyAPIVersion    = "2025-03-01"
	exemptionAPIVersion = "2022-07-01-preview"
)

const authzProvider = "/providers/Microsoft.Authorization/"

// scopeArgs choose where a policy object lives, as az does: --scope, or
// --resource-group, or --management-group, or the subscription.
type scopeArgs struct {
	scope, group, mg string
	// scopeFlag tells whether this command takes --scope (assignments,
	// exemptions) or not (definitions).
	scopeFlag bool
}

func (a *scopeArgs) register(c *cobra.Command, withScope, withGroup bool) {
	a.scopeFlag = withScope
	if withScope {
		c.Flags().StringVar(&a.scope, "scope", "", "scope: a management group, subscription, resource group or resource ID (default: the subscription)")
	}
	if withGroup {
		c.Flags().StringVarP(&a.group, "resource-group", "g", "", "resource group (the scope becomes that group)")
	}
	c.Flags().StringVar(&a.mg, "management-group", "", "management group name (the scope becomes that group)")
	addSubscriptionFlag(c)
}

// resolve returns the scope ID.
func (a *scopeArgs) resolve(s *session) (string, error) {
	n := 0
	for _, v := range []string{a.scope, a.group, a.mg} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return "", usageErrorf("give only one of --scope, --resource-group and --management-group")
	}
	switch {
	case a.scope != "":
		return strings.TrimRight(a.scope, "/"), nil
	case a.mg != "":
		return mgID(a.mg), nil
	}
	sub, err := s.subscription()
	if err != nil {
		return "", err
	}
	if a.group != "" {
		return "/subscriptions/" + sub + "/resourceGroups/" + a.group, nil
	}
	return "/subscriptions/" + sub, nil
}

// objectPath is a policy object's ID at a scope.
func objectPath(scope, kind, name string) string {
	return scope + authzProvider + kind + "/" + name
}

// isNotFound reports whether err is an ARM 404.
func isNotFound(err error) bool {
	var re *client.ResponseError
	return errors.As(err, &re) && re.Status == http.StatusNotFound
}

// resolveDefinition turns a definition name or ID into an ID: a name is
// looked up at the scope's subscription or management group first, then
// among the built-in definitions, as az does.
func resolveDefinition(ctx context.Context, s *session, kind, nameOrID, scope string) (string, error) {
	if strings.Contains(nameOrID, "/") {
		return nameOrID, nil
	}
	var candidates []string
	if sub := subscriptionOf(scope); sub != "" {
		candidates = append(candidates, objectPath("/subscriptions/"+sub, kind, nameOrID))
	} else if strings.HasPrefix(strings.ToLower(scope), strings.ToLower(mgPrefix)) {
		candidates = append(candidates, objectPath(scope, kind, nameOrID))
	}
	candidates = append(candidates, authzProvider+kind+"/"+nameOrID)
	for _, id := range candidates {
		v, err := s.do(ctx, http.MethodGet, id, policyAPIVersion, nil)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		if m, ok := v.(map[string]any); ok && str(m, "id") != "" {
			return str(m, "id"), nil
		}
		return id, nil
	}
	return "", &ExitError{Code: 1, Err: errors.New("The policy definition '" + nameOrID + "' could not be found.")}
}

// jsonFlag reads an optional JSON argument into dst[key].
func jsonFlag(dst map[string]any, key, flag, value string) error {
	if value == "" {
		return nil
	}
	v, err := readJSONArg(flag, value)
	if err != nil {
		return err
	}
	dst[key] = v
	return nil
}

// setString sets dst[key] when value is not empty.
func setString(dst map[string]any, key, value string) {
	if value != "" {
		dst[key] = value
	}
}

// propsOf returns a body's properties object, creating it.
func propsOf(body map[string]any) map[string]any {
	p, ok := body["properties"].(map[string]any)
	if !ok {
		p = map[string]any{}
		body["properties"] = p
	}
	return p
}

// metadataFlag reads az's --metadata: space-separated KEY=VALUE pairs (in
// one or several arguments), or one JSON object, into dst["metadata"].
func metadataFlag(dst map[string]any, values []string) error {
	if len(values) == 0 {
		return nil
	}
	if len(values) == 1 && strings.HasPrefix(strings.TrimSpace(values[0]), "{") {
		return jsonFlag(dst, "metadata", "metadata", values[0])
	}
	m, _ := dst["metadata"].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for _, v := range values {
		for _, pair := range strings.Fields(v) {
			k, val, ok := strings.Cut(pair, "=")
			if !ok || k == "" {
				return usageErrorf("argument --metadata: %q is not KEY=VALUE", pair)
			}
			m[k] = val
		}
	}
	dst["metadata"] = m
	return nil
}

// addMetadataFlag adds az's --metadata argument.
func addMetadataFlag(c *cobra.Command, target *[]string) {
	c.Flags().StringArrayVar(target, "metadata", nil, "metadata in space-separated KEY=VALUE pairs (or a JSON object)")
	multiValue(c, "metadata")
}

// runPolicyClient runs a client command whose result is a policy object
// (definition, set definition, assignment or exemption) or a list of them,
// printed with its properties lifted to the top level as az prints them
// (az policy … show: "displayName", "policyRule", "enforcementMode", … next
// to "id" and "name"), so that --query and table output read the same
// fields as in az.
func runPolicyClient(c *cobra.Command, fn clientFunc) error {
	return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
		v, err := fn(ctx, s)
		if err != nil {
			return nil, err
		}
		return flattenPolicy(v), nil
	})
}

// flattenPolicy lifts the properties of a policy object, or of each object
// in a list, to the top level; a property never replaces a top-level key.
func flattenPolicy(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = flattenPolicy(e)
		}
		return out
	case map[string]any:
		props, ok := x["properties"].(map[string]any)
		if !ok {
			return x
		}
		out := make(map[string]any, len(x)+len(props))
		for k, e := range x {
			if k != "properties" {
				out[k] = e
			}
		}
		for k, e := range props {
			if _, taken := out[k]; !taken {
				out[k] = e
			}
		}
		return out
	}
	return v
}
