package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Rule is a compiled policy rule: the if condition and the then block.
type Rule struct {
	If     *eval.Condition
	Then   *Then
	params Parameters
}

// Then is a decoded then block.
type Then struct {
	// EffectText is the effect as written: a name or an expression such as [parameters('effect')].
	EffectText  string
	effect      Effect     // when EffectText is a literal
	effectExpr  *expr.Expr // when EffectText is an expression
	effectParam string     // when EffectText is exactly [parameters('name')]: the name
	// PossibleEffects lists the effects the rule can resolve to: the literal, or the effect
	// parameter's allowedValues (or default) when the effect comes from a parameter.
	PossibleEffects []Effect
	Details         *Details
}

// Details is a decoded then.details. Which fields are set depends on the effect.
type Details struct {
	// Raw is details as written.
	Raw any `json:"-"`

	// append: a list of {field, value}.
	Append []FieldValue `json:"append,omitempty"`

	// modify
	RoleDefinitionIDs []string          `json:"roleDefinitionIds,omitempty"`
	ConflictEffect    Effect            `json:"conflictEffect,omitempty"`
	Operations        []ModifyOperation `json:"operations,omitempty"`

	// auditIfNotExists / deployIfNotExists
	Type               string          `json:"type,omitempty"`
	Name               string          `json:"name,omitempty"`
	ResourceGroupName  string          `json:"resourceGroupName,omitempty"`
	ExistenceScope     string          `json:"existenceScope,omitempty"`
	EvaluationDelay    string          `json:"evaluationDelay,omitempty"`
	ExistenceCondition *eval.Condition `json:"-"`
	DeploymentScope    string          `json:"deploymentScope,omitempty"`
	Deployment         map[string]any  `json:"deployment,omitempty"`

	// denyAction / auditAction
	ActionNames      []string          `json:"actionNames,omitempty"`
	CascadeBehaviors map[string]string `json:"cascadeBehaviors,omitempty"`

	// manual
	DefaultState string `json:"defaultState,omitempty"`
}

// FieldValue is one append entry.
type FieldValue struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// ModifyOperation is one modify operation.
type ModifyOperation struct {
	Operation string `json:"operation"` // addOrReplace, add, remove
	Field     string `json:"field"`
	Value     any    `json:"value,omitempty"`
	Condition string `json:"condition,omitempty"`
}

// ParameterValues is a set of effective parameter values by name.
type ParameterValues map[string]any

// Effective merges assignment values (as {name: value}) over the parameters' defaults. Names
// compare case-insensitively; values for undeclared parameters are dropped.
func (ps Parameters) Effective(values map[string]any) ParameterValues {
	out := make(ParameterValues, len(ps))
	for name, p := range ps {
		if p.HasDefault {
			out[name] = p.DefaultValue
		}
	}
	for k, v := range values {
		for name := range ps {
			if strings.EqualFold(name, k) {
				out[name] = v
			}
		}
	}
	return out
}

// Effect resolves the rule's effect for the given parameter values. Values compare
// case-insensitively; an unknown effect name is an error.
func (r *Rule) Effect(params map[string]any) (Effect, error) {
	return r.Then.resolve(params)
}

func (t *Then) resolve(params map[string]any) (Effect, error) {
	if t.effectExpr == nil {
		return t.effect, nil
	}
	if t.effectParam != "" {
		// The common [parameters('effect')]: a lookup, no expression evaluation.
		if v, ok := expr.Lookup(params, t.effectParam); ok {
			if s, ok := v.(string); ok {
				if e, ok := ParseEffect(s); ok {
					return e, nil
				}
			}
		}
	}
	v, err := t.effectExpr.Eval(paramEnv(params))
	if err != nil {
		return "", fmt.Errorf("resolve effect %s: %w", t.EffectText, err)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("resolve effect %s: the value is %s, expected a string", t.EffectText, expr.TypeName(v))
	}
	e, ok := ParseEffect(s)
	if !ok {
		return "", fmt.Errorf("resolve effect %s: '%s' is not a policy effect", t.EffectText, s)
	}
	return e, nil
}

