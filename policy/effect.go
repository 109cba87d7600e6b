package policy

import "strings"

// Effect is a policy effect in its canonical spelling (as Azure's docs write it). Effect values
// in definitions and assignments are compared case-insensitively: the built-ins themselves mix
// "Audit" and "audit".
type Effect string

// The effects Azure Policy knows. https://learn.microsoft.com/azure/governance/policy/concepts/effect-basics
const (
	EffectAddToNetworkGroup Effect = "addToNetworkGroup"
	EffectAppend            Effect = "append"
	EffectAudit             Effect = "audit"
	EffectAuditAction       Effect = "auditAction" // the audit form of denyAction (MFA delete definition)
	EffectAuditIfNotExists  Effect = "auditIfNotExists"
	EffectDeny              Effect = "deny"
	EffectDenyAction        Effect = "denyAction"
	EffectDeployIfNotExists Effect = "deployIfNotExists"
	EffectDisabled          Effect = "disabled"
	EffectManual            Effect = "manual"
	EffectModify            Effect = "modify"
	EffectMutate            Effect = "mutate"
	// Legacy and resource-provider-mode effects that appear in the built-in library.
	EffectEnforceRegoPolicy Effect = "enforceRegoPolicy"
	EffectEnforceSetting    Effect = "enforceSetting"
)

var effectsByLower = func() map[string]Effect {
	m := map[string]Effect{}
	for _, e := range []Effect{
		EffectAddToNetworkGroup, EffectAppend, EffectAudit, EffectAuditAction, EffectAuditIfNotExists,
		EffectDeny, EffectDenyAction, EffectDeployIfNotExists, EffectDisabled, EffectManual,
		EffectModify, EffectMutate, EffectEnforceRegoPolicy, EffectEnforceSetting,
	} {
		m[strings.ToLower(string(e))] = e
		m[string(e)] = e
		m[e.Pascal()] = e
	}
	return m
}()

// ParseEffect returns the canonical effect for a case-insensitive name.
func ParseEffect(s string) (Effect, bool) {
	if e, ok := effectsByLower[s]; ok { // the usual spellings, without allocating
		return e, true
	}
	e, ok := effectsByLower[strings.ToLower(strings.TrimSpace(s))]
	return e, ok
}

// Lower is the effect in lower case, as `palisade policy eval` prints it.
func (e Effect) Lower() string { return strings.ToLower(string(e)) }

// Pascal is the effect as Azure writes it in activity-log and PolicyViolation payloads
// ("Deny", "AuditIfNotExists").
func (e Effect) Pascal() string {
	if e == "" {
		return ""
	}
	return strings.ToUpper(string(e[:1])) + string(e[1:])
}

// Stage orders effects as Azure evaluates them during a request
// (https://learn.microsoft.com/azure/governance/policy/concepts/effect-basics#order-of-evaluation):
// disabled first, then append and modify (they may change the request), deny, audit, manual,
// auditIfNotExists, denyAction; auditIfNotExists and deployIfNotExists then run again after the
// resource provider succeeds.
func (e Effect) Stage() int {
	switch e {
	case EffectDisabled:
		return 0
	case EffectAppend, EffectModify, EffectMutate:
		return 1
	case EffectDeny:
		return 2
	case EffectAudit:
		return 3
	case EffectManual:
		return 4
	case EffectAuditIfNotExists, EffectDeployIfNotExists:
		return 5
	case EffectDenyAction, EffectAuditAction:
		return 6
	}
	return 7
}

// EvaluationOrder is the request-time order of the effects, for documentation and the CLI.
var EvaluationOrder = []Effect{
	EffectDisabled, EffectAppend, EffectModify, EffectDeny, EffectAudit, EffectManual,
	EffectAuditIfNotExists, EffectDeployIfNotExists, EffectDenyAction, EffectAuditAction,
}

// IsActionEffect reports whether the effect applies to an action (DELETE) rather than to the
// resource payload: denyAction and auditAction.
func (e Effect) IsActionEffect() bool { return e == EffectDenyAction || e == EffectAuditAction }

// IsExistenceEffect reports whether the effect checks related resources after the request.
func (e Effect) IsExistenceEffect() bool {
	return e == EffectAuditIfNotExists || e == EffectDeployIfNotExists
}
