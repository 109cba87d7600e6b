package cli

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// policyEventsAPIVersion is the Microsoft.PolicyInsights version az policy event list sends.
const policyEventsAPIVersion = "2019-10-01"

// newPolicyEventCommand is az's "policy event" group: the policy evaluations of requests (audits,
// denials, modifications) at a scope, newest first.
func newPolicyEventCommand() *cobra.Command {
	c := &cobra.Command{Use: "event", Short: "List policy events: the audits, denials and changes policies made to requests"}
	addConnFlags(c)
	var group, resource, assignment, mg, from, to, filter, orderBy, sel, apply string
	var top int
	list := &cobra.Command{
		Use:   "list",
		Short: "List policy events at a scope (the subscription by default)",
		Example: "  palisade policy event list --filter \"policyDefinitionAction eq 'deny'\" --top 20\n" +
			"  palisade policy event list -g rg-web --from 2026-12-01T00:00:00Z --select timestamp,resourceId,principalOid -o table",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				scope, err := policyEventScope(s, mg, group, resource, assignment)
				if err != nil {
					return nil, err
				}
				q := url.Values{"api-version": {policyEventsAPIVersion}}
				for k, v := range map[string]string{"$from": from, "$to": to, "$filter": filter, "$orderby": orderBy, "$select": sel, "$apply": apply} {
					if v != "" {
						q.Set(k, v)
					}
				}
				if top > 0 {
					q.Set("$top", strconv.Itoa(top))
				}
				var items []any
				next, nq := scope+"/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults", q
				for next != "" {
					resp, err := s.arm.Do(ctx, http.MethodPost, next, nq, nil)
					if err != nil {
						return nil, err
					}
					page, _ := resp.Value.(map[string]any)
					vals, _ := page["value"].([]any)
					items = append(items, vals...)
					next, _ = page["@odata.nextLink"].(string)
					nq = nil
				}
				if items == nil {
					items = []any{}
				}
				return items, nil
			})
		},
	}
	list.Flags().StringVarP(&group, "resource-group", "g", "", "name of a resource group")
	list.Flags().StringVar(&resource, "resource", "", "ID of a resource")
	list.Flags().StringVar(&assignment, "policy-assignment", "", "name of a policy assignment at the subscription or --resource-group")
	list.Flags().StringVarP(&mg, "management-group", "m", "", "name of a management group")
	list.Flags().StringVar(&from, "from", "", "ISO 8601 start of the window (default: a day before --to)")
	list.Flags().StringVar(&to, "to", "", "ISO 8601 end of the window (default: now)")
	list.Flags().StringVar(&filter, "filter", "", "OData filter, e.g. \"isCompliant eq false\"")
	list.Flags().StringVar(&orderBy, "order-by", "", "OData order, e.g. \"timestamp desc\"")
	list.Flags().StringVar(&sel, "select", "", "comma-separated columns")
	list.Flags().StringVar(&apply, "apply", "", "OData apply, e.g. \"groupby((resourceId))\"")
	list.Flags().IntVar(&top, "top", 0, "at most this many records")
	addSubscriptionFlag(list)
	c.AddCommand(list)
	return c
}

// policyEventScope is the scope a policy event query runs at, from the scope arguments (at most
// one of management group, resource, resource group; an assignment at the subscription or the
// group).
func policyEventScope(s *session, mg, group, resource, assignment string) (string, error) {
	given := 0
	for _, v := range []string{mg, group, resource} {
		if v != "" {
			given++
		}
	}
	if given > 1 {
		return "", usageErrorf("usage error: give at most one of --management-group, --resource-group and --resource")
	}
	if mg != "" {
		return "/providers/Microsoft.Management/managementGroups/" + url.PathEscape(mg), nil
	}
	if resource != "" {
		if !strings.HasPrefix(strings.ToLower(resource), "/subscriptions/") {
			return "", usageErrorf("argument --resource: %q is not a resource id", resource)
		}
		return strings.TrimRight(resource, "/"), nil
	}
	sub, err := s.subscription()
	if err != nil {
		return "", err
	}
	scope := "/subscriptions/" + sub
	if group != "" {
		scope += "/resourceGroups/" + url.PathEscape(group)
	}
	if assignment != "" {
		scope += "/providers/Microsoft.Authorization/policyAssignments/" + url.PathEscape(assignment)
	}
	return scope, nil
}
