package policy

import (
	"strings"

	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Effect detail rules, from the per-effect pages under
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-basics.

func hasEffect(effects []Effect, e Effect) bool {
	for _, x := range effects {
		if x == e {
			return true
		}
	}
	return false
}

// requireDetails reports effects whose details are mandatory when there are none.
func requireDetails(effects []Effect, path string, errs *errorList) {
	for _, e := range []Effect{EffectAppend, EffectModify, EffectAuditIfNotExists, EffectDeployIfNotExists, EffectDenyAction, EffectAuditAction} {
		if hasEffect(effects, e) {
			errs.add(path, "the effect '%s' needs 'details'", e)
			return
		}
	}
}

// decodeDetails validates then.details for the effects the rule can have.
func decodeDetails(v any, path string, effects []Effect, params Parameters, opts Options, errs *errorList) *Details {
	d := &Details{Raw: v}
	if arr, ok := v.([]any); ok {
		// Only append takes a list; the others read named properties of an object.
		for _, e := range []Effect{EffectModify, EffectAuditIfNotExists, EffectDeployIfNotExists, EffectDenyAction, EffectAuditAction} {
			if hasEffect(effects, e) {
				errs.add(path, "the effect '%s' needs 'details' to be an object, got an array", e)
				break
			}
		}
		// append takes a list of {field, value}.
		for i, e := range arr {
			ep := indexPath(path, i)
			m, ok := e.(map[string]any)
			if !ok {
				errs.add(ep, "an append entry must be an object with 'field' and 'value'")
				continue
			}
			o := object(m)
			f, fok := o.get("field")
			fs, isStr := f.(string)
			if !fok || !isStr || fs == "" {
				errs.add(ep, "an append entry needs a 'field' string")
			}
			val, vok := o.get("value")
			if !vok {
				errs.add(ep, "an append entry needs a 'value'")
			}
			d.Append = append(d.Append, FieldValue{Field: fs, Value: val})
		}
		return d
	}
	obj, ok := v.(map[string]any)
	if !ok {
		errs.add(path, "details must be an object (or, for append, an array), got %s", expr.TypeName(v))
		return d
	}
	if hasEffect(effects, EffectAppend) {
		// https://learn.microsoft.com/azure/governance/policy/concepts/effect-append: the
		// details of append are an array of field/value pairs.
		errs.add(path, "the effect 'append' needs 'details' to be an array of {\"field\", \"value\"} entries, got an object")
	}
	o := object(obj)
	d.Type = o.str("type")
	d.Name = o.str("name")
	d.ResourceGroupName = o.str("resourceGroupName")
	d.ExistenceScope = o.str("existenceScope")
	d.DeploymentScope = o.str("deploymentScope")
	d.DefaultState = o.str("defaultState")
	if ed, ok := o.get("evaluationDelay"); ok {
		d.EvaluationDelay, _ = ed.(string)
	}
	ifNotExists := hasEffect(effects, EffectAuditIfNotExists) || hasEffect(effects, EffectDeployIfNotExists)
	if ifNotExists && d.Type == "" {
		errs.add(path, "auditIfNotExists and deployIfNotExists need details.type")
	}
	if s := d.ExistenceScope; s != "" && !strings.EqualFold(s, "resourceGroup") && !strings.EqualFold(s, "subscription") {
		errs.add(childPath(path, o.key("existenceScope")), "existenceScope must be ResourceGroup or Subscription, got '%s'", s)
	}
	if s := d.DeploymentScope; s != "" && !strings.EqualFold(s, "resourceGroup") && !strings.EqualFold(s, "subscription") {
		errs.add(childPath(path, o.key("deploymentScope")), "deploymentScope must be resourceGroup or subscription, got '%s'", s)
	}
	if ec, ok := o.get("existenceCondition"); ok {
		ecPath := childPath(path, o.key("existenceCondition"))
		cond, err := eval.Compile(ec, ecPath, eval.Options{
			Aliases: opts.Aliases, Parameters: params.Types(), MaxConditions: eval.MaxThenConditions,
		})
		errs.merge(ecPath, err)
		d.ExistenceCondition = cond
	}
	d.RoleDefinitionIDs = stringList(o, "roleDefinitionIds", path, errs)
	if hasEffect(effects, EffectDeployIfNotExists) || hasEffect(effects, EffectModify) {
		if _, ok := o.get("roleDefinitionIds"); !ok {
			errs.add(path, "deployIfNotExists and modify need details.roleDefinitionIds")
		}
	}
	if dep, ok := o.get("deployment"); ok {
		depPath := childPath(path, o.key("deployment"))
		m, isObj := dep.(map[string]any)
		if !isObj {
			errs.add(depPath, "deployment must be an object")
		} else {
			d.Deployment = m
			checkDeployment(m, depPath, errs)
		}
	} else if hasEffect(effects, EffectDeployIfNotExists) {
		errs.add(path, "deployIfNotExists needs details.deployment")
	}
	if ce, ok := o.get("conflictEffect"); ok {
		s, _ := ce.(string)
		eff, known := ParseEffect(s)
		if !known || (eff != EffectAudit && eff != EffectDeny && eff != EffectDisabled) {
			errs.add(childPath(path, o.key("conflictEffect")), "conflictEffect must be audit, deny or disabled, got %s", render(ce))
		}
		d.ConflictEffect = eff
	}
	if ops, ok := o.get("operations"); ok {
		d.Operations = decodeOperations(ops, childPath(path, o.key("operations")), errs)
	} else if hasEffect(effects, EffectModify) {
		errs.add(path, "modify needs details.operations")
	}
	d.ActionNames = stringList(o, "actionNames", path, errs)
	if hasEffect(effects, EffectDenyAction) || hasEffect(effects, EffectAuditAction) {
		if len(d.ActionNames) == 0 {
			errs.add(path, "denyAction needs details.actionNames (only 'delete' is supported)")
		}
		for i, a := range d.ActionNames {
			if !strings.EqualFold(a, "delete") {
				errs.add(indexPath(childPath(path, o.key("actionNames")), i), "unsupported action '%s': only 'delete' is supported", a)
			}
		}
	}
	if cb, ok := o.get("cascadeBehaviors"); ok {
		cbPath := childPath(path, o.key("cascadeBehaviors"))
		m, isObj := cb.(map[string]any)
		if !isObj {
			errs.add(cbPath, "cascadeBehaviors must be an object such as {\"resourceGroup\": \"deny\"}")
		} else {
			d.CascadeBehaviors = map[string]string{}
			for _, k := range sortedKeys(m) {
				s, _ := m[k].(string)
				if !strings.EqualFold(s, "allow") && !strings.EqualFold(s, "deny") {
					errs.add(childPath(cbPath, k), "a cascade behavior must be allow or deny, got %s", render(m[k]))
				}
				d.CascadeBehaviors[strings.ToLower(k)] = strings.ToLower(s)
			}
		}
	}
	return d
}

func stringList(o object, name, path string, errs *errorList) []string {
	v, ok := o.get(name)
	if !ok || v == nil {
		return nil
	}
	if s, isStr := v.(string); isStr && expr.IsExpression(s) {
		return nil // resolved from a parameter at assignment time
	}
	arr, isArr := v.([]any)
	if !isArr {
		errs.add(childPath(path, o.key(name)), "%s must be an array of strings, got %s", name, expr.TypeName(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, isStr := e.(string)
		if !isStr {
			errs.add(indexPath(childPath(path, o.key(name)), i), "%s entries must be strings, got %s", name, expr.TypeName(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func decodeOperations(v any, path string, errs *errorList) []ModifyOperation {
	arr, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr && expr.IsExpression(s) {
			return nil
		}
		errs.add(path, "operations must be an array, got %s", expr.TypeName(v))
		return nil
	}
	var out []ModifyOperation
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "a modify operation must be an object")
			continue
		}
		o := object(m)
		op := ModifyOperation{Operation: o.str("operation"), Field: o.str("field"), Condition: o.str("condition")}
		op.Value, _ = o.get("value")
		switch strings.ToLower(op.Operation) {
		case "addorreplace", "add":
			if _, ok := o.get("value"); !ok {
				errs.add(ep, "the '%s' operation needs a 'value'", op.Operation)
			}
		case "remove":
		default:
			errs.add(childPath(ep, o.key("operation")), "unknown modify operation '%s': use addOrReplace, add or remove", op.Operation)
		}
		if op.Field == "" {
			errs.add(ep, "a modify operation needs a 'field'")
		}
		if op.Condition != "" && expr.IsExpression(op.Condition) {
			if _, err := expr.Parse(op.Condition); err != nil {
				errs.add(childPath(ep, o.key("condition")), "%v", err)
			}
		}
		out = append(out, op)
	}
	return out
}

// checkDeployment parses the template expressions of a deployIfNotExists deployment: the
// deployment parameters use the policy function set (they are resolved by Azure Policy), the
// template itself the full ARM template set.
func checkDeployment(dep map[string]any, path string, errs *errorList) {
	props, _ := object(dep).get("properties")
	pm, ok := props.(map[string]any)
	if !ok {
		errs.add(path, "deployment needs 'properties' with a template")
		return
	}
	po := object(pm)
	if tmpl, ok := po.get("template"); ok {
		eachExpression(tmpl, childPath(childPath(path, object(dep).key("properties")), po.key("template")), func(s, p string) {
			if _, err := expr.Parse(s, expr.Template); err != nil {
				errs.add(p, "%v", err)
			}
		})
	}
}

// eachExpression calls fn for every template-expression string inside v, with its JSON path.
func eachExpression(v any, path string, fn func(s, path string)) {
	switch x := v.(type) {
	case string:
		if expr.IsExpression(x) {
			fn(x, path)
		}
	case []any:
		for i, e := range x {
			eachExpression(e, indexPath(path, i), fn)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			eachExpression(x[k], childPath(path, k), fn)
		}
	}
}

// checkParameterRefs reports [parameters('name')] calls inside v that name a parameter the
// definition does not declare; Azure refuses such a definition when it is created ("undefined
// parameter … which is used in the policy rule"). The template of a deployIfNotExists deployment
// is skipped: its parameters() calls name the template's own parameters. Expressions that do not
// parse are left to the checks that own them.
func checkParameterRefs(v any, path string, params Parameters, errs *errorList) {
	switch x := v.(type) {
	case string:
		if !expr.IsExpression(x) {
			return
		}
		e, err := expr.Parse(x, expr.Template)
		if err != nil {
			return
		}
		expr.Walk(e.Root(), func(n expr.Node) bool {
			call, ok := n.(*expr.Call)
			if !ok || !strings.EqualFold(call.Name, "parameters") || len(call.Args) != 1 {
				return true
			}
			if lit, ok := call.Args[0].(*expr.Literal); ok {
				if name, ok := lit.Value.(string); ok {
					if _, declared := params.Get(name); !declared {
						errs.add(path, "the expression refers to parameter '%s', which the definition does not declare", name)
					}
				}
			}
			return true
		})
	case []any:
		for i, e := range x {
			checkParameterRefs(e, indexPath(path, i), params, errs)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if strings.EqualFold(k, "deployment") {
				checkDeploymentParameterRefs(x[k], childPath(path, k), params, errs)
				continue
			}
			checkParameterRefs(x[k], childPath(path, k), params, errs)
		}
	}
}

// checkDeploymentParameterRefs is checkParameterRefs for a deployment: everything but
// properties.template.
func checkDeploymentParameterRefs(v any, path string, params Parameters, errs *errorList) {
	dep, ok := v.(map[string]any)
	if !ok {
		checkParameterRefs(v, path, params, errs)
		return
	}
	for _, k := range sortedKeys(dep) {
		kp := childPath(path, k)
		props, isObj := dep[k].(map[string]any)
		if !strings.EqualFold(k, "properties") || !isObj {
			checkParameterRefs(dep[k], kp, params, errs)
			continue
		}
		for _, pk := range sortedKeys(props) {
			if strings.EqualFold(pk, "template") {
				continue
			}
			checkParameterRefs(props[pk], childPath(kp, pk), params, errs)
		}
	}
}

// checkDetailsParameterRefs is checkParameterRefs for then.details of a compiled rule, whose
// existenceCondition the condition compiler has already checked.
func checkDetailsParameterRefs(v any, path string, params Parameters, errs *errorList) {
	m, ok := v.(map[string]any)
	if !ok {
		checkParameterRefs(v, path, params, errs)
		return
	}
	rest := make(map[string]any, len(m))
	for k, e := range m {
		if !strings.EqualFold(k, "existenceCondition") {
			rest[k] = e
		}
	}
	checkParameterRefs(rest, path, params, errs)
}
