package decide

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Request is one write to decide.
type Request struct {
	Operation policy.Operation
	// ID is the resource (or resource group) being written.
	ID armid.ID
	// Resource is the resource as the request would leave it: the body of a PUT (with id, name,
	// type), the merged result of a PATCH, or the stored resource for a DELETE.
	Resource map[string]any
	// Cascade marks a delete that follows from deleting the resource group that holds it.
	Cascade bool
	// TagsOnly marks a write that changes nothing but the resource's tags (a PATCH of tags, or
	// the Tags API): only definitions whose conditions inspect tags-related fields act on it
	// (policy.Definition.InspectsTags).
	TagsOnly bool
	// RequestContext is {"apiVersion": …, "identity": {claims as policy sees them}}.
	RequestContext map[string]any
	// ResourceGroup and Subscription are what resourceGroup() and subscription() return.
	ResourceGroup map[string]any
	Subscription  map[string]any
	Now           time.Time
}

// Outcome is what one assignment (or initiative member) did to the request.
type Outcome struct {
	Assignment *policy.Assignment
	Definition *policy.Definition
	Set        *policy.SetDefinition
	// Reference is the initiative member, nil for a single definition.
	Reference *policy.DefinitionReference
	Effect    policy.Effect
	// Message is the assignment's non-compliance message for this member.
	Message string
	// ExemptionIDs lists exemptions that applied (only on exempted outcomes).
	ExemptionIDs []string
	// Evaluated is Azure's evaluationDetails.evaluatedExpressions.
	Evaluated []eval.Expression
	// Err is set when the evaluation failed: Azure treats that as an implicit deny.
	Err error
	// MFA is set when the rule reads how the caller authenticated, so that a refusal can be
	// answered with a claims challenge.
	MFA bool
	// AssignmentParameters are the assignment's parameters as written ({name: {value}}).
	AssignmentParameters map[string]any

	params policy.ParameterValues // the member's effective parameters
}

// ReferenceID is the member's policyDefinitionReferenceId, "" for a single definition.
func (o *Outcome) ReferenceID() string {
	if o.Reference == nil {
		return ""
	}
	return o.Reference.PolicyDefinitionReferenceID
}

// Decision is the verdict on one request.
type Decision struct {
	// Denied lists every refusal (deny, denyAction, failed evaluations); the request must be
	// refused when it is not empty.
	Denied []*Outcome
	// Audited lists audit and auditAction outcomes, to record as policy events.
	Audited []*Outcome
	// Modified lists append and modify outcomes that changed Resource.
	Modified []*Outcome
	// Existence lists auditIfNotExists and deployIfNotExists outcomes whose if matched: their
	// related resources are checked after the write (CheckExistence).
	Existence []*Outcome
	// Resource is the resource after append and modify; the same map as the request's when
	// nothing changed.
	Resource map[string]any
	// Evaluated counts the (assignment, definition) pairs whose rule matched or failed.
	Evaluated int
	// Considered counts the pairs above the resource that act on the request (after
	// notScopes, selectors, enforcement mode and operation).
	Considered int
}

// RequiresMFA reports whether every refusal comes from a rule about how the caller
// authenticated: the client can then step up to MFA and retry.
func (d *Decision) RequiresMFA() bool {
	if len(d.Denied) == 0 {
		return false
	}
	for _, o := range d.Denied {
		if !o.MFA || o.Err != nil {
			return false
		}
	}
	return true
}

// denyActionExemptTypes are never blocked by denyAction, so that nobody is locked out
// (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action).
var denyActionExemptTypes = map[string]bool{
	"microsoft.authorization/policyassignments": true,
	"microsoft.authorization/denyassignments":   true,
	"microsoft.blueprint/blueprintassignments":  true,
	"microsoft.resources/deploymentstacks":      true,
	"microsoft.resources/subscriptions":         true,
	"microsoft.authorization/locks":             true,
}

// target is one (assignment, member) pair that governs the request, with its effect.
type target struct {
	c   *compiled
	m   *member
	eff policy.Effect
}

