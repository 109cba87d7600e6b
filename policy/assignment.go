package policy

import (
	"fmt"
	"strings"

	"github.com/palisade/palisade/policy/expr"
)

// Assignment is a policy assignment (Microsoft.Authorization/policyAssignments): a definition or
// initiative applied at a scope, with parameters, exclusions, selectors and overrides.
// https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure
type Assignment struct {
	ID       string         `json:"id,omitempty"`
	Name     string         `json:"name,omitempty"`
	Location string         `json:"location,omitempty"`
	Identity map[string]any `json:"identity,omitempty"`

	DisplayName           string                 `json:"displayName,omitempty"`
	Description           string                 `json:"description,omitempty"`
	PolicyDefinitionID    string                 `json:"policyDefinitionId"`
	DefinitionVersion     string                 `json:"definitionVersion,omitempty"`
	Scope                 string                 `json:"scope,omitempty"`
	NotScopes             []string               `json:"notScopes,omitempty"`
	Parameters            map[string]any         `json:"parameters,omitempty"` // name → {"value": …}
	Metadata              map[string]any         `json:"metadata,omitempty"`
	EnforcementMode       string                 `json:"enforcementMode,omitempty"`
	NonComplianceMessages []NonComplianceMessage `json:"nonComplianceMessages,omitempty"`
	ResourceSelectors     []ResourceSelector     `json:"resourceSelectors,omitempty"`
	Overrides             []Override             `json:"overrides,omitempty"`
	AssignmentType        string                 `json:"assignmentType,omitempty"`
}

// Enforcement modes. DoNotEnforce evaluates without enforcing and writes no policy events.
const (
	EnforcementDefault      = "Default"
	EnforcementDoNotEnforce = "DoNotEnforce"
	EnforcementEnroll       = "Enroll"
)

// NonComplianceMessage is a message shown when a resource is denied or found non-compliant; with
// a policyDefinitionReferenceId it applies to that member of an initiative only.
type NonComplianceMessage struct {
	Message                     string `json:"message"`
	PolicyDefinitionReferenceID string `json:"policyDefinitionReferenceId,omitempty"`
}

// ResourceSelector narrows the resources an assignment (or exemption) applies to: the resource
// must match every selector of at least one resource selector.
type ResourceSelector struct {
	Name      string     `json:"name"`
	Selectors []Selector `json:"selectors"`
}

// Selector is one condition of a resource selector or override.
type Selector struct {
	Kind  string   `json:"kind"`
	In    []string `json:"in,omitempty"`
	NotIn []string `json:"notIn,omitempty"`
}

// Override changes an assignment's effect (kind policyEffect) or definition version (kind
// definitionVersion) for the resources its selectors pick. Overrides apply in order.
type Override struct {
	Kind      string     `json:"kind"`
	Value     string     `json:"value"`
	Selectors []Selector `json:"selectors,omitempty"`
}

// Selector kinds.
const (
	SelectorResourceLocation            = "resourceLocation"
	SelectorResourceType                = "resourceType"
	SelectorResourceWithoutLocation     = "resourceWithoutLocation"
	SelectorPolicyDefinitionReferenceID = "policyDefinitionReferenceId"
)

// Override kinds.
const (
	OverridePolicyEffect      = "policyEffect"
	OverrideDefinitionVersion = "definitionVersion"
)

// Limits from the assignment-structure page.
const (
	maxResourceSelectors = 10
	maxOverrides         = 10
	maxSelectorValues    = 50
	maxNotScopes         = 400
)

// ParseAssignment decodes and checks an assignment in either layout. Checks that need the
// assigned definition (parameters, override values) are in Assignment.CheckAgainst.
func ParseAssignment(data []byte) (*Assignment, error) {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, Errors{{Reason: fmt.Sprintf("the document is not valid JSON: %v", err)}}
	}
	return AssignmentFromValue(v)
}