// decodeThen validates the then block.
func decodeThen(v any, path string, params Parameters, opts Options, errs *errorList) *Then {
	obj, ok := v.(map[string]any)
	if !ok {
		errs.add(path, "'then' must be an object, got %s", expr.TypeName(v))
		return nil
	}
	o := object(obj)
	t := &Then{}
	for _, k := range sortedKeys(obj) {
		switch strings.ToLower(k) {
		case "effect", "details":
		default:
			errs.add(childPath(path, k), "unknown 'then' property '%s': a then block has 'effect' and optional 'details'", k)
		}
	}
	ev, ok := o.get("effect")
	effPath := childPath(path, o.key("effect"))
	es, isStr := ev.(string)
	switch {
	case !ok:
		errs.add(path, "'then' needs an 'effect'")
		return nil
	case !isStr:
		errs.add(effPath, "the effect must be a string, got %s", expr.TypeName(ev))
		return nil
	}
	t.EffectText = es
	if expr.IsExpression(es) {
		e, err := expr.Parse(es)
		if err != nil {
			errs.add(effPath, "%v", err)
			return nil
		}
		t.effectExpr = e
		t.effectParam, _ = wholeParameterRef(e)
		t.PossibleEffects = possibleEffects(e, params, effPath, errs)
		if t.effectParam == "" {
			checkParameterRefs(es, effPath, params, errs)
		}
	} else {
		eff, known := ParseEffect(es)
		if !known {
			errs.add(effPath, "unknown effect '%s'", es)
			return nil
		}
		t.effect = eff
		t.PossibleEffects = []Effect{eff}
	}
	if dv, ok := o.get("details"); ok {
		t.Details = decodeDetails(dv, childPath(path, o.key("details")), t.PossibleEffects, params, opts, errs)
		checkDetailsParameterRefs(dv, childPath(path, o.key("details")), params, errs)
	} else {
		requireDetails(t.PossibleEffects, path, errs)
	}
	return t
}

// possibleEffects works out which effects an effect expression can produce: for
// [parameters('effect')] the parameter's allowedValues, else its default. Every one must be a
// known effect.
func possibleEffects(e *expr.Expr, params Parameters, path string, errs *errorList) []Effect {
	name, ok := wholeParameterRef(e)
	if !ok {
		return nil
	}
	p, ok := params.Get(name)
	if !ok {
		errs.add(path, "the effect refers to parameter '%s', which the definition does not declare", name)
		return nil
	}
	var values []any
	if len(p.AllowedValues) > 0 {
		values = p.AllowedValues
	} else if p.HasDefault {
		values = []any{p.DefaultValue}
	}
	var out []Effect
	for _, v := range values {
		s, _ := v.(string)
		eff, known := ParseEffect(s)
		if !known {
			errs.add(path, "parameter '%s' allows %s, which is not a policy effect", name, render(v))
			continue
		}
		out = append(out, eff)
	}
	return out
}

// wholeParameterRef reports whether e is exactly [parameters('name')].
func wholeParameterRef(e *expr.Expr) (string, bool) {
	call, ok := e.Root().(*expr.Call)
	if !ok || call.Name != "parameters" || len(call.Args) != 1 {
		return "", false
	}
	lit, ok := call.Args[0].(*expr.Literal)
	if !ok {
		return "", false
	}
	s, ok := lit.Value.(string)
	return s, ok
}

// paramEnv evaluates expressions that may only read parameters (the effect, assignment-time values).
type paramEnv map[string]any

func (p paramEnv) Parameter(name string) (any, bool) { return expr.Lookup(p, name) }
func (p paramEnv) Field(string) (any, error) {
	return nil, fmt.Errorf("field() cannot be used here")
}
func (p paramEnv) Current(string) (any, error) {
	return nil, fmt.Errorf("current() can only be used inside a count 'where' condition")
}
func (p paramEnv) RequestContext() any { return map[string]any{} }
func (p paramEnv) Policy() any         { return map[string]any{} }
func (p paramEnv) ResourceGroup() any  { return map[string]any{} }
func (p paramEnv) Subscription() any   { return map[string]any{} }
func (p paramEnv) Now() time.Time      { return time.Now().UTC() }