// Decide evaluates every assignment above the resource, in Azure's order: disabled skipped,
// append and modify applied to the request, then deny, audit and the action effects evaluated on
// the result; existence effects are returned for after the write.
func (s *Snapshot) Decide(req *Request) *Decision {
	dec := &Decision{Resource: req.Resource}
	sub := subject(req)
	now := req.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	ctx := &decideCtx{req: req, sub: sub, typeLower: strings.ToLower(sub.Type), now: now}
	tp := targetPool.Get().(*[]target)
	targets := (*tp)[:0]
	defer func() {
		clear(targets)
		*tp = targets[:0]
		targetPool.Put(tp)
	}()
	ctx.chain = s.chain(req.ID)
	for _, scope := range ctx.chain {
		for _, c := range s.byScope[scope] {
			if c.excludes(ctx.chain) {
				continue
			}
			for _, m := range c.membersFor(sub) {
				if m.effectErr == nil && !m.def.CanMatchLowerType(ctx.typeLower) {
					continue // the rule's top level requires another type: it cannot match
				}
				if req.TagsOnly && !m.def.InspectsTags() {
					continue // a tags-only write is enforced only by rules that look at tags
				}
				if eff, ok := s.effectFor(c, m, req, sub); ok {
					targets = append(targets, target{c, m, eff})
				}
			}
		}
	}
	dec.Considered = len(targets)
	if len(targets) == 0 {
		return dec
	}
	// Stage 1: append and modify change the request before anything else is evaluated.
	for _, t := range targets {
		if t.eff != policy.EffectAppend && t.eff != policy.EffectModify {
			continue
		}
		out := s.evaluate(t, ctx, dec.Resource)
		if out == nil {
			continue
		}
		dec.Evaluated++
		if out.Err != nil {
			dec.Denied = append(dec.Denied, out)
			continue
		}
		changed, conflict := applyChanges(t.m.def, t.eff, dec.Resource, out, req)
		if conflict != nil {
			switch ce := conflictEffect(t.m.def); ce {
			case policy.EffectDeny:
				out.Effect, out.Err = policy.EffectDeny, conflict
				dec.Denied = append(dec.Denied, out)
			case policy.EffectAudit:
				out.Effect, out.Err = policy.EffectAudit, nil
				dec.Audited = append(dec.Audited, out)
			}
			continue
		}
		dec.Resource = changed
		dec.Modified = append(dec.Modified, out)
	}
	// Stage 2: everything else, on the request as changed.
	for _, t := range targets {
		if t.eff == policy.EffectAppend || t.eff == policy.EffectModify {
			continue
		}
		out := s.evaluate(t, ctx, dec.Resource)
		if out == nil {
			continue
		}
		dec.Evaluated++
		switch {
		case out.Err != nil:
			dec.Denied = append(dec.Denied, out)
		case t.eff == policy.EffectDeny || t.eff == policy.EffectDenyAction:
			dec.Denied = append(dec.Denied, out)
		case t.eff == policy.EffectAudit || t.eff == policy.EffectAuditAction:
			dec.Audited = append(dec.Audited, out)
		case t.eff.IsExistenceEffect():
			dec.Existence = append(dec.Existence, out)
		}
	}
	return dec
}

// targetPool recycles the per-decision list of targets, which holds every assignment above the
// resource (hundreds in a large tenant).
var targetPool = sync.Pool{New: func() any { s := make([]target, 0, 64); return &s }}

// decideCtx is what every evaluation of one decision shares.
type decideCtx struct {
	req       *Request
	sub       policy.SelectorSubject
	typeLower string
	chain     []string
	now       time.Time
}

// excludes reports whether the resource is under one of the assignment's notScopes: the
// resource itself or any container above it (parent resource, resource group, subscription,
// management group) is excluded. chain is the resource's scope chain (Snapshot.chain), whose
// first entry is the resource's own key.
func (c *compiled) excludes(chain []string) bool {
	if len(c.notScopes) == 0 {
		return false
	}
	key := chain[0]
	for _, ns := range c.notScopes {
		if strings.HasPrefix(key, ns) && (len(key) == len(ns) || key[len(ns)] == '/') {
			return true
		}
		for _, scope := range chain[1:] {
			if scope == ns {
				return true
			}
		}
	}
	return false
}

// subject is what selectors see of the request.
func subject(req *Request) policy.SelectorSubject {
	loc, _ := expr.Lookup(req.Resource, "location")
	ls, _ := loc.(string)
	typ, _ := expr.Lookup(req.Resource, "type")
	ts, _ := typ.(string)
	if ts == "" {
		ts = req.ID.Type()
	}
	return policy.SelectorSubject{Location: policy.NormalizeLocation(ls), Type: ts}
}

// effectFor works out whether a target applies to the request and with which effect: resource
// selectors, operation, mode, overrides and enforcement mode. ok is false when the target does
// not act on this request at all.
func (s *Snapshot) effectFor(c *compiled, m *member, req *Request, sub policy.SelectorSubject) (policy.Effect, bool) {
	a := c.a
	if !a.Enforced() || m.def.Rule == nil {
		// DoNotEnforce: no effect on the request and no policy events
		// (https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#enforcement-mode).
		return "", false
	}
	if !policy.SelectsResource(a.ResourceSelectors, sub) {
		return "", false
	}
	eff := m.effect
	if m.effectErr != nil {
		eff = policy.EffectDeny // an effect that cannot be resolved fails the evaluation
	}
	sub.ReferenceID = ""
	if m.ref != nil {
		sub.ReferenceID = m.ref.PolicyDefinitionReferenceID
	}
	if o, ok := a.EffectOverride(sub); ok {
		eff = o
	}
	if eff == policy.EffectDisabled || eff == policy.EffectManual {
		return "", false
	}
	if req.Operation == policy.OperationDelete {
		if !eff.IsActionEffect() || !actsOnDelete(m.def) {
			return "", false
		}
		if denyActionExemptTypes[strings.ToLower(sub.Type)] {
			return "", false
		}
		if req.Cascade && !cascades(m.def) {
			return "", false
		}
	} else if eff.IsActionEffect() {
		return "", false
	}
	return eff, true
}

