package activitylog

import (
	"strings"

	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
)

// Policy operation names. Azure names each Policy event after the effect
// (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#policy-category:
// "operationName … directly correlates to the Policy effect").
//
// auditAction and denyAction are not documented. The MFA self-enforcement
// tutorial finds the audit-mode events of both MFA definitions (the delete
// one uses AuditAction) with operationName.value ==
// 'Microsoft.Authorization/policies/audit/action', and calls the enforced
// ones "deny events" for create, update and delete alike; so Palisade
// records auditAction as audit/action and denyAction as deny/action. The
// effect itself stays visible in policies[].policyDefinitionEffect.
const (
	OperationPolicyAudit             = "Microsoft.Authorization/policies/audit/action"
	OperationPolicyDeny              = "Microsoft.Authorization/policies/deny/action"
	OperationPolicyModify            = "Microsoft.Authorization/policies/modify/action"
	OperationPolicyAppend            = "Microsoft.Authorization/policies/append/action"
	OperationPolicyAuditIfNotExists  = "Microsoft.Authorization/policies/auditIfNotExists/action"
	OperationPolicyDeployIfNotExists = "Microsoft.Authorization/policies/deployIfNotExists/action"
)

// PolicyOperation returns the operation name of the Policy event recording
// an effect.
func PolicyOperation(e policy.Effect) string {
	switch e {
	case policy.EffectAudit, policy.EffectAuditAction:
		return OperationPolicyAudit
	case policy.EffectDeny, policy.EffectDenyAction:
		return OperationPolicyDeny
	}
	return "Microsoft.Authorization/policies/" + string(e) + "/action"
}

// policyGroup is the outcomes one Policy event records.
type policyGroup struct {
	op       string
	level    string
	status   string
	name     LocalizableString // eventName
	outcomes []*decide.Outcome
}

// Policy returns the Policy events of a request-time decision, one per
// operation name with every outcome of that kind in properties.policies:
// deny/action (level Error, status Failed) for refusals, audit/action
// (Warning, Succeeded) for audits, modify/action and append/action
// (Informational, Succeeded) for changes made to the request. All are
// EndRequest events. A decision with no such outcomes gives no events.
//
// A request refused by a deny effect records no audit/action event: Azure
// evaluates deny before audit so that an undesired resource is not logged
// twice (https://learn.microsoft.com/azure/governance/policy/concepts/effects,
// "Order of evaluation"). denyAction, evaluated last, does not suppress
// the audits before it.
func (b *Builder) Policy(r *Request, dec *decide.Decision) ([]*Event, error) {
	if dec == nil {
		return nil, nil
	}
	audited := dec.Audited
	if deniedByDeny(dec.Denied) {
		audited = nil
	}
	groups := []*policyGroup{
		{op: OperationPolicyDeny, level: LevelError, status: StatusFailed, name: endRequest, outcomes: dec.Denied},
		{op: OperationPolicyAudit, level: LevelWarning, status: StatusSucceeded, name: endRequest, outcomes: audited},
		{op: OperationPolicyModify, level: LevelInformational, status: StatusSucceeded, name: endRequest, outcomes: only(dec.Modified, policy.EffectModify)},
		{op: OperationPolicyAppend, level: LevelInformational, status: StatusSucceeded, name: endRequest, outcomes: only(dec.Modified, policy.EffectAppend)},
	}
	return b.policyEvents(r, groups)
}

// deniedByDeny reports whether a refusal comes from a deny effect (not
// denyAction, and not a failed evaluation of another effect).
func deniedByDeny(denied []*decide.Outcome) bool {
	for _, o := range denied {
		if o.Effect == policy.EffectDeny {
			return true
		}
	}
	return false
}

// Existence returns the Policy events of existence checks that found the
// resource non-compliant (the outcomes for which decide.Outcome.Satisfied
// was false): auditIfNotExists/action at level Warning and
// deployIfNotExists/action at level Informational (Palisade records the
// deployment that Azure would start but does not run it), both Succeeded.
// They are BeginRequest events, as Azure names the events of the delayed
// evaluations of these two effects (activity-log-schema, Policy category:
// eventName).
func (b *Builder) Existence(r *Request, nonCompliant []*decide.Outcome) ([]*Event, error) {
	groups := []*policyGroup{
		{op: OperationPolicyAuditIfNotExists, level: LevelWarning, status: StatusSucceeded, name: beginRequest, outcomes: only(nonCompliant, policy.EffectAuditIfNotExists)},
		{op: OperationPolicyDeployIfNotExists, level: LevelInformational, status: StatusSucceeded, name: beginRequest, outcomes: only(nonCompliant, policy.EffectDeployIfNotExists)},
	}
	return b.policyEvents(r, groups)
}

func (b *Builder) policyEvents(r *Request, groups []*policyGroup) ([]*Event, error) {
	var events []*Event
	for _, g := range groups {
		if len(g.outcomes) == 0 {
			continue
		}
		action, err := r.action()
		if err != nil {
			return nil, err
		}
		e, t, err := b.base(r, action)
		if err != nil {
			return nil, err
		}
		e.EventName = g.name
		e.Category = Same(CategoryPolicy)
		e.Level = g.level
		e.Status = Same(g.status)
		e.OperationName = Operation(g.op)
		e.Properties = map[string]string{
			"isComplianceCheck": "False",
			"resourceLocation":  r.ResourceLocation,
			"ancestors":         strings.Join(r.ancestorNames(), ","),
			"policies":          decide.PoliciesJSON(g.outcomes),
			"eventCategory":     CategoryPolicy,
			"entity":            t.id,
			"message":           g.op,
			"hierarchy":         "",
		}
		events = append(events, e)
	}
	return events, nil
}

// only keeps the outcomes with effect e.
func only(outcomes []*decide.Outcome, e policy.Effect) []*decide.Outcome {
	var out []*decide.Outcome
	for _, o := range outcomes {
		if o.Effect == e {
			out = append(out, o)
		}
	}
	return out
}
