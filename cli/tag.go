package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// newTagCommand is az's "tag" group: the tags of a subscription, resource group or resource
// through the Tags API ({scope}/providers/Microsoft.Resources/tags/default, --resource-id), and
// the subscription's predefined tag names and values (/subscriptions/{s}/tagNames, --name).
func newTagCommand() *cobra.Command {
	c := &cobra.Command{Use: "tag", Short: "Manage tags: on a scope or resource, and the subscription's tag names"}
	addConnFlags(c)
	var resourceID, name, value, operation string
	var tags []string
	var yes bool

	scopeTagsPath := func() (string, error) {
		id := strings.TrimRight(resourceID, "/")
		if !strings.HasPrefix(id, "/subscriptions/") {
			return "", usageErrorf("argument --resource-id: %q is not a subscription, resource group or resource id", resourceID)
		}
		return id + "/providers/Microsoft.Resources/tags/default", nil
	}
	tagNamePath := func(s *session) (string, error) {
		sub, err := s.subscription()
		if err != nil {
			return "", err
		}
		if err := requireFlags("--name/-n", name); err != nil {
			return "", err
		}
		return "/subscriptions/" + sub + "/tagNames/" + url.PathEscape(name), nil
	}
	// oneOf checks that exactly one of --resource-id and --name is given, as az's tag commands
	// take one or the other.
	oneOf := func() error {
		switch {
		case resourceID != "" && name != "":
			return usageErrorf("usage error: specify either --resource-id or --name, not both")
		case resourceID == "" && name == "":
			return usageErrorf("usage error: specify --resource-id or --name")
		}
		return nil
	}

	create := &cobra.Command{
		Use:   "create",
		Short: "Create tags on a scope or resource, or a predefined tag name in the subscription",
		Example: "  palisade tag create --resource-id /subscriptions/$SUB/resourceGroups/rg-demo --tags env=test owner=me\n" +
			"  palisade tag create --name costCenter",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := oneOf(); err != nil {
					return nil, err
				}
				if name != "" {
					p, err := tagNamePath(s)
					if err != nil {
						return nil, err
					}
					return s.do(ctx, http.MethodPut, p, resourcesAPIVersion, nil)
				}
				p, err := scopeTagsPath()
				if err != nil {
					return nil, err
				}
				if err := requireFlags("--tags", strings.Join(tags, " ")); err != nil {
					return nil, err
				}
				t, err := parseTags(tags)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPut, p, resourcesAPIVersion, map[string]any{"properties": map[string]any{"tags": t}})
			})
		},
	}
	create.Flags().StringVar(&resourceID, "resource-id", "", "ID of the subscription, resource group or resource to tag")
	create.Flags().StringVarP(&name, "name", "n", "", "a tag name to predefine in the subscription")
	addTagsFlag(create, &tags)
	addSubscriptionFlag(create)

	update := &cobra.Command{
		Use:     "update",
		Short:   "Merge, replace or delete tags on a scope or resource",
		Example: "  palisade tag update --resource-id $ID --operation merge --tags env=prod\n  palisade tag update --resource-id $ID --operation delete --tags owner",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--resource-id", resourceID, "--operation", operation, "--tags", strings.Join(tags, " ")); err != nil {
					return nil, err
				}
				op := ""
				for _, o := range []string{"Merge", "Replace", "Delete"} {
					if strings.EqualFold(o, operation) {
						op = o
					}
				}
				if op == "" {
					return nil, usageErrorf("argument --operation: invalid choice: '%s' (choose from 'Delete', 'Merge', 'Replace')", operation)
				}
				p, err := scopeTagsPath()
				if err != nil {
					return nil, err
				}
				t, err := parseTags(tags)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPatch, p, resourcesAPIVersion,
					map[string]any{"operation": op, "properties": map[string]any{"tags": t}})
			})
		},
	}
	update.Flags().StringVar(&resourceID, "resource-id", "", "ID of the subscription, resource group or resource")
	update.Flags().StringVar(&operation, "operation", "", "Merge, Replace or Delete")
	addTagsFlag(update, &tags)

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the tags of a scope or resource, or the subscription's tag names with their use",
		Example: "  palisade tag list\n  palisade tag list --resource-id /subscriptions/$SUB/resourceGroups/rg-demo",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if resourceID != "" {
					p, err := scopeTagsPath()
					if err != nil {
						return nil, err
					}
					return s.do(ctx, http.MethodGet, p, resourcesAPIVersion, nil)
				}
				sub, err := s.subscription()
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, "/subscriptions/"+sub+"/tagNames", url.Values{"api-version": {resourcesAPIVersion}}, 0)
			})
		},
	}
	list.Flags().StringVar(&resourceID, "resource-id", "", "ID of the subscription, resource group or resource")
	addSubscriptionFlag(list)

	del := &cobra.Command{
		Use:     "delete",
		Short:   "Delete the tags of a scope or resource, or a predefined tag name no resource uses",
		Example: "  palisade tag delete --resource-id $ID --yes\n  palisade tag delete --name costCenter --yes",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := oneOf(); err != nil {
					return nil, err
				}
				p := ""
				var err error
				if name != "" {
					p, err = tagNamePath(s)
				} else {
					p, err = scopeTagsPath()
				}
				if err != nil {
					return nil, err
				}
				if err := confirm(s, yes); err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, resourcesAPIVersion, nil)
				return nil, err
			})
		},
	}
	del.Flags().StringVar(&resourceID, "resource-id", "", "ID of the subscription, resource group or resource")
	del.Flags().StringVarP(&name, "name", "n", "", "a predefined tag name")
	del.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	addSubscriptionFlag(del)

	valuePath := func(s *session) (string, error) {
		p, err := tagNamePath(s)
		if err != nil {
			return "", err
		}
		if err := requireFlags("--value", value); err != nil {
			return "", err
		}
		return p + "/tagValues/" + url.PathEscape(value), nil
	}
	addValue := &cobra.Command{
		Use: "add-value", Short: "Predefine a value of a tag name", Example: "  palisade tag add-value --name costCenter --value 4711",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := valuePath(s)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPut, p, resourcesAPIVersion, nil)
			})
		},
	}
	removeValue := &cobra.Command{
		Use: "remove-value", Short: "Delete a predefined value of a tag name", Example: "  palisade tag remove-value --name costCenter --value 4711",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := valuePath(s)
				if err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, resourcesAPIVersion, nil)
				return nil, err
			})
		},
	}
	for _, v := range []*cobra.Command{addValue, removeValue} {
		v.Flags().StringVarP(&name, "name", "n", "", "the tag name")
		v.Flags().StringVar(&value, "value", "", "the tag value")
		addSubscriptionFlag(v)
	}
	c.AddCommand(create, update, list, del, addValue, removeValue)
	return c
}
