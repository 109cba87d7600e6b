package policy

import (
	"strings"

	"github.com/palisade/palisade/policy/expr"
)

// authClaimMarkers are the claim names whose presence in a rule makes it an authentication rule:
// the long name of amr and acrs, as the MFA definitions read them.
var authClaimMarkers = []string{"authnmethodsreferences", "acrs"}

// ReadsAuthenticationClaims reports whether the rule looks at how the caller authenticated (the
// amr or acrs claims of requestContext().identity). A request refused by such a rule is answered
// with a claims challenge, so clients can step up to MFA and retry.
func (d *Definition) ReadsAuthenticationClaims() bool {
	if d.Rule == nil || !d.Rule.If.Uses("requestcontext") {
		return false
	}
	found := false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if expr.IsExpression(x) && strings.Contains(strings.ToLower(x), "requestcontext") {
				lower := strings.ToLower(x)
				for _, m := range authClaimMarkers {
					if strings.Contains(lower, m) {
						found = true
					}
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	if ifv, ok := object(d.PolicyRule).get("if"); ok {
		walk(ifv)
	}
	return found
}

// ResolveParameterValue resolves a value passed to an initiative member: a template expression
// over the initiative's parameters ("[parameters('effect')]") is evaluated, anything else is
// returned as written.
func ResolveParameterValue(v any, setParams map[string]any) (any, error) {
	s, ok := v.(string)
	if !ok || !expr.IsExpression(s) {
		if ok {
			return expr.Unescape(s), nil
		}
		return v, nil
	}
	e, err := expr.Parse(s)
	if err != nil {
		return nil, err
	}
	return e.Eval(paramEnv(setParams))
}
