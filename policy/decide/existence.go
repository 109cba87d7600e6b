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
	// Scopes are ids under which to look: the evaluated resource itself (for child and
	// extension types), then its resource group or subscription (existenceScope).
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

// IsRelated reports whether a stored resource id matches the query (type and name; the caller
// selected it from the query's scopes).
func (q RelatedQuery) IsRelated(id armid.ID) bool {
	if !strings.EqualFold(id.Type(), q.Type) {
		return false
	}
	return q.Name == "" || strings.EqualFold(id.Name(), q.Name) || strings.EqualFold(id.FullName(), q.Name)
}