func actsOnDelete(d *policy.Definition) bool {
	if d.Rule == nil || d.Rule.Then.Details == nil {
		return false
	}
	for _, a := range d.Rule.Then.Details.ActionNames {
		if strings.EqualFold(a, "delete") {
			return true
		}
	}
	return false
}

// cascades reports whether a definition acts on deletes cascaded from a resource-group delete:
// only Indexed definitions, with cascadeBehaviors.resourceGroup deny (the default).
func cascades(d *policy.Definition) bool {
	if d.EffectiveMode() != policy.ModeIndexed {
		return false
	}
	if d.Rule.Then.Details != nil {
		if b, ok := d.Rule.Then.Details.CascadeBehaviors["resourcegroup"]; ok {
			return b == "deny"
		}
	}
	return true
}

func conflictEffect(d *policy.Definition) policy.Effect {
	if d.Rule.Then.Details != nil && d.Rule.Then.Details.ConflictEffect != "" {
		return d.Rule.Then.Details.ConflictEffect
	}
	return policy.EffectDeny
}

// evaluate runs one target's rule. It returns nil when the rule does not apply (mode) or does
// not match; an outcome with Err when the evaluation failed; otherwise the matched outcome,
// unless an exemption covers it.
func (s *Snapshot) evaluate(t target, ctx *decideCtx, resource map[string]any) *Outcome {
	m, req, eff, chain, now := t.m, ctx.req, t.eff, ctx.chain, ctx.now
	policyObj := m.policyObj
	newOutcome := func() *Outcome {
		out := &Outcome{
			Assignment: t.c.a, Definition: m.def, Set: t.c.set, Reference: m.ref, Effect: eff,
			MFA: m.readsAuth, AssignmentParameters: m.paramsJSON, params: m.params,
		}
		out.Message = t.c.a.Message(out.ReferenceID())
		return out
	}
	if m.effectErr != nil {
		out := newOutcome()
		out.Err = m.effectErr
		return s.unlessExempt(out, req, chain, now)
	}
	preq := policy.Request{Operation: req.Operation, Resource: resource}
	if ok, _ := m.def.AppliesTo(&preq, eff); !ok {
		return nil
	}
	in := &eval.Input{
		Resource: resource, Parameters: m.params, RequestContext: req.RequestContext,
		Policy: policyObj, ResourceGroup: req.ResourceGroup, Subscription: req.Subscription, Now: now,
	}
	matched, err := m.def.Rule.If.Eval(in)
	if err != nil {
		out := newOutcome()
		out.Err = err
		_, out.Evaluated, _ = m.def.Rule.If.EvalTrace(in)
		return s.unlessExempt(out, req, chain, now)
	}
	if !matched {
		return nil
	}
	out := newOutcome()
	if eff == policy.EffectDeny || eff == policy.EffectDenyAction {
		// A refusal reports Azure's evaluationDetails; audit events do not carry them, so the
		// trace is built only here.
		_, out.Evaluated, _ = m.def.Rule.If.EvalTrace(in)
	}
	return s.unlessExempt(out, req, chain, now)
}

// unlessExempt drops an outcome that an exemption covers. Exemptions at the resource's scope or
// above, for this assignment (and member), not expired, whose selectors pick the resource.
func (s *Snapshot) unlessExempt(out *Outcome, req *Request, chain []string, now time.Time) *Outcome {
	sub := subject(req)
	for _, scope := range chain {
		for _, e := range s.exemptions[scope] {
			if !strings.EqualFold(e.PolicyAssignmentID, out.Assignment.ID) || e.Expired(now) || !e.Covers(out.ReferenceID()) {
				continue
			}
			if !policy.SelectsResource(e.ResourceSelectors, sub) {
				continue
			}
			return nil
		}
	}
	return out
}

// policyObject is what policy() returns for a member.
func (c *compiled) policyObject(m *member) map[string]any {
	obj := map[string]any{"assignmentId": c.a.ID, "definitionId": m.def.ID, "setDefinitionId": "", "definitionReferenceId": ""}
	if c.set != nil {
		obj["setDefinitionId"] = c.set.ID
	}
	if m.ref != nil {
		obj["definitionReferenceId"] = m.ref.PolicyDefinitionReferenceID
	}
	return obj
}

// errorf builds an error for conflicts found while applying changes.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
