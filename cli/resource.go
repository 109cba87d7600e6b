package cli

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// resourceArgs identify a resource the way az resource does: by --ids, or by
// group, namespace, optional parent, type and name.
type resourceArgs struct {
	ids                                   []string
	group, namespace, parent, rtype, name string
	apiVersion                            string
}

func (a *resourceArgs) register(c *cobra.Command) {
	f := c.Flags()
	f.StringArrayVar(&a.ids, "ids", nil, "one or more resource IDs; when given, the other identifying arguments must be left out")
	multiValue(c, "ids")
	f.StringVarP(&a.group, "resource-group", "g", "", "name of the resource group")
	f.StringVar(&a.namespace, "namespace", "", "provider namespace, e.g. Microsoft.Storage")
	f.StringVar(&a.parent, "parent", "", "parent path, e.g. 'servers/myserver'")
	f.StringVar(&a.rtype, "resource-type", "", "resource type, e.g. storageAccounts or Microsoft.Storage/storageAccounts")
	f.StringVarP(&a.name, "name", "n", "", "name of the resource")
	f.StringVar(&a.apiVersion, "api-version", "", "api-version of the resource (default: the newest the provider lists)")
	addSubscriptionFlag(c)
}

// resolve returns the resource IDs the arguments name.
func (a *resourceArgs) resolve(s *session) ([]string, error) {
	if len(a.ids) > 0 {
		if a.name != "" || a.group != "" || a.rtype != "" || a.namespace != "" {
			return nil, usageErrorf("(--ids | --resource-group --namespace --resource-type --name) are mutually exclusive")
		}
		var ids []string
		for _, v := range a.ids {
			ids = append(ids, strings.Fields(v)...)
		}
		return ids, nil
	}
	if err := requireFlags("--resource-group/-g", a.group, "--resource-type", a.rtype, "--name/-n", a.name); err != nil {
		return nil, usageErrorf("%v (or --ids)", err.(*ExitError).Err)
	}
	ns, typ := a.namespace, a.rtype
	if i := strings.Index(typ, "/"); i > 0 && strings.Contains(typ[:i], ".") {
		ns, typ = typ[:i], typ[i+1:]
	}
	if ns == "" {
		return nil, usageErrorf("--namespace is required when --resource-type does not name its provider")
	}
	sub, err := s.subscription()
	if err != nil {
		return nil, err
	}
	id := "/subscriptions/" + sub + "/resourceGroups/" + a.group + "/providers/" + ns + "/"
	if a.parent != "" {
		id += strings.Trim(a.parent, "/") + "/"
	}
	return []string{id + typ + "/" + a.name}, nil
}

// version returns --api-version or the newest version the provider lists
// for the resource's type, as az resource looks it up.
func (a *resourceArgs) version(ctx context.Context, s *session, id string) string {
	if a.apiVersion != "" {
		return a.apiVersion
	}
	ns, typ := providerType(id)
	sub := subscriptionOf(id)
	if ns == "" || sub == "" {
		return resourcesAPIVersion
	}
	resp, err := s.arm.Do(ctx, http.MethodGet, "/subscriptions/"+sub+"/providers/"+ns, url.Values{"api-version": {resourcesAPIVersion}}, nil)
	if err != nil {
		return resourcesAPIVersion
	}
	m, _ := resp.Value.(map[string]any)
	types, _ := m["resourceTypes"].([]any)
	for _, t := range types {
		tm, _ := t.(map[string]any)
		if strings.EqualFold(str(tm, "resourceType"), typ) {
			if vs, _ := tm["apiVersions"].([]any); len(vs) > 0 {
				if v, ok := vs[0].(string); ok {
					return v
				}
			}
		}
	}
	return resourcesAPIVersion
}

// providerType splits a resource ID's last provider segment into namespace
// and type path ("Microsoft.Sql", "servers/databases").
func providerType(id string) (string, string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if strings.EqualFold(parts[i], "providers") && i+1 < len(parts) {
			rest := parts[i+2:]
			var typ []string
			for j := 0; j < len(rest); j += 2 {
				typ = append(typ, rest[j])
			}
			return parts[i+1], strings.Join(typ, "/")
		}
	}
	return "", ""
}

// subscriptionOf returns the subscription id in a resource ID.
func subscriptionOf(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}

