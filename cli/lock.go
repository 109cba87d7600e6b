package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// locksAPIVersion is the Microsoft.Authorization/locks version the CLI sends.
const locksAPIVersion = "2020-05-01"

// newLockCommand is az's "lock" group: management locks on the subscription (no scope
// argument), a resource group (--resource-group) or a resource (--resource with its id).
func newLockCommand() *cobra.Command {
	c := &cobra.Command{Use: "lock", Short: "Manage locks that keep resources from being deleted or changed"}
	addConnFlags(c)
	var name, group, resource, lockType, notes string

	// scope is the id the lock sits on: the resource, the group or the subscription.
	scope := func(s *session) (string, error) {
		if resource != "" {
			if group != "" {
				return "", usageErrorf("usage error: give --resource as an id without --resource-group")
			}
			id := strings.TrimRight(resource, "/")
			if !strings.HasPrefix(strings.ToLower(id), "/subscriptions/") || !strings.Contains(strings.ToLower(id), "/providers/") {
				return "", usageErrorf("argument --resource: %q is not a resource id", resource)
			}
			return id, nil
		}
		sub, err := s.subscription()
		if err != nil {
			return "", err
		}
		if group != "" {
			return "/subscriptions/" + sub + "/resourceGroups/" + url.PathEscape(group), nil
		}
		return "/subscriptions/" + sub, nil
	}
	lockPath := func(s *session) (string, error) {
		if err := requireFlags("--name/-n", name); err != nil {
			return "", err
		}
		sc, err := scope(s)
		if err != nil {
			return "", err
		}
		return sc + "/providers/Microsoft.Authorization/locks/" + url.PathEscape(name), nil
	}
	scopeFlags := func(c *cobra.Command) {
		c.Flags().StringVarP(&group, "resource-group", "g", "", "name of the resource group the lock is on")
		c.Flags().StringVar(&resource, "resource", "", "ID of the resource the lock is on")
		addSubscriptionFlag(c)
	}

	create := &cobra.Command{
		Use:   "create",
		Short: "Create or replace a lock",
		Example: "  palisade lock create -n keep -g rg-prod --lock-type CanNotDelete --notes 'production data'\n" +
			"  palisade lock create -n frozen --lock-type ReadOnly --resource /subscriptions/$SUB/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := lockPath(s)
				if err != nil {
					return nil, err
				}
				level := ""
				for _, l := range []string{"CanNotDelete", "ReadOnly"} {
					if strings.EqualFold(l, lockType) {
						level = l
					}
				}
				if level == "" {
					return nil, usageErrorf("argument --lock-type/-t: invalid choice: '%s' (choose from 'CanNotDelete', 'ReadOnly')", lockType)
				}
				props := map[string]any{"level": level}
				if notes != "" {
					props["notes"] = notes
				}
				return s.do(ctx, http.MethodPut, p, locksAPIVersion, map[string]any{"properties": props})
			})
		},
	}
	create.Flags().StringVarP(&name, "name", "n", "", "name of the lock")
	create.Flags().StringVarP(&lockType, "lock-type", "t", "", "CanNotDelete or ReadOnly")
	create.Flags().StringVar(&notes, "notes", "", "notes about the lock (at most 512 characters)")
	scopeFlags(create)

	show := &cobra.Command{
		Use: "show", Short: "Show a lock", Example: "  palisade lock show -n keep -g rg-prod", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := lockPath(s)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodGet, p, locksAPIVersion, nil)
			})
		},
	}
	show.Flags().StringVarP(&name, "name", "n", "", "name of the lock")
	scopeFlags(show)

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the locks of the subscription, a resource group or a resource",
		Example: "  palisade lock list -o table\n  palisade lock list -g rg-prod",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sc, err := scope(s)
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, sc+"/providers/Microsoft.Authorization/locks", url.Values{"api-version": {locksAPIVersion}}, 0)
			})
		},
	}
	scopeFlags(list)

	del := &cobra.Command{
		Use: "delete", Short: "Delete a lock", Example: "  palisade lock delete -n keep -g rg-prod", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				p, err := lockPath(s)
				if err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, locksAPIVersion, nil)
				return nil, err
			})
		},
	}
	del.Flags().StringVarP(&name, "name", "n", "", "name of the lock")
	scopeFlags(del)

	c.AddCommand(create, show, list, del)
	return c
}
