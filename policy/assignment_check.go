package policy

import (
	"strings"
)

// Target is what an assignment assigns: one definition, or an initiative and its member
// definitions by reference id.
type Target struct {
	Definition *Definition
	Set        *SetDefinition
	// Members maps each policyDefinitionReferenceId (any case) of Set to its definition.
	Members map[string]*Definition
}

// Parameters returns the parameters the assignment must fill: the definition's or the
// initiative's.
func (t Target) Parameters() Parameters {
	if t.Set != nil {
		return t.Set.Parameters
	}
	if t.Definition != nil {
		return t.Definition.Parameters
	}
	return Parameters{}
}

// member finds a member definition by reference id, case-insensitively.
func (t Target) member(ref string) (*Definition, bool) {
	for k, d := range t.Members {
		if strings.EqualFold(k, ref) {
			return d, true
		}
	}
	return nil, false
}

// possibleEffects lists the effects the target's rules can take, for override validation.
func (t Target) possibleEffects(refs []string) []Effect {
	var out []Effect
	add := func(d *Definition) {
		if d != nil && d.Rule != nil {
			out = append(out, d.Rule.Then.PossibleEffects...)
		}
	}
	if t.Set == nil {
		add(t.Definition)
		return out
	}
	if len(refs) == 0 {
		for _, d := range t.Members {
			add(d)
		}
		return out
	}
	for _, r := range refs {
		d, _ := t.member(r)
		add(d)
	}
	return out
}

// CheckAgainst validates what depends on the assigned definition: parameter values (types,
// allowed values, required parameters), override values (an effect the rule can take), and
// reference ids in selectors and messages (members of the initiative). Paths are as in the
// assignment's full-resource layout.
func (a *Assignment) CheckAgainst(t Target) error {
	var errs errorList
	if _, err := t.Parameters().AssignmentParameters(a.Parameters); err != nil {
		if es, ok := err.(Errors); ok {
			for _, e := range es {
				errs.add(childPath("properties.parameters", e.Path), "%s", e.Reason)
			}
		} else {
			errs.add("properties.parameters", "%v", err)
		}
	}
	for i, m := range a.NonComplianceMessages {
		if m.PolicyDefinitionReferenceID == "" {
			continue
		}
		p := indexPath("properties.nonComplianceMessages", i) + ".policyDefinitionReferenceId"
		if t.Set == nil {
			errs.add(p, "policyDefinitionReferenceId can only be used when an initiative is assigned")
		} else if _, ok := t.member(m.PolicyDefinitionReferenceID); !ok {
			errs.add(p, "the initiative has no member with policyDefinitionReferenceId '%s'", m.PolicyDefinitionReferenceID)
		}
	}
	for i, ov := range a.Overrides {
		op := indexPath("properties.overrides", i)
		var refs []string
		for j, s := range ov.Selectors {
			if s.Kind != SelectorPolicyDefinitionReferenceID {
				continue
			}
			if t.Set == nil {
				errs.add(indexPath(op+".selectors", j), "policyDefinitionReferenceId selectors can only be used when an initiative is assigned")
				continue
			}
			for _, r := range append(append([]string{}, s.In...), s.NotIn...) {
				if _, ok := t.member(r); !ok {
					errs.add(indexPath(op+".selectors", j), "the initiative has no member with policyDefinitionReferenceId '%s'", r)
				}
			}
			refs = append(refs, s.In...)
		}
		if ov.Kind != OverridePolicyEffect {
			continue
		}
		eff, _ := ParseEffect(ov.Value)
		possible := t.possibleEffects(refs)
		found := false
		for _, p := range possible {
			if p == eff {
				found = true
			}
		}
		if !found && len(possible) > 0 {
			names := make([]string, 0, len(possible))
			for _, p := range possible {
				names = append(names, p.Pascal())
			}
			errs.add(op+".value", "the override effect '%s' is not one the policy allows (%s)", ov.Value, strings.Join(dedupe(names), ", "))
		}
	}
	return errs.errs.Err()
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[strings.ToLower(s)] {
			seen[strings.ToLower(s)] = true
			out = append(out, s)
		}
	}
	return out
}