func newResourceCommand() *cobra.Command {
	c := &cobra.Command{Use: "resource", Short: "Manage resources of any type"}
	addConnFlags(c)
	var ra resourceArgs
	var props, location string
	var tags []string
	var fullObject bool

	forEach := func(ctx context.Context, s *session, fn func(id, ver string) (any, error)) (any, error) {
		ids, err := ra.resolve(s)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, id := range ids {
			v, err := fn(id, ra.version(ctx, s, id))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if len(out) == 1 {
			return out[0], nil
		}
		return out, nil
	}

	create := &cobra.Command{
		Use:   "create",
		Short: "Create or replace a resource",
		Example: `  palisade resource create -g rg-demo -n st1 --resource-type Microsoft.Storage/storageAccounts \
      -l westeurope --properties '{"minimumTlsVersion": "TLS1_2"}'
  palisade resource create --ids /subscriptions/$SUB/resourceGroups/rg-demo/providers/Microsoft.Web/sites/app1 -l eastus -p @site.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				body := map[string]any{}
				if props != "" {
					v, err := readJSONArg("properties", props)
					if err != nil {
						return nil, err
					}
					body["properties"] = v
					if fullObject {
						m, ok := v.(map[string]any)
						if !ok {
							return nil, usageErrorf("argument --properties: with --is-full-object it must be a JSON object (the whole resource)")
						}
						body = m
					}
				} else if fullObject {
					return nil, usageErrorf("--is-full-object needs --properties with the whole resource")
				}
				if location != "" {
					body["location"] = location
				}
				if tags != nil {
					t, err := parseTags(tags)
					if err != nil {
						return nil, err
					}
					body["tags"] = t
				}
				return forEach(ctx, s, func(id, ver string) (any, error) {
					return s.do(ctx, http.MethodPut, id, ver, body)
				})
			})
		},
	}
	ra.register(create)
	create.Flags().StringVarP(&props, "properties", "p", "", "resource properties as JSON or @FILE")
	create.Flags().StringVarP(&location, "location", "l", "", "region of the resource")
	create.Flags().BoolVar(&fullObject, "is-full-object", false, "--properties holds the whole resource (location, sku, kind, properties, …), not only its properties")
	addTagsFlag(create, &tags)

	show := &cobra.Command{
		Use: "show", Short: "Show a resource",
		Example: "  palisade resource show -g rg-demo -n st1 --resource-type Microsoft.Storage/storageAccounts\n  palisade resource show --ids $ID",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				return forEach(ctx, s, func(id, ver string) (any, error) { return s.do(ctx, http.MethodGet, id, ver, nil) })
			})
		},
	}
	ra.register(show)

	update := &cobra.Command{
		Use: "update", Short: "Update a resource's properties, location or tags (read, change, write back)",
		Example: `  palisade resource update --ids $ID --properties '{"minimumTlsVersion": "TLS1_2"}'
  palisade resource update --ids $ID --tags env=prod`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				var newProps any
				if props != "" {
					var err error
					if newProps, err = readJSONArg("properties", props); err != nil {
						return nil, err
					}
				}
				var newTags map[string]any
				if tags != nil {
					var err error
					if newTags, err = parseTags(tags); err != nil {
						return nil, err
					}
				}
				return forEach(ctx, s, func(id, ver string) (any, error) {
					return s.update(ctx, id, ver, putBody, func(body map[string]any) error {
						if pm, ok := newProps.(map[string]any); ok {
							old, _ := body["properties"].(map[string]any)
							if old == nil {
								old = map[string]any{}
							}
							for k, v := range pm {
								old[k] = v
							}
							body["properties"] = old
						}
						if newTags != nil {
							body["tags"] = newTags
						}
						if location != "" {
							body["location"] = location
						}
						return nil
					})
				})
			})
		},
	}
	ra.register(update)
	update.Flags().StringVarP(&props, "properties", "p", "", "properties to set, as JSON or @FILE (merged into the current ones)")
	update.Flags().StringVarP(&location, "location", "l", "", "new region")
	addTagsFlag(update, &tags)

	var incremental bool
	tag := &cobra.Command{
		Use: "tag", Short: "Replace (or with -i add to) a resource's tags",
		Example: "  palisade resource tag --ids $ID --tags env=prod\n  palisade resource tag --ids $ID --tags owner=me -i",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				newTags, err := parseTags(tags)
				if err != nil {
					return nil, err
				}
				return forEach(ctx, s, func(id, ver string) (any, error) {
					return s.update(ctx, id, ver, putBody, func(body map[string]any) error {
						tags := maps.Clone(newTags) // each resource merges with its own tags
						if incremental {
							old, _ := body["tags"].(map[string]any)
							for k, v := range old {
								if _, ok := tags[k]; !ok {
									tags[k] = v
								}
							}
						}
						body["tags"] = tags
						return nil
					})
				})
			})
		},
	}
	ra.register(tag)
	addTagsFlag(tag, &tags)
	tag.Flags().BoolVarP(&incremental, "is-incremental", "i", false, "add the tags to the existing ones instead of replacing them")

	del := &cobra.Command{
		Use: "delete", Short: "Delete resources",
		Example: "  palisade resource delete --ids $ID\n  palisade resource delete -g rg-demo -n st1 --resource-type Microsoft.Storage/storageAccounts",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				_, err := forEach(ctx, s, func(id, ver string) (any, error) { return s.do(ctx, http.MethodDelete, id, ver, nil) })
				return nil, err
			})
		},
	}
	ra.register(del)

	var lg, lns, ltype, lname, lloc, ltag string
	list := &cobra.Command{
		Use: "list", Short: "List resources",
		Example: "  palisade resource list -g rg-demo -o table\n  palisade resource list --resource-type Microsoft.Storage/storageAccounts --location westeurope",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sub, err := s.subscription()
				if err != nil {
					return nil, err
				}
				p := "/subscriptions/" + sub
				if lg != "" {
					p += "/resourceGroups/" + url.PathEscape(lg)
				}
				items, err := s.arm.List(ctx, p+"/resources", url.Values{"api-version": {resourcesAPIVersion}}, 0)
				if err != nil {
					return nil, err
				}
				typ := ltype
				if lns != "" && !strings.Contains(typ, "/") && typ != "" {
					typ = lns + "/" + typ
				}
				out := []any{}
				for _, it := range filterByTag(items, ltag) {
					m, _ := it.(map[string]any)
					switch {
					case typ != "" && !strings.EqualFold(str(m, "type"), typ):
					case lns != "" && typ == "" && !strings.HasPrefix(strings.ToLower(str(m, "type")), strings.ToLower(lns)+"/"):
					case lname != "" && !strings.EqualFold(str(m, "name"), lname):
					case lloc != "" && !strings.EqualFold(str(m, "location"), lloc):
					default:
						out = append(out, expandedShape(m))
					}
				}
				return out, nil
			})
		},
	}
	f := list.Flags()
	f.StringVarP(&lg, "resource-group", "g", "", "only resources in this group")
	f.StringVar(&lns, "namespace", "", "only resources of this provider namespace")
	f.StringVar(&ltype, "resource-type", "", "only resources of this type")
	f.StringVarP(&lname, "name", "n", "", "only resources with this name")
	f.StringVarP(&lloc, "location", "l", "", "only resources in this region")
	f.StringVar(&ltag, "tag", "", "only resources with this tag: KEY[=VALUE]")
	addSubscriptionFlag(list)

	c.AddCommand(create, show, list, update, tag, del)
	return c
}

// putBody keeps the writable parts of a resource for a PUT back.
func putBody(cur any) map[string]any {
	m, _ := cur.(map[string]any)
	body := map[string]any{}
	for _, k := range []string{"location", "tags", "properties", "kind", "sku", "identity", "plan", "managedBy", "extendedLocation", "zones"} {
		if v, ok := m[k]; ok && v != nil {
			body[k] = v
		}
	}
	return body
}

// resourceGroupOf returns the resource group named in a resource ID.
func resourceGroupOf(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}

// expandedKeys are the attributes of the SDK's GenericResourceExpanded, which
// az prints for every listed resource, null when the service sent nothing
// (properties are not listed without $expand, so az shows "properties":
// null and its table's Status column stays empty).
var expandedKeys = []string{"extendedLocation", "id", "identity", "kind", "location", "managedBy", "name", "plan",
	"properties", "sku", "tags", "type"}

// expandedShape gives a listed resource az's keys, and its resource group.
func expandedShape(m map[string]any) map[string]any {
	for _, k := range expandedKeys {
		if _, ok := m[k]; !ok {
			m[k] = nil
		}
	}
	if _, ok := m["resourceGroup"]; !ok {
		m["resourceGroup"] = resourceGroupOf(str(m, "id"))
	}
	return m
}