// AssignmentFromValue is ParseAssignment for a decoded value.
func AssignmentFromValue(v any) (*Assignment, error) {
	root, ok := v.(map[string]any)
	if !ok {
		return nil, Errors{{Reason: fmt.Sprintf("a policy assignment must be a JSON object, got %s", expr.TypeName(v))}}
	}
	var errs errorList
	props, base := splitLayout(root, &errs)
	if props == nil {
		return nil, errs.errs
	}
	r := object(root)
	a := &Assignment{}
	if base != "" {
		a.ID, a.Name, a.Location = r.str("id"), r.str("name"), r.str("location")
		if idv, ok := r.get("identity"); ok && idv != nil {
			m, isObj := idv.(map[string]any)
			if !isObj {
				errs.add(r.key("identity"), "identity must be an object")
			}
			a.Identity = m
			checkIdentity(m, r.key("identity"), &errs)
		}
	}
	p := object(props)
	a.DisplayName, a.Description = p.str("displayName"), p.str("description")
	checkLength(p, base, "displayName", 128, &errs)
	checkLength(p, base, "description", 512, &errs)
	a.PolicyDefinitionID = p.str("policyDefinitionId")
	if a.PolicyDefinitionID == "" {
		errs.add(childPath(base, "policyDefinitionId"), "policyDefinitionId is required")
	} else if !IsDefinitionID(a.PolicyDefinitionID) && !IsSetDefinitionID(a.PolicyDefinitionID) {
		errs.add(childPath(base, p.key("policyDefinitionId")), "'%s' is not a policy definition or policy set definition id", a.PolicyDefinitionID)
	}
	a.DefinitionVersion = p.str("definitionVersion")
	if a.DefinitionVersion != "" && !definitionVersionPattern.MatchString(a.DefinitionVersion) {
		errs.add(childPath(base, p.key("definitionVersion")), "definitionVersion '%s' is not of the form 1.*.* or 1.2.3", a.DefinitionVersion)
	}
	a.Scope = p.str("scope")
	a.NotScopes = stringList(p, "notScopes", base, &errs)
	if len(a.NotScopes) > maxNotScopes {
		errs.add(childPath(base, p.key("notScopes")), "an assignment can exclude at most %d scopes, got %d", maxNotScopes, len(a.NotScopes))
	}
	if pv, ok := p.get("parameters"); ok && pv != nil {
		m, isObj := pv.(map[string]any)
		if !isObj {
			errs.add(childPath(base, p.key("parameters")), "parameters must be an object of {\"value\": …} entries")
		}
		a.Parameters = m
	}
	a.Metadata = decodeMetadata(p, base, &errs)
	a.EnforcementMode = decodeEnforcementMode(p, base, &errs)
	a.NonComplianceMessages = decodeMessages(p, base, &errs)
	a.ResourceSelectors = decodeResourceSelectors(p, base, &errs)
	a.Overrides = decodeOverrides(p, base, &errs)
	a.AssignmentType = p.str("assignmentType")
	if err := errs.errs.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// IsDefinitionID reports whether id names a policy definition (at any scope).
func IsDefinitionID(id string) bool {
	return strings.Contains(strings.ToLower(id), "/providers/microsoft.authorization/policydefinitions/")
}

// IsSetDefinitionID reports whether id names a policy set definition (initiative).
func IsSetDefinitionID(id string) bool {
	return strings.Contains(strings.ToLower(id), "/providers/microsoft.authorization/policysetdefinitions/")
}

// Enforced reports whether the assignment's effects are enforced (enforcementMode Default).
func (a *Assignment) Enforced() bool {
	return a.EnforcementMode == "" || strings.EqualFold(a.EnforcementMode, EnforcementDefault)
}

func decodeEnforcementMode(p object, base string, errs *errorList) string {
	v, ok := p.get("enforcementMode")
	if !ok || v == nil {
		return EnforcementDefault
	}
	s, _ := v.(string)
	for _, m := range []string{EnforcementDefault, EnforcementDoNotEnforce, EnforcementEnroll} {
		if strings.EqualFold(s, m) {
			return m
		}
	}
	errs.add(childPath(base, p.key("enforcementMode")), "enforcementMode must be Default, DoNotEnforce or Enroll, got %s", render(v))
	return s
}

// checkIdentity checks an assignment's identity: its type, and that a user-assigned identity
// names exactly one identity, as an assignment has at most one
// (https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#identity).
func checkIdentity(m map[string]any, path string, errs *errorList) {
	if m == nil {
		return
	}
	o := object(m)
	t := o.str("type")
	switch strings.ToLower(t) {
	case "systemassigned", "none":
	case "userassigned":
		uv, _ := o.get("userAssignedIdentities")
		ua, isObj := uv.(map[string]any)
		up := childPath(path, o.key("userAssignedIdentities"))
		switch {
		case uv != nil && !isObj:
			errs.add(up, "userAssignedIdentities must be an object keyed by identity resource id")
		case len(ua) != 1:
			errs.add(up, "a policy assignment has at most one identity: a UserAssigned identity names exactly one user-assigned identity, got %d", len(ua))
		}
	default:
		errs.add(childPath(path, "type"), "identity type must be SystemAssigned, UserAssigned or None, got '%s'", t)
	}
}

func decodeMessages(p object, base string, errs *errorList) []NonComplianceMessage {
	v, ok := p.get("nonComplianceMessages")
	if !ok || v == nil {
		return nil
	}
	path := childPath(base, p.key("nonComplianceMessages"))
	arr, isArr := v.([]any)
	if !isArr {
		errs.add(path, "nonComplianceMessages must be an array")
		return nil
	}
	var out []NonComplianceMessage
	seen := map[string]bool{}
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "a non-compliance message must be an object with 'message'")
			continue
		}
		o := object(m)
		msg := NonComplianceMessage{Message: o.str("message"), PolicyDefinitionReferenceID: o.str("policyDefinitionReferenceId")}
		if strings.TrimSpace(msg.Message) == "" {
			errs.add(ep, "a non-compliance message needs a non-empty 'message'")
		}
		key := strings.ToLower(msg.PolicyDefinitionReferenceID)
		if seen[key] {
			if key == "" {
				errs.add(ep, "only one default non-compliance message (without policyDefinitionReferenceId) is allowed")
			} else {
				errs.add(ep, "policyDefinitionReferenceId '%s' already has a non-compliance message", msg.PolicyDefinitionReferenceID)
			}
		}
		seen[key] = true
		out = append(out, msg)
	}
	return out
}

