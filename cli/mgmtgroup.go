package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// managementGroupsAPIVersion is the Microsoft.Management version az uses.
const managementGroupsAPIVersion = "2021-04-01"

const mgPrefix = "/providers/Microsoft.Management/managementGroups/"

// mgID turns a management group name or ID into its ID.
func mgID(nameOrID string) string {
	if strings.HasPrefix(strings.ToLower(nameOrID), strings.ToLower(mgPrefix)) {
		return nameOrID
	}
	return mgPrefix + nameOrID
}

func newManagementGroupCommand() *cobra.Command {
	c := &cobra.Command{Use: "management-group", Short: "Manage management groups"}
	var name, displayName, parent string
	var expand, recurse bool
	mgBody := func() map[string]any {
		props := map[string]any{}
		if displayName != "" {
			props["displayName"] = displayName
		}
		if parent != "" {
			props["details"] = map[string]any{"parent": map[string]any{"id": mgID(parent)}}
		}
		return map[string]any{"properties": props}
	}
	nameFlag := func(c *cobra.Command) {
		c.Flags().StringVarP(&name, "name", "n", "", "name (id) of the management group")
	}
	// patchBody is PatchManagementGroupRequest: displayName and
	// parentGroupId at the top level, unlike the PUT body.
	patchBody := func() map[string]any {
		body := map[string]any{}
		setString(body, "displayName", displayName)
		if parent != "" {
			body["parentGroupId"] = mgID(parent)
		}
		return body
	}
	write := func(method string) func(c *cobra.Command, _ []string) error {
		return func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				body := mgBody()
				if method == http.MethodPatch {
					body = patchBody()
				}
				return s.do(ctx, method, mgID(name), managementGroupsAPIVersion, body)
			})
		}
	}
	create := &cobra.Command{Use: "create", Short: "Create a management group", Args: cobra.NoArgs,
		Example: "  palisade account management-group create -n mg-prod --display-name Production --parent mg-root",
		RunE:    write(http.MethodPut)}
	nameFlag(create)
	create.Flags().StringVarP(&displayName, "display-name", "d", "", "display name")
	create.Flags().StringVarP(&parent, "parent", "p", "", "parent management group name or ID")
	update := &cobra.Command{Use: "update", Short: "Rename or move a management group", Args: cobra.NoArgs,
		Example: "  palisade account management-group update -n mg-prod --display-name \"Production\"",
		RunE:    write(http.MethodPatch)}
	nameFlag(update)
	update.Flags().StringVarP(&displayName, "display-name", "d", "", "display name")
	update.Flags().StringVarP(&parent, "parent", "p", "", "parent management group name or ID")
	show := &cobra.Command{Use: "show", Short: "Show a management group", Args: cobra.NoArgs,
		Example: "  palisade account management-group show -n mg-prod -e -r",
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				q := url.Values{"api-version": {managementGroupsAPIVersion}}
				if expand {
					q.Set("$expand", "children")
				}
				if recurse {
					q.Set("$recurse", "true")
				}
				r, err := s.arm.Do(ctx, http.MethodGet, mgID(name), q, nil)
				if err != nil {
					return nil, err
				}
				return r.Value, nil
			})
		}}
	nameFlag(show)
	show.Flags().BoolVarP(&expand, "expand", "e", false, "include the children")
	show.Flags().BoolVarP(&recurse, "recurse", "r", false, "include the children's children (with --expand)")
	list := &cobra.Command{Use: "list", Short: "List management groups", Args: cobra.NoArgs,
		Example: "  palisade account management-group list -o table",
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				return s.arm.List(ctx, "/providers/Microsoft.Management/managementGroups", url.Values{"api-version": {managementGroupsAPIVersion}}, 0)
			})
		}}
	del := &cobra.Command{Use: "delete", Short: "Delete a management group", Args: cobra.NoArgs,
		Example: "  palisade account management-group delete -n mg-prod",
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				_, err := s.do(ctx, http.MethodDelete, mgID(name), managementGroupsAPIVersion, nil)
				return nil, err
			})
		}}
	nameFlag(del)
	c.AddCommand(create, show, list, update, del)
	return c
}
