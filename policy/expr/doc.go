// Package expr implements the template-expression language of Azure Policy
// rules: the strings of a definition that start with '[' and end with ']',
// such as "[concat('a', parameters('x'))]".
//
// Parse turns an expression string into an immutable *Expr whose calls are
// bound to their implementations, so Eval does no name lookups and the
// common property-access expressions evaluate without allocating. The
// function set follows the Azure Policy documentation: every ARM template
// function except those Azure rejects in policy rules, plus the policy-only
// functions (field, current, requestContext, policy, ipRangeContains,
// addDays, utcNow anywhere). The Template option accepts the full ARM set,
// for deployment templates embedded in deployIfNotExists effects.
//
// Values are plain Go: nil, bool, int64, float64, string, []any and
// map[string]any, as produced by DecodeJSON; Normalize converts other
// JSON-like Go values to that model. Property names are matched
// case-insensitively, as in ARM.
//
// Evaluation failures are *EvalError values worded like Azure's messages.
// Azure treats a failed evaluation as an implicit deny, so callers must not
// replace an error with a default value.
//
// References:
//   - https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule
//   - https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
//   - https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
package expr