// decodeSelectors checks a selectors array. allowed lists the kinds permitted where it appears.
func decodeSelectors(v any, path string, allowed []string, errs *errorList) []Selector {
	arr, ok := v.([]any)
	if !ok {
		errs.add(path, "selectors must be an array")
		return nil
	}
	var out []Selector
	kinds := map[string]bool{}
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "a selector must be an object with 'kind' and 'in' or 'notIn'")
			continue
		}
		o := object(m)
		s := Selector{Kind: canonicalKind(o.str("kind"), allowed)}
		if s.Kind == "" {
			errs.add(childPath(ep, o.key("kind")), "selector kind %s is not allowed here: use %s", render(o.str("kind")), strings.Join(allowed, ", "))
			continue
		}
		if kinds[s.Kind] {
			errs.add(ep, "the selector kind '%s' appears more than once", s.Kind)
		}
		kinds[s.Kind] = true
		_, hasIn := o.get("in")
		_, hasNotIn := o.get("notIn")
		if hasIn == hasNotIn {
			errs.add(ep, "a selector needs exactly one of 'in' or 'notIn'")
		}
		s.In = stringList(o, "in", ep, errs)
		s.NotIn = stringList(o, "notIn", ep, errs)
		if n := len(s.In) + len(s.NotIn); n > maxSelectorValues {
			errs.add(ep, "a selector can list at most %d values, got %d", maxSelectorValues, n)
		} else if n == 0 && hasIn != hasNotIn {
			errs.add(ep, "a selector needs at least one value")
		}
		if s.Kind == SelectorResourceWithoutLocation {
			for _, val := range append(append([]string{}, s.In...), s.NotIn...) {
				if !strings.EqualFold(val, "subscriptionLevelResources") {
					errs.add(ep, "resourceWithoutLocation only supports the value 'subscriptionLevelResources', got '%s'", val)
				}
			}
		}
		out = append(out, s)
	}
	if kinds[SelectorResourceLocation] && kinds[SelectorResourceWithoutLocation] {
		errs.add(path, "resourceLocation and resourceWithoutLocation cannot be combined in one resource selector")
	}
	return out
}

