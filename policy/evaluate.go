package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Operation is the kind of request a rule is evaluated for.
type Operation string

// Operations.
const (
	OperationCreate Operation = "create"
	OperationUpdate Operation = "update"
	OperationDelete Operation = "delete"
)

// Request is what one evaluation of a definition sees.
type Request struct {
	Operation Operation
	// Resource is the resource as the request would leave it (for a delete: as stored).
	Resource map[string]any
	// Parameters are the effective parameter values (see Parameters.Effective).
	Parameters map[string]any
	// RequestContext is {"apiVersion": …, "identity": {claims}}.
	RequestContext map[string]any
	Policy         map[string]any
	ResourceGroup  map[string]any
	Subscription   map[string]any
	Now            time.Time
	// Aliases is used for Indexed-mode capability data; nil means the built-in catalogue.
	Aliases *aliases.Catalog
	// Trace asks for evaluatedExpressions.
	Trace bool
}

// Result is the outcome of evaluating a definition for one request.
type Result struct {
	// Applicable is false when the definition does not govern this resource or operation (its
	// mode excludes the type, or its effect does not act on the operation).
	Applicable bool `json:"applicable"`
	// Matched is true when the if condition holds (and the effect is not disabled).
	Matched bool `json:"matched"`
	// Effect is the resolved effect when Matched (or "disabled"), lower case; empty otherwise.
	Effect string `json:"effect"`
	// EvaluatedExpressions is Azure's evaluationDetails.evaluatedExpressions.
	EvaluatedExpressions []eval.Expression `json:"evaluatedExpressions"`
	// Reason explains a non-applicable result.
	Reason string `json:"reason,omitempty"`
	// Details is then.details when Matched.
	Details any `json:"details,omitempty"`

	// ResolvedEffect is the effect the parameters select, whether or not the rule matched.
	ResolvedEffect Effect `json:"-"`
}

// Evaluate runs the definition's rule for one request. An error means the evaluation failed (a
// template function error, a type mismatch); Azure treats that as an implicit deny, and callers
// must too.
func (d *Definition) Evaluate(req *Request) (*Result, error) {
	res := &Result{}
	if !d.Evaluated() {
		res.Reason = fmt.Sprintf("mode %s is not evaluated by this engine", d.EffectiveMode())
		return res, nil
	}
	if d.Rule == nil {
		return nil, fmt.Errorf("definition %s has no compiled rule", d.Name)
	}
	effect, err := d.Rule.Effect(req.Parameters)
	if err != nil {
		return nil, err
	}
	res.ResolvedEffect = effect
	if ok, why := d.AppliesTo(req, effect); !ok {
		res.Reason = why
		return res, nil
	}
	res.Applicable = true
	if effect == EffectDisabled {
		res.Effect = effect.Lower()
		res.Reason = "the effect is disabled, so the rule is not evaluated"
		return res, nil
	}
	in := eval.Input{
		Resource: req.Resource, Parameters: req.Parameters, RequestContext: req.RequestContext,
		Policy: req.Policy, ResourceGroup: req.ResourceGroup, Subscription: req.Subscription, Now: req.Now,
	}
	var matched bool
	if req.Trace {
		matched, res.EvaluatedExpressions, err = d.Rule.If.EvalTrace(&in)
	} else {
		matched, err = d.Rule.If.Eval(&in)
	}
	if err != nil {
		return res, err
	}
	res.Matched = matched
	if matched {
		res.Effect = effect.Lower()
		if d.Rule.Then.Details != nil {
			res.Details = d.Rule.Then.Details.Raw
		}
	}
	return res, nil
}

