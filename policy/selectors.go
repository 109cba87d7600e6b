package policy

import "strings"

// SelectorSubject is what selectors look at: the resource's location and type, and (for
// overrides) the initiative member's reference id.
type SelectorSubject struct {
	Location    string // normalised; empty for resources without a location
	Type        string
	ReferenceID string
}

// Matches reports whether the selector holds for the subject. A resourceLocation selector does
// not hold for a resource without a location; resourceWithoutLocation with "in" selects exactly
// those (https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#resource-selectors).
func (s *Selector) Matches(sub SelectorSubject) bool {
	var value string
	switch s.Kind {
	case SelectorResourceLocation:
		if sub.Location == "" {
			return false
		}
		value = sub.Location
	case SelectorResourceType:
		value = sub.Type
	case SelectorPolicyDefinitionReferenceID:
		value = sub.ReferenceID
	case SelectorResourceWithoutLocation:
		without := sub.Location == ""
		if len(s.In) > 0 {
			return without
		}
		return !without
	default:
		return false
	}
	if len(s.In) > 0 {
		return containsFold(s.In, value, s.Kind == SelectorResourceLocation)
	}
	return !containsFold(s.NotIn, value, s.Kind == SelectorResourceLocation)
}

func containsFold(list []string, v string, location bool) bool {
	for _, e := range list {
		if location {
			e = NormalizeLocation(e)
		}
		if strings.EqualFold(e, v) {
			return true
		}
	}
	return false
}

// NormalizeLocation turns a region display name into ARM's name: "East US 2" → "eastus2".
func NormalizeLocation(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// matchesAll reports whether every selector holds.
func matchesAll(sels []Selector, sub SelectorSubject) bool {
	for i := range sels {
		if !sels[i].Matches(sub) {
			return false
		}
	}
	return true
}

// SelectsResource reports whether resource selectors pick the subject: true when there are
// none, else when every selector of at least one resource selector holds.
func SelectsResource(rs []ResourceSelector, sub SelectorSubject) bool {
	if len(rs) == 0 {
		return true
	}
	for i := range rs {
		if matchesAll(rs[i].Selectors, sub) {
			return true
		}
	}
	return false
}

// EffectOverride returns the effect the first matching policyEffect override sets for the
// subject, if any. Overrides are evaluated in the order given.
func (a *Assignment) EffectOverride(sub SelectorSubject) (Effect, bool) {
	for i := range a.Overrides {
		ov := &a.Overrides[i]
		if ov.Kind != OverridePolicyEffect || !matchesAll(ov.Selectors, sub) {
			continue
		}
		if e, ok := ParseEffect(ov.Value); ok {
			return e, true
		}
	}
	return "", false
}

// DefinitionVersionOverride returns the definition version pattern ("2.*.*") the first matching
// definitionVersion override sets for the subject, if any: it replaces the assignment's own
// definitionVersion for the resources its selectors pick, so that a new version of a definition
// can be rolled out region by region. Overrides are evaluated in the order given.
func (a *Assignment) DefinitionVersionOverride(sub SelectorSubject) (string, bool) {
	for i := range a.Overrides {
		ov := &a.Overrides[i]
		if ov.Kind == OverrideDefinitionVersion && ov.Value != "" && matchesAll(ov.Selectors, sub) {
			return ov.Value, true
		}
	}
	return "", false
}

// Message returns the non-compliance message for a member (reference id "" for a single
// definition): the member's own message first, else the default one.
func (a *Assignment) Message(referenceID string) string {
	def := ""
	for _, m := range a.NonComplianceMessages {
		if m.PolicyDefinitionReferenceID == "" {
			def = m.Message
		} else if referenceID != "" && strings.EqualFold(m.PolicyDefinitionReferenceID, referenceID) {
			return m.Message
		}
	}
	return def
}