func canonicalKind(k string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(k, a) {
			return a
		}
	}
	return ""
}

// decodeResourceSelectors reads resourceSelectors (of an assignment or an exemption).
// https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#resource-selectors
func decodeResourceSelectors(p object, base string, errs *errorList) []ResourceSelector {
	v, ok := p.get("resourceSelectors")
	if !ok || v == nil {
		return nil
	}
	path := childPath(base, p.key("resourceSelectors"))
	arr, isArr := v.([]any)
	if !isArr {
		errs.add(path, "resourceSelectors must be an array")
		return nil
	}
	if len(arr) > maxResourceSelectors {
		errs.add(path, "at most %d resource selectors are allowed, got %d", maxResourceSelectors, len(arr))
	}
	var out []ResourceSelector
	names := map[string]bool{}
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "a resource selector must be an object with 'name' and 'selectors'")
			continue
		}
		o := object(m)
		rs := ResourceSelector{Name: o.str("name")}
		if rs.Name == "" {
			errs.add(ep, "a resource selector needs a 'name'")
		} else if names[strings.ToLower(rs.Name)] {
			errs.add(childPath(ep, o.key("name")), "resource selector name '%s' is used twice", rs.Name)
		}
		names[strings.ToLower(rs.Name)] = true
		sv, ok := o.get("selectors")
		if !ok {
			errs.add(ep, "a resource selector needs 'selectors'")
			continue
		}
		rs.Selectors = decodeSelectors(sv, childPath(ep, o.key("selectors")),
			[]string{SelectorResourceLocation, SelectorResourceType, SelectorResourceWithoutLocation}, errs)
		out = append(out, rs)
	}
	return out
}

// decodeOverrides reads overrides.
// https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#overrides
func decodeOverrides(p object, base string, errs *errorList) []Override {
	v, ok := p.get("overrides")
	if !ok || v == nil {
		return nil
	}
	path := childPath(base, p.key("overrides"))
	arr, isArr := v.([]any)
	if !isArr {
		errs.add(path, "overrides must be an array")
		return nil
	}
	if len(arr) > maxOverrides {
		errs.add(path, "at most %d overrides are allowed, got %d", maxOverrides, len(arr))
	}
	var out []Override
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "an override must be an object with 'kind' and 'value'")
			continue
		}
		o := object(m)
		ov := Override{Kind: canonicalKind(o.str("kind"), []string{OverridePolicyEffect, OverrideDefinitionVersion}), Value: o.str("value")}
		if ov.Kind == "" {
			errs.add(childPath(ep, o.key("kind")), "override kind %s is not supported: use policyEffect or definitionVersion", render(o.str("kind")))
			continue
		}
		if ov.Value == "" {
			errs.add(ep, "an override needs a 'value'")
		}
		if ov.Kind == OverridePolicyEffect && ov.Value != "" {
			if _, known := ParseEffect(ov.Value); !known {
				errs.add(childPath(ep, o.key("value")), "'%s' is not a policy effect", ov.Value)
			}
		}
		if ov.Kind == OverrideDefinitionVersion && ov.Value != "" && !definitionVersionPattern.MatchString(ov.Value) {
			errs.add(childPath(ep, o.key("value")), "'%s' is not a definition version such as 1.*.*", ov.Value)
		}
		if sv, ok := o.get("selectors"); ok && sv != nil {
			allowed := []string{SelectorResourceLocation, SelectorPolicyDefinitionReferenceID}
			if ov.Kind == OverrideDefinitionVersion {
				allowed = []string{SelectorResourceLocation}
			}
			ov.Selectors = decodeSelectors(sv, childPath(ep, o.key("selectors")), allowed, errs)
		}
		out = append(out, ov)
	}
	return out
}
