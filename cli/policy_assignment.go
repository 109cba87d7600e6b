package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// assignmentArgs are the settable parts of a policy assignment, as az
// policy assignment create and update take them.
type assignmentArgs struct {
	displayName, description, policy, policySet, params, enforcement, selectors, overrides string
	definitionVersion, location                                                            string
	notScopes, metadata                                                                    []string
	miSystem                                                                               bool
}

func (a *assignmentArgs) register(c *cobra.Command, create bool) {
	f := c.Flags()
	f.StringVar(&a.displayName, "display-name", "", "display name")
	f.StringVar(&a.description, "description", "", "description")
	if create {
		f.StringVar(&a.policy, "policy", "", "name or ID of the policy definition to assign")
		f.StringVarP(&a.policySet, "policy-set-definition", "d", "", "name or ID of the policy set definition (initiative) to assign")
		f.BoolVar(&a.miSystem, "mi-system-assigned", false, "give the assignment a system-assigned managed identity")
		f.StringVarP(&a.location, "location", "l", "", "location of the assignment's managed identity")
	}
	f.StringVarP(&a.params, "params", "p", "", `parameter values as JSON or @FILE: {"effect": {"value": "Audit"}}`)
	f.StringArrayVar(&a.notScopes, "not-scopes", nil, "space-separated scopes the assignment does not apply to")
	multiValue(c, "not-scopes")
	f.StringVarP(&a.enforcement, "enforcement-mode", "e", "", "Default (enforce) or DoNotEnforce (audit only)")
	f.StringVar(&a.selectors, "resource-selectors", "", `resource selectors as JSON or @FILE: [{"name": …, "selectors": [{"kind": "resourceLocation", "in": […]}]}]`)
	f.StringVar(&a.overrides, "overrides", "", `overrides as JSON or @FILE: [{"kind": "policyEffect", "value": "Deny", "selectors": […]}]`)
	f.StringVar(&a.definitionVersion, "definition-version", "", "version of the definition to use, e.g. 1.*.*")
	addMetadataFlag(c, &a.metadata)
	_ = c.RegisterFlagCompletionFunc("enforcement-mode", cobra.FixedCompletions([]string{"Default", "DoNotEnforce"}, cobra.ShellCompDirectiveNoFileComp))
}

// apply writes the given arguments into an assignment body.
func (a *assignmentArgs) apply(body map[string]any) error {
	p := propsOf(body)
	setString(p, "displayName", a.displayName)
	setString(p, "description", a.description)
	setString(p, "definitionVersion", a.definitionVersion)
	if a.enforcement != "" {
		switch strings.ToLower(a.enforcement) {
		case "default":
			p["enforcementMode"] = "Default"
		case "donotenforce":
			p["enforcementMode"] = "DoNotEnforce"
		default:
			return usageErrorf("argument --enforcement-mode: invalid choice: '%s' (choose from 'Default', 'DoNotEnforce')", a.enforcement)
		}
	}
	if a.notScopes != nil {
		ns := []any{}
		for _, v := range a.notScopes {
			for _, s := range strings.Fields(v) {
				ns = append(ns, s)
			}
		}
		p["notScopes"] = ns
	}
	for _, j := range []struct{ key, flag, value string }{
		{"parameters", "params", a.params}, {"resourceSelectors", "resource-selectors", a.selectors},
		{"overrides", "overrides", a.overrides},
	} {
		if err := jsonFlag(p, j.key, j.flag, j.value); err != nil {
			return err
		}
	}
	if err := metadataFlag(p, a.metadata); err != nil {
		return err
	}
	if _, ok := p["resourceSelectors"]; ok && a.selectors != "" {
		if _, isList := p["resourceSelectors"].([]any); !isList {
			return usageErrorf("argument --resource-selectors: expected a JSON array of selectors")
		}
	}
	if _, ok := p["overrides"]; ok && a.overrides != "" {
		if _, isList := p["overrides"].([]any); !isList {
			return usageErrorf("argument --overrides: expected a JSON array of overrides")
		}
	}
	if a.miSystem {
		body["identity"] = map[string]any{"type": "SystemAssigned"}
	}
	setString(body, "location", a.location)
	return nil
}

