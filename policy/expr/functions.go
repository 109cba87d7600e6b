package expr

import "strings"

// funcDef describes one template function: its ARM spelling, its argument
// count, and its implementation. The parser binds each *Call to its funcDef
// so evaluation never looks a name up.
type funcDef struct {
	name    string // lower-case canonical name
	display string // ARM spelling, used in messages and canonical text
	min     int    // fewest arguments
	max     int    // most arguments; -1 for any number
	// call receives the evaluated arguments. The slice is reused after the
	// call returns: an implementation must copy it, never keep or return it.
	call func(env Env, args []any) (any, error)
	// call2, when set, is a two-argument form of call for functions on the
	// hot path of common rules; it avoids building an argument slice.
	call2 func(x, y any) (any, error)
	// memo marks a deterministic call2 function whose result each call
	// site remembers for the last pair of string arguments. The MFA rule
	// splits the same claim strings on every request; remembering the
	// result saves the allocations of rebuilding it. Results are shared,
	// so they must be treated as read-only, like every value Eval returns.
	memo bool
	// selects marks functions whose array or object results are taken
	// whole from their arguments or the environment (field, tryGet, first,
	// take, …), so the evaluation limits need not be checked again.
	selects bool
	// lazy receives the unevaluated arguments (if).
	lazy func(env Env, args []Node) (any, error)
	// templateOnly functions exist in ARM deployment templates but Azure
	// Policy rejects them in policy rules; they parse only with Template.
	templateOnly bool
}

// functions maps lower-case names to definitions; filled by init from the
// per-family tables.
var functions = map[string]*funcDef{}

func register(defs ...*funcDef) {
	for _, d := range defs {
		d.name = strings.ToLower(d.display)
		functions[d.name] = d
	}
}

func fixed(display string, n int, call func(Env, []any) (any, error)) *funcDef {
	return &funcDef{display: display, min: n, max: n, call: call}
}

func ranged(display string, lo, hi int, call func(Env, []any) (any, error)) *funcDef {
	return &funcDef{display: display, min: lo, max: hi, call: call}
}

// withFast2 attaches a two-argument fast path to a fixed-arity function.
func withFast2(d *funcDef, f func(x, y any) (any, error)) *funcDef {
	d.call2 = f
	return d
}

// selecting marks a function that returns parts of its inputs or of the
// environment.
func selecting(d *funcDef) *funcDef {
	d.selects = true
	return d
}

// memoised marks a function for per-call-site memoisation of call2.
func memoised(d *funcDef) *funcDef {
	d.memo = true
	return d
}

// pure adapts a function that does not need the environment.
func pure(f func([]any) (any, error)) func(Env, []any) (any, error) {
	return func(_ Env, args []any) (any, error) { return f(args) }
}

// templateOnly declares a function that only a deployment template may call.
func templateOnly(display string, lo, hi int) *funcDef {
	return &funcDef{display: display, min: lo, max: hi, templateOnly: true}
}

// listFunction describes one of ARM's list* functions (listKeys,
// listSecrets, listAccountSas, …), which are template-only.
func listFunction(lower string) *funcDef {
	return &funcDef{name: lower, display: lower, min: 1, max: -1, templateOnly: true}
}

// Template-only functions: Azure Policy rejects them in policy rules
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions)
// but they appear in the deployment templates of deployIfNotExists.
func init() {
	register(
		templateOnly("copyIndex", 0, 2),
		templateOnly("dateTimeAdd", 2, 3),
		templateOnly("dateTimeFromEpoch", 1, 1),
		templateOnly("dateTimeToEpoch", 1, 1),
		templateOnly("deployment", 0, 0),
		templateOnly("environment", 0, 0),
		templateOnly("extensionResourceId", 3, -1),
		templateOnly("managementGroup", 0, 1),
		templateOnly("managementGroupResourceId", 2, -1),
		templateOnly("newGuid", 0, 0),
		templateOnly("pickZones", 3, 5),
		templateOnly("providers", 1, 2),
		templateOnly("reference", 1, 3),
		templateOnly("resourceId", 2, -1),
		templateOnly("subscriptionResourceId", 2, -1),
		templateOnly("tenantResourceId", 2, -1),
		templateOnly("tenant", 0, 0),
		templateOnly("variables", 1, 1),
		templateOnly("lambda", 2, -1),
		templateOnly("lambdaVariables", 1, 1),
		templateOnly("filter", 2, 2),
		templateOnly("map", 2, 3),
		templateOnly("reduce", 3, 3),
		templateOnly("sort", 2, 2),
		templateOnly("toObject", 2, 3),
		templateOnly("groupBy", 2, 2),
		templateOnly("mapValues", 2, 2),
	)
}
