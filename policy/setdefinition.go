package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palisade/palisade/policy/expr"
)

// SetDefinition is an initiative (Microsoft.Authorization/policySetDefinitions): a group of policy
// definitions assigned together, with parameters mapped onto its members.
// https://learn.microsoft.com/azure/governance/policy/concepts/initiative-definition-structure
type SetDefinition struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`

	DisplayName            string                `json:"displayName,omitempty"`
	Description            string                `json:"description,omitempty"`
	PolicyType             string                `json:"policyType,omitempty"`
	Metadata               map[string]any        `json:"metadata,omitempty"`
	Version                string                `json:"version,omitempty"`
	Versions               []string              `json:"versions,omitempty"`
	Parameters             Parameters            `json:"parameters,omitempty"`
	PolicyDefinitions      []DefinitionReference `json:"policyDefinitions"`
	PolicyDefinitionGroups []DefinitionGroup     `json:"policyDefinitionGroups,omitempty"`
}

// DefinitionReference is one member of an initiative.
type DefinitionReference struct {
	PolicyDefinitionID          string         `json:"policyDefinitionId"`
	PolicyDefinitionReferenceID string         `json:"policyDefinitionReferenceId,omitempty"`
	DefinitionVersion           string         `json:"definitionVersion,omitempty"`
	Parameters                  map[string]any `json:"parameters,omitempty"` // name → {"value": …}
	GroupNames                  []string       `json:"groupNames,omitempty"`
}

// DefinitionGroup is one entry of policyDefinitionGroups.
type DefinitionGroup struct {
	Name                 string `json:"name"`
	DisplayName          string `json:"displayName,omitempty"`
	Category             string `json:"category,omitempty"`
	Description          string `json:"description,omitempty"`
	AdditionalMetadataID string `json:"additionalMetadataId,omitempty"`
}

var definitionVersionPattern = regexp.MustCompile(`(?i)^\d+\.(\d+|\*)\.(\d+|\*)(-preview)?$`)

// ParseSetDefinition decodes and validates an initiative in either layout (full resource or bare
// properties). Member definitions are not looked up here; the store checks they exist.
func ParseSetDefinition(data []byte) (*SetDefinition, error) {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, Errors{{Reason: fmt.Sprintf("the document is not valid JSON: %v", err)}}
	}
	return SetDefinitionFromValue(v)
}

// SetDefinitionFromValue is ParseSetDefinition for a decoded value.
func SetDefinitionFromValue(v any) (*SetDefinition, error) {
	root, ok := v.(map[string]any)
	if !ok {
		return nil, Errors{{Reason: fmt.Sprintf("a policy set definition must be a JSON object, got %s", expr.TypeName(v))}}
	}
	var errs errorList
	props, base := splitLayout(root, &errs)
	if props == nil {
		return nil, errs.errs
	}
	s := &SetDefinition{}
	if base != "" {
		s.ID, s.Name = object(root).str("id"), object(root).str("name")
	}
	var common Definition
	p := object(props)
	// PolicySetDefinitionProperties in the REST API specification; a mode is reported below.
	checkKnownProperties(props, base, "an initiative", &errs, "policyType", "displayName", "description", "metadata",
		"parameters", "policyDefinitions", "policyDefinitionGroups", "version", "versions", "mode")
	common.decodeCommon(p, base, &errs)
	if _, ok := p.get("mode"); ok {
		errs.add(childPath(base, p.key("mode")), "an initiative has no mode; its member definitions do")
	}
	s.DisplayName, s.Description, s.PolicyType = common.DisplayName, common.Description, common.PolicyType
	s.Metadata, s.Version, s.Versions, s.Parameters = common.Metadata, common.Version, common.Versions, common.Parameters
	s.PolicyDefinitionGroups = decodeGroups(p, base, &errs)
	s.PolicyDefinitions = decodeReferences(p, base, s.Parameters, s.PolicyDefinitionGroups, &errs)
	if !common.builtIn() {
		checkCount(p, base, "parameters", len(s.Parameters), MaxSetParameters, &errs)
		checkCount(p, base, "policyDefinitions", len(s.PolicyDefinitions), MaxSetMembers, &errs)
	}
	if err := errs.errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func decodeGroups(p object, base string, errs *errorList) []DefinitionGroup {
	v, ok := p.get("policyDefinitionGroups")
	if !ok || v == nil {
		return nil
	}
	path := childPath(base, p.key("policyDefinitionGroups"))
	arr, isArr := v.([]any)
	if !isArr {
		errs.add(path, "policyDefinitionGroups must be an array, got %s", expr.TypeName(v))
		return nil
	}
	var out []DefinitionGroup
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(indexPath(path, i), "a group must be an object with a name")
			continue
		}
		o := object(m)
		checkKnownProperties(m, indexPath(path, i), "a policy definition group", errs, "name", "displayName", "category", "description", "additionalMetadataId")
		g := DefinitionGroup{Name: o.str("name"), DisplayName: o.str("displayName"), Category: o.str("category"),
			Description: o.str("description"), AdditionalMetadataID: o.str("additionalMetadataId")}
		if g.Name == "" {
			errs.add(indexPath(path, i), "a group needs a name")
		}
		out = append(out, g)
	}
	return out
}

func decodeReferences(p object, base string, params Parameters, groups []DefinitionGroup, errs *errorList) []DefinitionReference {
	v, ok := p.get("policyDefinitions")
	path := childPath(base, p.key("policyDefinitions"))
	if !ok {
		errs.add(base, "policyDefinitions is required: an initiative lists at least one policy definition")
		return nil
	}
	arr, isArr := v.([]any)
	if !isArr || len(arr) == 0 {
		errs.add(path, "policyDefinitions must be a non-empty array")
		return nil
	}
	groupSet := map[string]bool{}
	for _, g := range groups {
		groupSet[strings.ToLower(g.Name)] = true
	}
	seen := map[string]int{}
	var out []DefinitionReference
	for i, e := range arr {
		ep := indexPath(path, i)
		m, ok := e.(map[string]any)
		if !ok {
			errs.add(ep, "a policy definition reference must be an object")
			continue
		}
		o := object(m)
		// latestDefinitionVersion and effectiveDefinitionVersion are read-only: Azure returns them,
		// so a document read back and written again carries them.
		checkKnownProperties(m, ep, "a policy definition reference", errs, "policyDefinitionId", "policyDefinitionReferenceId",
			"definitionVersion", "parameters", "groupNames", "latestDefinitionVersion", "effectiveDefinitionVersion")
		r := DefinitionReference{
			PolicyDefinitionID:          o.str("policyDefinitionId"),
			PolicyDefinitionReferenceID: o.str("policyDefinitionReferenceId"),
			DefinitionVersion:           o.str("definitionVersion"),
		}
		if r.PolicyDefinitionID == "" {
			errs.add(ep, "policyDefinitionId is required")
		} else if !strings.Contains(strings.ToLower(r.PolicyDefinitionID), "/providers/microsoft.authorization/policydefinitions/") {
			errs.add(childPath(ep, o.key("policyDefinitionId")), "'%s' is not a policy definition id", r.PolicyDefinitionID)
		}
		if r.PolicyDefinitionReferenceID == "" {
			// Azure generates one when absent; keep the member addressable the same way.
			r.PolicyDefinitionReferenceID = lastSegment(r.PolicyDefinitionID)
		}
		key := strings.ToLower(r.PolicyDefinitionReferenceID)
		if j, dup := seen[key]; dup {
			errs.add(childPath(ep, o.key("policyDefinitionReferenceId")), "policyDefinitionReferenceId '%s' is already used by policyDefinitions[%d]", r.PolicyDefinitionReferenceID, j)
		}
		seen[key] = i
		if r.DefinitionVersion != "" && !definitionVersionPattern.MatchString(r.DefinitionVersion) {
			errs.add(childPath(ep, o.key("definitionVersion")), "definitionVersion '%s' is not of the form 1.*.* or 1.2.3", r.DefinitionVersion)
		}
		r.Parameters = decodeReferenceParameters(o, ep, params, errs)
		if gv, ok := o.get("groupNames"); ok && gv != nil {
			r.GroupNames = stringList(o, "groupNames", ep, errs)
			if len(groups) > 0 {
				for j, g := range r.GroupNames {
					if !groupSet[strings.ToLower(g)] {
						errs.add(indexPath(childPath(ep, o.key("groupNames")), j), "group '%s' is not declared in policyDefinitionGroups", g)
					}
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// decodeReferenceParameters checks {name: {value: …}} and that expressions in the values parse
// and refer only to the initiative's own parameters.
func decodeReferenceParameters(o object, path string, params Parameters, errs *errorList) map[string]any {
	v, ok := o.get("parameters")
	if !ok || v == nil {
		return nil
	}
	pp := childPath(path, o.key("parameters"))
	m, isObj := v.(map[string]any)
	if !isObj {
		errs.add(pp, "parameters must be an object of {\"value\": …} entries")
		return nil
	}
	for _, name := range sortedKeys(m) {
		vp := childPath(pp, name)
		entry, ok := m[name].(map[string]any)
		if !ok {
			errs.add(vp, "a parameter value must be an object {\"value\": …}")
			continue
		}
		val, ok := object(entry).get("value")
		if !ok {
			errs.add(vp, "a parameter value needs 'value'")
			continue
		}
		eachExpression(val, childPath(vp, "value"), func(s, p string) {
			e, err := expr.Parse(s)
			if err != nil {
				errs.add(p, "%v", err)
				return
			}
			expr.Walk(e.Root(), func(n expr.Node) bool {
				call, ok := n.(*expr.Call)
				if !ok || call.Name != "parameters" || len(call.Args) != 1 {
					return true
				}
				if lit, ok := call.Args[0].(*expr.Literal); ok {
					if pn, ok := lit.Value.(string); ok {
						if _, declared := params.Get(pn); !declared {
							errs.add(p, "the value refers to initiative parameter '%s', which is not declared", pn)
						}
					}
				}
				return true
			})
		})
	}
	return m
}

func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// Kind says what a policy document is.
type Kind int

// Document kinds.
const (
	KindUnknown Kind = iota
	KindDefinition
	KindSetDefinition
)

// DetectKind tells a definition (has policyRule) from an initiative (has policyDefinitions), in
// either layout.
func DetectKind(v any) Kind {
	root, ok := v.(map[string]any)
	if !ok {
		return KindUnknown
	}
	props := object(root)
	if pv, ok := props.get("properties"); ok {
		if pm, ok := pv.(map[string]any); ok {
			props = object(pm)
		}
	}
	if _, ok := props.get("policyRule"); ok {
		return KindDefinition
	}
	if _, ok := props.get("policyDefinitions"); ok {
		return KindSetDefinition
	}
	return KindUnknown
}

// CheckMemberParameters validates the values the initiative passes to its member i, given the
// member's definition, as Azure does when the initiative is saved: a literal value must have
// the member parameter's type and be one of its allowedValues (PolicyParameterValueNotAllowed),
// and a value that is exactly [parameters('p')] must be valid for the member parameter with the
// initiative parameter p's default (InvalidPolicyParameters: "the default value of a policy set
// parameter referenced by policy definition … was not valid for that policy definition").
// Other expressions are resolved at assignment. Paths are as in the full-resource layout.
func (s *SetDefinition) CheckMemberParameters(i int, d *Definition) error {
	if i < 0 || i >= len(s.PolicyDefinitions) || d == nil {
		return nil
	}
	var errs errorList
	r := s.PolicyDefinitions[i]
	base := indexPath("properties.policyDefinitions", i) + ".parameters"
	for _, name := range sortedKeys(r.Parameters) {
		mp, ok := d.Parameters.Get(name)
		if !ok {
			continue // the caller reports names the definition does not have
		}
		entry, _ := r.Parameters[name].(map[string]any)
		v, ok := object(entry).get("value")
		if !ok {
			continue
		}
		vp := childPath(childPath(base, name), "value")
		str, isStr := v.(string)
		if !isStr || !expr.IsExpression(str) {
			if err := mp.Check(v); err != nil {
				errs.add(vp, "%v", err)
			}
			continue
		}
		e, err := expr.Parse(str)
		if err != nil {
			continue
		}
		ref, whole := wholeParameterRef(e)
		if !whole {
			continue
		}
		sp, ok := s.Parameters.Get(ref)
		if ok && sp.HasDefault {
			if err := mp.Check(sp.DefaultValue); err != nil {
				errs.add(vp, "the default value of initiative parameter '%s' is not valid for parameter '%s': %v", ref, name, err)
			}
		}
	}
	return errs.errs.Err()
}