func newPolicyAssignmentCommand() *cobra.Command {
	c := &cobra.Command{Use: "assignment", Short: "Manage policy assignments"}
	addConnFlags(c)
	var sc scopeArgs
	var name string
	var aa assignmentArgs
	nameFlag := func(c *cobra.Command) {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the policy assignment")
		sc.register(c, true, true)
	}
	path := func(s *session) (string, string, error) {
		if err := requireFlags("--name/-n", name); err != nil {
			return "", "", err
		}
		scope, err := sc.resolve(s)
		if err != nil {
			return "", "", err
		}
		return scope, objectPath(scope, "policyAssignments", name), nil
	}

	create := &cobra.Command{Use: "create", Short: "Assign a policy definition or initiative at a scope",
		Example: `  palisade policy assignment create -n mfa-audit --policy 4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b \
      --params '{"effect": {"value": "Audit"}}' \
      --resource-selectors '[{"name": "low-risk", "selectors": [{"kind": "resourceLocation", "in": ["westeurope"]}]}]'
  palisade policy assignment create -n tls --policy-set-definition tls-initiative -g rg-demo --enforcement-mode DoNotEnforce`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				scope, p, err := path(s)
				if err != nil {
					return nil, err
				}
				if (aa.policy == "") == (aa.policySet == "") {
					return nil, usageErrorf("give exactly one of --policy and --policy-set-definition")
				}
				if aa.miSystem && aa.location == "" {
					return nil, usageErrorf("--location is required with --mi-system-assigned")
				}
				kind, ref := "policyDefinitions", aa.policy
				if aa.policySet != "" {
					kind, ref = "policySetDefinitions", aa.policySet
				}
				// arguments are checked before anything is sent
				body := map[string]any{"properties": map[string]any{"scope": scope}}
				if err := aa.apply(body); err != nil {
					return nil, err
				}
				defID, err := resolveDefinition(ctx, s, kind, ref, scope)
				if err != nil {
					return nil, err
				}
				propsOf(body)["policyDefinitionId"] = defID
				return s.do(ctx, http.MethodPut, p, policyAPIVersion, body)
			})
		}}
	nameFlag(create)
	aa.register(create, true)

	update := &cobra.Command{Use: "update", Short: "Change a policy assignment (read, change, write back)",
		Example: `  palisade policy assignment update -n mfa-audit \
      --resource-selectors '[{"name": "all-europe", "selectors": [{"kind": "resourceLocation", "in": ["westeurope", "northeurope"]}]}]'
  palisade policy assignment update -n mfa-audit \
      --overrides '[{"kind": "policyEffect", "value": "Deny", "selectors": [{"kind": "resourceLocation", "in": ["westeurope"]}]}]'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				_, p, err := path(s)
				if err != nil {
					return nil, err
				}
				return s.update(ctx, p, policyAPIVersion, writableAssignment, aa.apply)
			})
		}}
	nameFlag(update)
	aa.register(update, false)

	show := &cobra.Command{Use: "show", Short: "Show a policy assignment", Example: "  palisade policy assignment show -n mfa-audit",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				_, p, err := path(s)
				if err != nil {
					return nil, err
				}
				return s.do(ctx, http.MethodGet, p, policyAPIVersion, nil)
			})
		}}
	nameFlag(show)

	list := &cobra.Command{Use: "list", Short: "List the policy assignments at a scope",
		Example: "  palisade policy assignment list\n  palisade policy assignment list -g rg-demo --query \"[].name\"", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				scope, err := sc.resolve(s)
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, scope+authzProvider+"policyAssignments", url.Values{"api-version": {policyAPIVersion}}, 0)
			})
		}}
	sc.register(list, true, true)

	del := &cobra.Command{Use: "delete", Short: "Delete a policy assignment", Example: "  palisade policy assignment delete -n mfa-audit",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runPolicyClient(c, func(ctx context.Context, s *session) (any, error) {
				_, p, err := path(s)
				if err != nil {
					return nil, err
				}
				_, err = s.do(ctx, http.MethodDelete, p, policyAPIVersion, nil)
				return nil, err
			})
		}}
	nameFlag(del)
	c.AddCommand(create, show, list, update, del, newNonComplianceMessageCommand())
	return c
}

// writableAssignment keeps what a PUT of an assignment takes back.
func writableAssignment(cur any) map[string]any {
	m, _ := cur.(map[string]any)
	body := map[string]any{}
	for _, k := range []string{"location", "identity"} {
		if v, ok := m[k]; ok && v != nil {
			body[k] = v
		}
	}
	if p, ok := m["properties"].(map[string]any); ok {
		props := map[string]any{}
		for k, v := range p {
			if k != "instanceId" && k != "assignmentType" && v != nil {
				props[k] = v
			}
		}
		body["properties"] = props
	}
	return body
}

func newNonComplianceMessageCommand() *cobra.Command {
	c := &cobra.Command{Use: "non-compliance-message", Short: "Manage the messages a policy assignment gives when it refuses or flags a resource"}
	var sc scopeArgs
	var name, message, refID string
	flags := func(c *cobra.Command, withMessage bool) {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the policy assignment")
		if withMessage {
			c.Flags().StringVarP(&message, "message", "m", "", "the message")
			c.Flags().StringVarP(&refID, "policy-definition-reference-id", "r", "", "the initiative member the message is for")
		}
		sc.register(c, true, true)
	}
	// change reads the assignment, lets fn edit its messages, writes it
	// back when changed, and returns the messages as az does.
	change := func(ctx context.Context, s *session, fn func([]any) ([]any, bool)) (any, error) {
		if err := requireFlags("--name/-n", name); err != nil {
			return nil, err
		}
		scope, err := sc.resolve(s)
		if err != nil {
			return nil, err
		}
		p := objectPath(scope, "policyAssignments", name)
		cur, err := s.do(ctx, http.MethodGet, p, policyAPIVersion, nil)
		if err != nil {
			return nil, err
		}
		body := writableAssignment(cur)
		props := propsOf(body)
		msgs, _ := props["nonComplianceMessages"].([]any)
		msgs, changed := fn(msgs)
		if msgs == nil {
			msgs = []any{}
		}
		if !changed {
			return msgs, nil
		}
		props["nonComplianceMessages"] = msgs
		out, err := s.do(ctx, http.MethodPut, p, policyAPIVersion, body)
		if err != nil {
			return nil, err
		}
		om, _ := out.(map[string]any)
		op, _ := om["properties"].(map[string]any)
		if got, ok := op["nonComplianceMessages"].([]any); ok {
			return got, nil
		}
		return msgs, nil
	}
	create := &cobra.Command{Use: "create", Short: "Add a non-compliance message to a policy assignment",
		Example: `  palisade policy assignment non-compliance-message create -n mfa-audit \
      -m "Sign in with MFA (palisade login --otp …) to create or change resources."`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--message/-m", message); err != nil {
					return nil, err
				}
				return change(ctx, s, func(msgs []any) ([]any, bool) {
					m := map[string]any{"message": message}
					setString(m, "policyDefinitionReferenceId", refID)
					return append(msgs, m), true
				})
			})
		}}
	flags(create, true)
	list := &cobra.Command{Use: "list", Short: "List a policy assignment's non-compliance messages",
		Example: "  palisade policy assignment non-compliance-message list -n mfa-audit", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				return change(ctx, s, func(msgs []any) ([]any, bool) { return msgs, false })
			})
		}}
	flags(list, false)
	del := &cobra.Command{Use: "delete", Short: "Remove the non-compliance messages with this text (and reference id)",
		Example: `  palisade policy assignment non-compliance-message delete -n mfa-audit -m "Sign in with MFA"`, Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if err := requireFlags("--message/-m", message); err != nil {
					return nil, err
				}
				return change(ctx, s, func(msgs []any) ([]any, bool) {
					kept := []any{}
					for _, v := range msgs {
						m, _ := v.(map[string]any)
						if str(m, "message") == message && strings.EqualFold(str(m, "policyDefinitionReferenceId"), refID) {
							continue
						}
						kept = append(kept, v)
					}
					return kept, len(kept) != len(msgs)
				})
			})
		}}
	flags(del, true)
	c.AddCommand(create, list, del)
	return c
}
