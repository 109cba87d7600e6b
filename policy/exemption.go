package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/palisade/palisade/policy/expr"
)

// Exemption is a policy exemption (Microsoft.Authorization/policyExemptions): resources at its
// scope are evaluated but not enforced, and reported Exempt.
// https://learn.microsoft.com/azure/governance/policy/concepts/exemption-structure
type Exemption struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`

	PolicyAssignmentID           string             `json:"policyAssignmentId"`
	PolicyDefinitionReferenceIDs []string           `json:"policyDefinitionReferenceIds,omitempty"`
	ExemptionCategory            string             `json:"exemptionCategory"`
	ExpiresOn                    *time.Time         `json:"expiresOn,omitempty"`
	DisplayName                  string             `json:"displayName,omitempty"`
	Description                  string             `json:"description,omitempty"`
	Metadata                     map[string]any     `json:"metadata,omitempty"`
	ResourceSelectors            []ResourceSelector `json:"resourceSelectors,omitempty"`
	AssignmentScopeValidation    string             `json:"assignmentScopeValidation,omitempty"`
}

// Exemption categories.
const (
	ExemptionWaiver    = "Waiver"
	ExemptionMitigated = "Mitigated"
)

// ParseExemption decodes and checks an exemption in either layout.
func ParseExemption(data []byte) (*Exemption, error) {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, Errors{{Reason: fmt.Sprintf("the document is not valid JSON: %v", err)}}
	}
	return ExemptionFromValue(v)
}

// ExemptionFromValue is ParseExemption for a decoded value.
func ExemptionFromValue(v any) (*Exemption, error) {
	root, ok := v.(map[string]any)
	if !ok {
		return nil, Errors{{Reason: fmt.Sprintf("a policy exemption must be a JSON object, got %s", expr.TypeName(v))}}
	}
	var errs errorList
	props, base := splitLayout(root, &errs)
	if props == nil {
		return nil, errs.errs
	}
	e := &Exemption{}
	if base != "" {
		e.ID, e.Name = object(root).str("id"), object(root).str("name")
	}
	p := object(props)
	e.PolicyAssignmentID = p.str("policyAssignmentId")
	if e.PolicyAssignmentID == "" {
		errs.add(childPath(base, "policyAssignmentId"), "policyAssignmentId is required")
	} else if !strings.Contains(strings.ToLower(e.PolicyAssignmentID), "/providers/microsoft.authorization/policyassignments/") {
		errs.add(childPath(base, p.key("policyAssignmentId")), "'%s' is not a policy assignment id", e.PolicyAssignmentID)
	}
	e.PolicyDefinitionReferenceIDs = stringList(p, "policyDefinitionReferenceIds", base, &errs)
	switch c := p.str("exemptionCategory"); {
	case strings.EqualFold(c, ExemptionWaiver):
		e.ExemptionCategory = ExemptionWaiver
	case strings.EqualFold(c, ExemptionMitigated):
		e.ExemptionCategory = ExemptionMitigated
	default:
		errs.add(childPath(base, p.key("exemptionCategory")), "exemptionCategory must be Waiver or Mitigated, got %s", render(c))
	}
	if ev, ok := p.get("expiresOn"); ok && ev != nil {
		s, _ := ev.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			errs.add(childPath(base, p.key("expiresOn")), "expiresOn must be an ISO 8601 date-time such as 2026-12-31T00:00:00Z, got %s", render(ev))
		} else {
			e.ExpiresOn = &t
		}
	}
	e.DisplayName, e.Description = p.str("displayName"), p.str("description")
	checkLength(p, base, "displayName", 128, &errs)
	checkLength(p, base, "description", 512, &errs)
	e.Metadata = decodeMetadata(p, base, &errs)
	e.ResourceSelectors = decodeResourceSelectors(p, base, &errs)
	switch v := p.str("assignmentScopeValidation"); {
	case v == "", strings.EqualFold(v, "Default"):
		e.AssignmentScopeValidation = "Default"
	case strings.EqualFold(v, "DoNotValidate"):
		e.AssignmentScopeValidation = "DoNotValidate"
	default:
		errs.add(childPath(base, p.key("assignmentScopeValidation")), "assignmentScopeValidation must be Default or DoNotValidate, got '%s'", v)
	}
	if err := errs.errs.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

// Expired reports whether the exemption has expired at now; an expired exemption is kept but no
// longer honoured.
func (e *Exemption) Expired(now time.Time) bool {
	return e.ExpiresOn != nil && !now.Before(*e.ExpiresOn)
}

// Covers reports whether the exemption applies to the member with the given reference id (""
// for a single-definition assignment): an exemption without reference ids covers every member.
func (e *Exemption) Covers(referenceID string) bool {
	if len(e.PolicyDefinitionReferenceIDs) == 0 {
		return true
	}
	for _, r := range e.PolicyDefinitionReferenceIDs {
		if strings.EqualFold(r, referenceID) {
			return true
		}
	}
	return false
}