// AppliesTo decides applicability by operation and mode, for the given resolved effect, and says
// why not when it does not apply.
// Operation: denyAction/auditAction act on DELETE only; the other effects act on PUT/PATCH
// (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action).
// Mode: https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics#mode
// and https://learn.microsoft.com/azure/governance/policy/concepts/policy-applicability.
func (d *Definition) AppliesTo(req *Request, effect Effect) (bool, string) {
	op := req.Operation
	if op == "" {
		op = OperationCreate
	}
	if op == OperationDelete {
		if !effect.IsActionEffect() && effect != EffectDisabled {
			return false, fmt.Sprintf("the effect %s does not act on delete requests", effect)
		}
		if !d.Rule.Then.actsOnDelete() {
			return false, "details.actionNames does not include delete"
		}
	} else if effect.IsActionEffect() {
		return false, fmt.Sprintf("the effect %s acts only on delete requests", effect)
	}
	typ := stringField(req.Resource, "type")
	if typ == "" {
		return false, "the resource has no type"
	}
	resourcesType := len(typ) > len(resourcesPrefix) && strings.EqualFold(typ[:len(resourcesPrefix)], resourcesPrefix)
	rgOrSub := resourcesType && (sameText(typ, "Microsoft.Resources/subscriptions/resourceGroups") ||
		sameText(typ, "Microsoft.Resources/resourceGroups") || sameText(typ, "Microsoft.Resources/subscriptions"))
	if resourcesType && !rgOrSub {
		return false, "Azure Policy does not evaluate Microsoft.Resources types other than subscriptions and resource groups"
	}
	if d.EffectiveMode() == ModeAll {
		return true, ""
	}
	// Indexed: only types that support tags and location.
	if rgOrSub {
		return false, "mode Indexed does not evaluate resource groups and subscriptions"
	}
	cat := req.Aliases
	if cat == nil {
		cat = aliases.Builtin()
	}
	caps := cat.Capabilities(stringField(req.Resource, "type"))
	if caps.Known {
		if !caps.SupportsTags || !caps.SupportsLocation {
			return false, fmt.Sprintf("mode Indexed only evaluates types that support tags and location; %s does not", stringField(req.Resource, "type"))
		}
		return true, ""
	}
	// A type the catalogue does not know: a tracked resource carries a location.
	if _, ok := expr.Lookup(req.Resource, "location"); !ok {
		return false, "mode Indexed only evaluates resources with tags and a location"
	}
	return true, ""
}

const resourcesPrefix = "Microsoft.Resources/"

// sameText compares case-insensitively, answering at once for strings of different lengths and
// for identical ones (the usual cases).
func sameText(a, b string) bool {
	return len(a) == len(b) && (a == b || strings.EqualFold(a, b))
}

// actsOnDelete reports whether details.actionNames includes delete.
func (t *Then) actsOnDelete() bool {
	if t.Details == nil {
		return false
	}
	for _, a := range t.Details.ActionNames {
		if strings.EqualFold(a, "delete") {
			return true
		}
	}
	return false
}

func stringField(m map[string]any, name string) string {
	v, _ := expr.Lookup(m, name)
	s, _ := v.(string)
	return s
}

// AssignmentParameters turns an assignment-style parameters object ({"name": {"value": v}}) into
// effective values for the definition: each value is checked against its parameter's type and
// allowedValues, unknown names are errors, and defaults fill the rest.
func (ps Parameters) AssignmentParameters(assigned map[string]any) (ParameterValues, error) {
	var errs errorList
	values := map[string]any{}
	for _, name := range sortedKeys(assigned) {
		path := name
		p, ok := ps.Get(name)
		if !ok {
			errs.add(path, "the definition has no parameter '%s'", name)
			continue
		}
		entry, ok := assigned[name].(map[string]any)
		if !ok {
			errs.add(path, "a parameter value must be an object {\"value\": …}")
			continue
		}
		v, ok := object(entry).get("value")
		if !ok {
			errs.add(path, "a parameter value needs 'value'")
			continue
		}
		if err := p.Check(v); err != nil {
			errs.add(childPath(path, "value"), "%v", err)
			continue
		}
		values[name] = v
	}
	for _, name := range ps.Names() {
		p := ps[name]
		if _, given := lookupFold(values, name); !given && !p.HasDefault {
			errs.add(name, "parameter '%s' has no default value and needs a value", name)
		}
	}
	if err := errs.errs.Err(); err != nil {
		return nil, err
	}
	return ps.Effective(values), nil
}

func lookupFold(m map[string]any, name string) (any, bool) { return expr.Lookup(m, name) }
