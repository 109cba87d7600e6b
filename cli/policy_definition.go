package cli

import (
	"context"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// definitionKind describes policy definitions or policy set definitions
// (initiatives), which share their commands' shape.
type definitionKind struct {
	use, noun, kind string
	// contentFlag is --rules or --definitions; contentKey its property.
	contentFlag, contentKey, contentHelp string
}

var (
	policyDefinitionKind = definitionKind{use: "definition", noun: "policy definition", kind: "policyDefinitions",
		contentFlag: "rules", contentKey: "policyRule", contentHelp: "policy rule ({\"if\": …, \"then\": …}) as JSON or @FILE"}
	policySetKind = definitionKind{use: "set-definition", noun: "policy set definition (initiative)", kind: "policySetDefinitions",
		contentFlag: "definitions", contentKey: "policyDefinitions", contentHelp: "the member definitions ([{\"policyDefinitionId\": …, \"parameters\": …}]) as JSON or @FILE"}
)

func newPolicyDefinitionCommand(k definitionKind) *cobra.Command {
	c := &cobra.Command{Use: k.use, Short: "Manage " + k.noun + "s"}
	addConnFlags(c)
	var sc scopeArgs
	var name, displayName, description, content, params, mode, groups, version string
	var metadata []string
	var builtin bool

	bodyFrom := func(body map[string]any) error {
		p := propsOf(body)
		setString(p, "displayName", displayName)
		setString(p, "description", description)
		setString(p, "mode", mode)
		setString(p, "version", version)
		if err := jsonFlag(p, k.contentKey, k.contentFlag, content); err != nil {
			return err
		}
		if err := jsonFlag(p, "parameters", "params", params); err != nil {
			return err
		}
		if err := metadataFlag(p, metadata); err != nil {
			return err
		}
		return jsonFlag(p, "policyDefinitionGroups", "definition-groups", groups)
	}
	contentFlags := func(c *cobra.Command) {
		f := c.Flags()
		f.StringVar(&displayName, "display-name", "", "display name")
		f.StringVar(&description, "description", "", "description")
		f.StringVar(&content, k.contentFlag, "", k.contentHelp)
		f.StringVar(&params, "params", "", "parameter definitions as JSON or @FILE")
		addMetadataFlag(c, &metadata)
		f.StringVar(&version, "version", "", "version of the definition, e.g. 1.0.0")
		if k.kind == "policyDefinitions" {
			f.StringVarP(&mode, "mode", "m", "", "mode: All, Indexed or a resource-provider mode (default All)")
		} else {
			f.StringVar(&groups, "definition-groups", "", "definition groups as JSON or @FILE")
		}
	}
	nameFlag := func(c *cobra.Command) {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the "+k.noun)
		sc.register(c, false, false)
	}
	path := func(s *session) (string, error) {
		if err := requireFlags("--name/-n", name); err != nil {
			return "", err
		}
		scope, err := sc.resolve(s)
		if err != nil {
			return "", err
		}
		return objectPath(scope, k.kind, name), nil
	}

	ex := map[string]string{
		"policyDefinitions": `  palisade policy definition create -n require-tls --rules @rule.json --params @params.json --mode Indexed
  palisade policy definition create -n require-tls --management-group mg-prod --rules '{"if": {"field": "location", "equals": "eastus"}, "then": {"effect": "deny"}}'`,
		"policySetDefinitions": `  palisade policy set-definition create -n mfa --definitions @members.json --params @params.json`,
	}[k.kind]
	create := &cobra.Command{Use: "create", Short: "Create a " + k.noun, Example: ex, Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				if err := requireFlags("--"+k.contentFlag, content); err != nil {
					return nil, err
				}
				body := map[string]any{}
				if err := bodyFrom(body); err != nil {
					return nil, err
				}
				propsOf(body)["policyType"] = "Custom"
				if k.kind == "policyDefinitions" && mode == "" {
					propsOf(body)["mode"] = "All"
				}
				return s.do(ctx, http.MethodPut, p, policyAPIVersion, body)
			})
		}}
	nameFlag(create)
	contentFlags(create)

	update := &cobra.Command{Use: "update", Short: "Update a " + k.noun + " (read, change, write back)",
		Example: "  palisade policy " + k.use + " update -n require-tls --display-name \"Require TLS 1.2\"", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				return s.update(ctx, p, policyAPIVersion, propertiesOnly, bodyFrom)
			})
		}}
	nameFlag(update)
	contentFlags(update)

	show := &cobra.Command{Use: "show", Short: "Show a " + k.noun + " (custom at the scope, else built-in)",
		Example: "  palisade policy " + k.use + " show -n 4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				v, err := s.do(ctx, http.MethodGet, p, policyAPIVersion, nil)
				if isNotFound(err) && sc.mg == "" {
					return s.do(ctx, http.MethodGet, authzProvider+k.kind+"/"+name, policyAPIVersion, nil)
				}
				return v, err
			})
		}}
	nameFlag(show)

	list := &cobra.Command{Use: "list", Short: "List the " + k.noun + "s available at a scope (custom and built-in)",
		Example: "  palisade policy " + k.use + " list --query \"[?policyType=='Custom'].name\"\n  palisade policy " + k.use + " list --builtin -o table",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				q := url.Values{"api-version": {policyAPIVersion}}
				if builtin {
					return s.arm.List(ctx, authzProvider+k.kind, q, 0)
				}
				scope, err := sc.resolve(s)
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, scope+authzProvider+k.kind, q, 0)
			})
		}}
	sc.register(list, false, false)
	list.Flags().BoolVar(&builtin, "builtin", false, "list only the built-in ones")

	del := &cobra.Command{Use: "delete", Short: "Delete a " + k.noun,
		Example: "  palisade policy " + k.use + " delete -n require-tls", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, policyAPIVersion, nil)
				return nil, err
			})
		}}
	nameFlag(del)
	c.AddCommand(create, show, list, update, del)
	return c
}
