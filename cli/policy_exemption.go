package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

func newPolicyExemptionCommand() *cobra.Command {
	c := &cobra.Command{Use: "exemption", Short: "Manage policy exemptions (waivers and mitigations)"}
	addConnFlags(c)
	var sc scopeArgs
	var name, assignment, category, displayName, description, expires, selectors string
	var metadata []string
	var refIDs []string
	nameFlag := func(c *cobra.Command) {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the exemption")
		sc.register(c, true, true)
	}
	bodyFlags := func(c *cobra.Command, create bool) {
		f := c.Flags()
		if create {
			f.StringVarP(&assignment, "policy-assignment", "a", "", "ID of the policy assignment the exemption applies to")
		}
		f.StringVarP(&category, "exemption-category", "e", "", "Waiver or Mitigated")
		f.StringVar(&displayName, "display-name", "", "display name")
		f.StringVar(&description, "description", "", "description")
		f.StringVar(&expires, "expires-on", "", "expiry, e.g. 2026-12-31T23:59:59Z")
		addMetadataFlag(c, &metadata)
		f.StringVar(&selectors, "resource-selectors", "", "resource selectors as JSON or @FILE")
		f.StringArrayVarP(&refIDs, "policy-definition-reference-ids", "r", nil, "space-separated initiative member reference ids the exemption covers")
		multiValue(c, "policy-definition-reference-ids")
		_ = c.RegisterFlagCompletionFunc("exemption-category", cobra.FixedCompletions([]string{"Waiver", "Mitigated"}, cobra.ShellCompDirectiveNoFileComp))
	}
	apply := func(body map[string]any) error {
		p := propsOf(body)
		setString(p, "policyAssignmentId", assignment)
		if category != "" {
			switch strings.ToLower(category) {
			case "waiver":
				p["exemptionCategory"] = "Waiver"
			case "mitigated":
				p["exemptionCategory"] = "Mitigated"
			default:
				return usageErrorf("argument --exemption-category/-e: invalid choice: '%s' (choose from 'Waiver', 'Mitigated')", category)
			}
		}
		setString(p, "displayName", displayName)
		setString(p, "description", description)
		setString(p, "expiresOn", expires)
		if refIDs != nil {
			ids := []any{}
			for _, v := range refIDs {
				for _, id := range strings.Fields(v) {
					ids = append(ids, id)
				}
			}
			p["policyDefinitionReferenceIds"] = ids
		}
		if err := metadataFlag(p, metadata); err != nil {
			return err
		}
		return jsonFlag(p, "resourceSelectors", "resource-selectors", selectors)
	}
	path := func(s *session) (string, error) {
		if err := requireFlags("--name/-n", name); err != nil {
			return "", err
		}
		scope, err := sc.resolve(s)
		if err != nil {
			return "", err
		}
		return objectPath(scope, "policyExemptions", name), nil
	}
	create := &cobra.Command{Use: "create", Short: "Exempt a scope from a policy assignment",
		Example: `  palisade policy exemption create -n break-glass -g rg-ops -a $ASSIGNMENT_ID -e Waiver --expires-on 2026-12-31T00:00:00Z`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				if err := requireFlags("--policy-assignment/-a", assignment, "--exemption-category/-e", category); err != nil {
					return nil, err
				}
				body := map[string]any{}
				if err := apply(body); err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodPut, p, exemptionAPIVersion, body)
			})
		}}
	nameFlag(create)
	bodyFlags(create, true)
	update := &cobra.Command{Use: "update", Short: "Change a policy exemption (read, change, write back)",
		Example: "  palisade policy exemption update -n break-glass -g rg-ops --expires-on 2027-01-31T00:00:00Z", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				return s.update(ctx, p, exemptionAPIVersion, propertiesOnly, apply)
			})
		}}
	nameFlag(update)
	bodyFlags(update, false)
	show := &cobra.Command{Use: "show", Short: "Show a policy exemption", Example: "  palisade policy exemption show -n break-glass -g rg-ops",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodGet, p, exemptionAPIVersion, nil)
			})
		}}
	nameFlag(show)
	list := &cobra.Command{Use: "list", Short: "List the policy exemptions at a scope", Example: "  palisade policy exemption list -g rg-ops",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				scope, err := sc.resolve(s)
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, scope+authzProvider+"policyExemptions", url.Values{"api-version": {exemptionAPIVersion}}, 0)
			})
		}}
	sc.register(list, true, true)
	del := &cobra.Command{Use: "delete", Short: "Delete a policy exemption", Example: "  palisade policy exemption delete -n break-glass -g rg-ops",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				p, err := path(s)
				if err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, exemptionAPIVersion, nil)
				return nil, err
			})
		}}
	nameFlag(del)
	c.AddCommand(create, show, list, update, del)
	return c
}

// policyClientCommands are the policy subcommands that talk to a server.
func policyClientCommands() []*cobra.Command {
	cmds := []*cobra.Command{newPolicyDefinitionCommand(policyDefinitionKind), newPolicyDefinitionCommand(policySetKind),
		newPolicyAssignmentCommand(), newPolicyExemptionCommand(), newPolicyEventCommand()}
	for _, c := range cmds {
		strictGroup(c)
	}
	return cmds
}
