package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
)

func newPolicyEvalCommand() *cobra.Command {
	var defFile, resFile, params, ctxFile, operation, aliasFile string
	c := &cobra.Command{
		Use:   "eval --definition FILE --resource FILE [--params JSON|@FILE] [--request-context FILE] [--operation create|update|delete]",
		Short: "Evaluate a policy definition against a resource offline",
		Long: `Eval evaluates one policy definition against one resource, as Azure would for a request, and
prints one JSON object:

  {"applicable": bool, "matched": bool, "effect": "<lower-case effect or empty>",
   "evaluatedExpressions": [...]}

plus "details" (the effect's details) when the rule matched, "reason" when it is not applicable,
and "error" when the evaluation failed (Azure treats a failed evaluation as an implicit deny).

--params is an assignment-style parameters object, inline or @file: {"effect":{"value":"Deny"}}.
--request-context is a file {"apiVersion": "...", "identity": {<token claims>}}: the object the
rule sees as requestContext().

The exit code is 0 whenever the evaluation ran, and 2 on bad input, with the reason on stderr.`,
		Example: `  palisade policy eval --definition MFA_Deny.json --resource rg.json \
      --request-context user-without-mfa.json --params '{"effect":{"value":"Deny"}}'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if defFile == "" || resFile == "" {
				return usageErrorf("--definition and --resource are required")
			}
			opts, err := policyOptions(aliasFile)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			def, err := readDefinition(defFile, opts)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			req, err := buildRequest(def, resFile, params, ctxFile, operation)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			req.Aliases = opts.Aliases
			out := evalOutput(def.Evaluate(req))
			enc := json.NewEncoder(stdoutOf(c))
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(out)
		},
	}
	f := c.Flags()
	f.StringVar(&defFile, "definition", "", "policy definition file (full resource or bare properties)")
	f.StringVar(&resFile, "resource", "", "resource JSON file, as ARM returns it")
	f.StringVar(&params, "params", "", "assignment parameters, inline JSON or @FILE")
	f.StringVar(&ctxFile, "request-context", "", `request context file {"apiVersion": …, "identity": {…}}`)
	f.StringVar(&operation, "operation", "create", "create, update or delete")
	f.StringVar(&aliasFile, "aliases", "", "extra alias catalogue file (format: aliases/FORMAT.md)")
	return c
}

func readDefinition(path string, opts policy.Options) (*policy.Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--definition: %w", err)
	}
	def, err := policy.ParseDefinition(data, opts)
	if err != nil {
		return nil, fmt.Errorf("--definition %s: %w", path, err)
	}
	return def, nil
}

// buildRequest reads the resource, parameters and request context into an evaluation request.
func buildRequest(def *policy.Definition, resFile, params, ctxFile, operation string) (*policy.Request, error) {
	req := &policy.Request{Trace: true}
	switch strings.ToLower(operation) {
	case "create", "":
		req.Operation = policy.OperationCreate
	case "update":
		req.Operation = policy.OperationUpdate
	case "delete":
		req.Operation = policy.OperationDelete
	default:
		return nil, fmt.Errorf("--operation must be create, update or delete, got %q", operation)
	}
	res, err := readJSONObject(resFile, "--resource")
	if err != nil {
		return nil, err
	}
	if t, _ := expr.Lookup(res, "type"); t == nil {
		return nil, fmt.Errorf("--resource %s: the resource needs a \"type\"", resFile)
	}
	req.Resource = res
	assigned := map[string]any{}
	if params != "" {
		assigned, err = readInlineOrFile(params, "--params")
		if err != nil {
			return nil, err
		}
	}
	values, err := def.Parameters.AssignmentParameters(assigned)
	if err != nil {
		return nil, fmt.Errorf("--params: %w", err)
	}
	req.Parameters = values
	if ctxFile != "" {
		rc, err := readJSONObject(ctxFile, "--request-context")
		if err != nil {
			return nil, err
		}
		// The identity may be given as raw token claims (amr: ["pwd","mfa"]) or already in the
		// shape Azure hands to policy rules; ClaimsObject turns the former into the latter and
		// leaves the latter as it is.
		if id, ok := rc["identity"].(map[string]any); ok {
			rc["identity"] = identity.ClaimsObject(id)
		}
		req.RequestContext = rc
	} else {
		req.RequestContext = map[string]any{"apiVersion": "", "identity": map[string]any{}}
	}
	req.Policy = map[string]any{"definitionId": def.ID}
	return req, nil
}

// evalOutput shapes the result as the command prints it.
func evalOutput(res *policy.Result, err error) map[string]any {
	out := map[string]any{
		"applicable":           res != nil && res.Applicable,
		"matched":              res != nil && res.Matched,
		"effect":               "",
		"evaluatedExpressions": []any{},
	}
	if res != nil {
		out["effect"] = res.Effect
		if res.EvaluatedExpressions != nil {
			out["evaluatedExpressions"] = res.EvaluatedExpressions
		}
		if res.Reason != "" {
			out["reason"] = res.Reason
		}
		if res.Details != nil {
			out["details"] = res.Details
		}
	}
	if err != nil {
		// A failed evaluation is an implicit deny
		// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#value).
		out["applicable"] = true
		out["effect"] = "deny"
		out["error"] = err.Error()
	}
	return out
}

func readJSONObject(path, flag string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return decodeObject(data, flag+" "+path)
}

// readInlineOrFile reads a JSON object given inline or as @FILE.
func readInlineOrFile(s, flag string) (map[string]any, error) {
	if strings.HasPrefix(s, "@") {
		return readJSONObject(s[1:], flag)
	}
	return decodeObject([]byte(s), flag)
}

func decodeObject(data []byte, what string) (map[string]any, error) {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %v", what, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a JSON object, got %s", what, expr.TypeName(v))
	}
	return m, nil
}
