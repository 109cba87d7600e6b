package decide

import (
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy/eval"
)

// RelatedQuery says where the related resources of an auditIfNotExists or deployIfNotExists
// outcome are: resources of Type (named Name when set) under any of Scopes.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-audit-if-not-exists
type RelatedQuery struct {
	Type string
	Name string
	// Scopes are ids under which to look: the evaluated resource itself only, when Type is
	// nested below the evaluated resource's type; otherwise the resource (for extension types),
	// then its resource group or subscription (resourceGroupName, existenceScope).
	Scopes []string
}

// Related works out the related-resource query of an existence outcome.
func (o *Outcome) Related(req *Request) (RelatedQuery, error) {
	d := o.Definition.Rule.Then.Details
	in := &eval.Input{Resource: req.Resource, Parameters: o.params, RequestContext: req.RequestContext,
		ResourceGroup: req.ResourceGroup, Subscription: req.Subscription, Now: req.Now}
	q := RelatedQuery{Type: d.Type}
	if d.Name != "" {
		n, err := eval.EvalValue(d.Name, in)
		if err != nil {
			return q, err
		}
		q.Name, _ = n.(string)
	}
	id := req.ID
	q.Scopes = append(q.Scopes, id.String())
	if isBelowType(d.Type, evaluatedType(req)) {
		// A type below the evaluated resource's is looked up within that resource only;
		// resourceGroupName and existenceScope do not apply.
		return q, nil
	}
	switch {
	case strings.EqualFold(d.ExistenceScope, "subscription"):
		q.Scopes = append(q.Scopes, "/subscriptions/"+id.SubscriptionID())
	default:
		rg := id.ResourceGroup()
		if d.ResourceGroupName != "" {
			v, err := eval.EvalValue(d.ResourceGroupName, in)
			if err != nil {
				return q, err
			}
			rg, _ = v.(string)
		}
		if rg != "" && id.SubscriptionID() != "" {
			q.Scopes = append(q.Scopes, "/subscriptions/"+id.SubscriptionID()+"/resourceGroups/"+rg)
		}
	}
	return q, nil
}

// Satisfied reports whether any related resource satisfies the existence condition (or, with no
// condition, whether any exists). The condition's field conditions read the related resource;
// its field() calls read the evaluated one.
func (o *Outcome) Satisfied(req *Request, related []map[string]any) (bool, error) {
	d := o.Definition.Rule.Then.Details
	for _, r := range related {
		if d.ExistenceCondition == nil {
			return true, nil
		}
		in := &eval.Input{Resource: r, FieldFuncResource: req.Resource, Parameters: o.params,
			RequestContext: req.RequestContext, ResourceGroup: req.ResourceGroup, Subscription: req.Subscription, Now: req.Now}
		ok, err := d.ExistenceCondition.Eval(in)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// evaluatedType is the type of the resource the rule was evaluated on.
func evaluatedType(req *Request) string {
	if t, ok := req.Resource["type"].(string); ok && t != "" {
		return t
	}
	return req.ID.Type()
}

// isBelowType reports whether typ is a nested type of parent (parent's type followed by more
// segments), compared case-insensitively.
func isBelowType(typ, parent string) bool {
	return parent != "" && len(typ) > len(parent)+1 && typ[len(parent)] == '/' && strings.EqualFold(typ[:len(parent)], parent)
}

// IsRelated reports whether a stored resource id matches the query (type and name; the caller
// selected it from the query's scopes). A name is the resource's own name or its full name
// (parent names first, "server/database"); a last segment "?" stands for any name, so
// "server/?" selects every nested resource of that type under server.
func (q RelatedQuery) IsRelated(id armid.ID) bool {
	if !strings.EqualFold(id.Type(), q.Type) {
		return false
	}
	if q.Name == "" || strings.EqualFold(id.Name(), q.Name) || strings.EqualFold(id.FullName(), q.Name) {
		return true
	}
	if q.Name == "?" {
		return true
	}
	if parent, ok := strings.CutSuffix(q.Name, "/?"); ok {
		full := id.FullName()
		i := strings.LastIndexByte(full, '/')
		return i >= 0 && strings.EqualFold(full[:i], parent)
	}
	return false
}
