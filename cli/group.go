package cli

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
)

// resourcesAPIVersion is the Microsoft.Resources version the CLI sends for
// resource groups, resources and tags.
const resourcesAPIVersion = "2024-11-01"

func newGroupCommand() *cobra.Command {
	c := &cobra.Command{Use: "group", Short: "Manage resource groups"}
	addConnFlags(c)
	var name, location, managedBy string
	var tags []string
	var yes bool
	groupPath := func(s *session) (string, error) {
		sub, err := s.subscription()
		if err != nil {
			return "", err
		}
		if err := requireFlags("--name/-n", name); err != nil {
			return "", err
		}
		return "/subscriptions/" + sub + "/resourcegroups/" + url.PathEscape(name), nil
	}
	nameFlag := func(c *cobra.Command) {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the resource group")
		c.Flags().StringVarP(&name, "resource-group", "g", "", "name of the resource group (same as --name)")
		addSubscriptionFlag(c)
	}
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create or replace a resource group",
		Example: "  palisade group create -n rg-demo -l westeurope --tags env=test owner=me",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := groupPath(s)
				if err != nil {
					return nil, err
				}
				if err := requireFlags("--location/-l", location); err != nil {
					return nil, err
				}
				body, err := groupBody(map[string]any{"location": location}, tags, managedBy)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPut, p, resourcesAPIVersion, body)
			})
		},
	}
	nameFlag(create)
	create.Flags().StringVarP(&location, "location", "l", "", "region, e.g. westeurope")
	create.Flags().StringVar(&managedBy, "managed-by", "", "ID of the resource that manages this group")
	addTagsFlag(create, &tags)

	show := &cobra.Command{
		Use: "show", Short: "Show a resource group", Example: "  palisade group show -n rg-demo", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := groupPath(s)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodGet, p, resourcesAPIVersion, nil)
			})
		},
	}
	nameFlag(show)

	var tagFilter string
	list := &cobra.Command{
		Use: "list", Short: "List resource groups", Example: "  palisade group list -o table\n  palisade group list --tag env=test",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sub, err := s.subscription()
				if err != nil {
					return nil, err
				}
				items, err := s.arm.List(ctx, "/subscriptions/"+sub+"/resourcegroups", url.Values{"api-version": {resourcesAPIVersion}}, 0)
				if err != nil {
					return nil, err
				}
				return filterByTag(items, tagFilter), nil
			})
		},
	}
	addSubscriptionFlag(list)
	list.Flags().StringVar(&tagFilter, "tag", "", "only groups with this tag: KEY[=VALUE]")

	update := &cobra.Command{
		Use: "update", Short: "Update a resource group's tags", Example: "  palisade group update -n rg-demo --tags env=prod",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := groupPath(s)
				if err != nil {
					return nil, err
				}
				body, err := groupBody(map[string]any{}, tags, managedBy)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPatch, p, resourcesAPIVersion, body)
			})
		},
	}
	nameFlag(update)
	update.Flags().StringVar(&managedBy, "managed-by", "", "ID of the resource that manages this group")
	addTagsFlag(update, &tags)

	var noWait bool
	del := &cobra.Command{
		Use: "delete", Short: "Delete a resource group and everything in it", Example: "  palisade group delete -n rg-demo --yes",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := groupPath(s)
				if err != nil {
					return nil, err
				}
				if err := confirm(s, yes); err != nil {
					return nil, err
				}
				if noWait {
					_, err := s.arm.Do(ctx, http.MethodDelete, p, url.Values{"api-version": {resourcesAPIVersion}}, nil)
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, resourcesAPIVersion, nil)
				return nil, err
			})
		},
	}
	nameFlag(del)
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	del.Flags().BoolVar(&noWait, "no-wait", false, "do not wait for the deletion to finish")

	exists := &cobra.Command{
		Use: "exists", Short: "Print true if the resource group exists, false otherwise", Example: "  palisade group exists -n rg-demo",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := groupPath(s)
				if err != nil {
					return nil, err
				}
				_, err = s.arm.Do(ctx, http.MethodHead, p, url.Values{"api-version": {resourcesAPIVersion}}, nil)
				var re *client.ResponseError
				if errors.As(err, &re) && re.Status == http.StatusNotFound {
					return false, nil
				}
				if err != nil {
					return nil, err
				}
				return true, nil
			})
		},
	}
	nameFlag(exists)
	c.AddCommand(create, show, list, update, del, exists)
	return c
}

// filterByTag keeps the items carrying tag KEY[=VALUE] (all when tag is "").
func filterByTag(items []any, tag string) []any {
	if tag == "" {
		return items
	}
	k, v, hasValue := strings.Cut(tag, "=")
	out := []any{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		tags, _ := m["tags"].(map[string]any)
		for tk, tv := range tags {
			if strings.EqualFold(tk, k) && (!hasValue || tv == v) {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// groupBody adds the --tags and --managed-by of a create or update to body.
func groupBody(body map[string]any, tags []string, managedBy string) (map[string]any, error) {
	if tags != nil {
		t, err := parseTags(tags)
		if err != nil {
			return nil, err
		}
		body["tags"] = t
	}
	if managedBy != "" {
		body["managedBy"] = managedBy
	}
	return body, nil
}
