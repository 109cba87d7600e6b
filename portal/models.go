package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// armObject is the common shape of an ARM object as the portal reads it.
type armObject struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Location   string          `json:"location,omitempty"`
	Tags       map[string]any  `json:"tags,omitempty"`
	Properties json.RawMessage `json:"properties,omitempty"`
	Raw        json.RawMessage `json:"-"`
}

func decodeObjects(raws []json.RawMessage) ([]armObject, error) {
	out := make([]armObject, 0, len(raws))
	for _, r := range raws {
		var o armObject
		if err := json.Unmarshal(r, &o); err != nil {
			return nil, fmt.Errorf("decode ARM object: %w", err)
		}
		o.Raw = r
		out = append(out, o)
	}
	return out, nil
}

// parameterDef is one definition parameter.
type parameterDef struct {
	Name          string
	Type          string `json:"type"`
	AllowedValues []any  `json:"allowedValues"`
	DefaultValue  any    `json:"defaultValue"`
	Metadata      struct {
		DisplayName string `json:"displayName"`
		Description string `json:"description"`
	} `json:"metadata"`
}

// DefaultText is the default value as the parameter input shows it:
// strings as they are, anything else as JSON.
func (p parameterDef) DefaultText() string {
	if s, ok := p.DefaultValue.(string); ok {
		return s
	}
	if p.DefaultValue == nil {
		return ""
	}
	b, _ := json.Marshal(p.DefaultValue)
	return string(b)
}

// Allowed are the allowed values as text, for a drop-down.
func (p parameterDef) Allowed() []string {
	out := make([]string, 0, len(p.AllowedValues))
	for _, v := range p.AllowedValues {
		if s, ok := v.(string); ok {
			out = append(out, s)
		} else {
			b, _ := json.Marshal(v)
			out = append(out, string(b))
		}
	}
	return out
}

// HasDefault reports whether the parameter has a default value.
func (p parameterDef) HasDefault() bool { return p.DefaultValue != nil }

// definition is a policy definition or an initiative as the Definitions
// blade lists it.
type definition struct {
	ID, Name, DisplayName, Description, PolicyType, Category, Mode, Version string
	Versions                                                                []string
	// Initiative is true for a policySetDefinition.
	Initiative bool
	Parameters []parameterDef
	// Rule is the policyRule (definitions) or policyDefinitions
	// (initiatives) as raw JSON.
	Rule json.RawMessage
	// ReferenceIDs are an initiative's policyDefinitionReferenceIds.
	ReferenceIDs []string
	Raw          json.RawMessage
}

// Kind is "Policy" or "Initiative", the Definitions blade's "Definition type".
func (d *definition) Kind() string {
	if d.Initiative {
		return "Initiative"
	}
	return "Policy"
}

// Effects are the values the definition's effect parameter allows, the
// choices of a policy effect override.
func (d *definition) Effects() []string {
	for _, p := range d.Parameters {
		if strings.EqualFold(p.Name, "effect") && len(p.AllowedValues) > 0 {
			out := make([]string, 0, len(p.AllowedValues))
			for _, v := range p.AllowedValues {
				out = append(out, fmt.Sprint(v))
			}
			return out
		}
	}
	var rule struct {
		Then struct {
			Effect string `json:"effect"`
		} `json:"then"`
	}
	if json.Unmarshal(d.Rule, &rule) == nil && rule.Then.Effect != "" && !strings.HasPrefix(rule.Then.Effect, "[") {
		return []string{rule.Then.Effect}
	}
	return []string{"Audit", "Deny", "Disabled"}
}

func decodeDefinition(raw json.RawMessage, initiative bool) (*definition, error) {
	var o struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties struct {
			DisplayName string                     `json:"displayName"`
			Description string                     `json:"description"`
			PolicyType  string                     `json:"policyType"`
			Mode        string                     `json:"mode"`
			Version     string                     `json:"version"`
			Versions    []string                   `json:"versions"`
			Metadata    map[string]any             `json:"metadata"`
			Parameters  map[string]json.RawMessage `json:"parameters"`
			PolicyRule  json.RawMessage            `json:"policyRule"`
			Refs        json.RawMessage            `json:"policyDefinitions"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("decode definition: %w", err)
	}
	pr := o.Properties
	d := &definition{ID: o.ID, Name: o.Name, DisplayName: pr.DisplayName, Description: pr.Description,
		PolicyType: pr.PolicyType, Mode: pr.Mode, Version: pr.Version, Versions: pr.Versions, Initiative: initiative, Raw: raw}
	if d.DisplayName == "" {
		d.DisplayName = d.Name
	}
	if c, ok := pr.Metadata["category"].(string); ok {
		d.Category = c
	}
	for name, rawP := range pr.Parameters {
		var pd parameterDef
		if err := json.Unmarshal(rawP, &pd); err != nil {
			return nil, fmt.Errorf("decode parameter %q of %s: %w", name, o.ID, err)
		}
		pd.Name = name
		d.Parameters = append(d.Parameters, pd)
	}
	sort.Slice(d.Parameters, func(i, j int) bool { return d.Parameters[i].Name < d.Parameters[j].Name })
	d.Rule = pr.PolicyRule
	if initiative {
		d.Rule = pr.Refs
		var refs []struct {
			RefID string `json:"policyDefinitionReferenceId"`
		}
		_ = json.Unmarshal(pr.Refs, &refs)
		for _, r := range refs {
			d.ReferenceIDs = append(d.ReferenceIDs, r.RefID)
		}
	}
	return d, nil
}

// definitions lists the built-in and custom definitions and initiatives
// visible in the subscription, sorted by display name.
func (p *Portal) loadDefinitions(ctx context.Context, token, sub string) ([]*definition, error) {
	if p.cfg.Store != nil {
		p.cache.mu.Lock()
		cached, ok := p.cache.definitions[strings.ToLower(sub)]
		p.cache.mu.Unlock()
		if ok {
			// The list is shared by every user; the subscription read
			// check keeps it to those who may see it.
			if err := p.checkRead(ctx, token, sub); err != nil {
				return nil, err
			}
			return cached, nil
		}
	}
	out, err := p.fetchDefinitions(ctx, token, sub)
	if err != nil || p.cfg.Store == nil {
		return out, err
	}
	p.cache.mu.Lock()
	if p.cache.definitions == nil {
		p.cache.definitions = map[string][]*definition{}
	}
	p.cache.definitions[strings.ToLower(sub)] = out
	p.cache.mu.Unlock()
	return out, nil
}

// fetchDefinitions lists definitions and initiatives through ARM.
func (p *Portal) fetchDefinitions(ctx context.Context, token, sub string) ([]*definition, error) {
	var out []*definition
	for _, kind := range []struct {
		typ        string
		initiative bool
	}{{"policyDefinitions", false}, {"policySetDefinitions", true}} {
		raws, err := p.list(ctx, token, withVersion("/subscriptions/"+sub+"/providers/Microsoft.Authorization/"+kind.typ, verPolicy), 0)
		if err != nil {
			return nil, err
		}
		for _, r := range raws {
			d, err := decodeDefinition(r, kind.initiative)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].DisplayName) < strings.ToLower(out[j].DisplayName)
	})
	return out, nil
}

// loadDefinition reads one definition or initiative by id.
func (p *Portal) loadDefinition(ctx context.Context, token, id string) (*definition, error) {
	var raw json.RawMessage
	if err := p.get(ctx, token, withVersion(id, verPolicy), &raw); err != nil {
		return nil, err
	}
	return decodeDefinition(raw, strings.Contains(strings.ToLower(id), "/policysetdefinitions/"))
}

// matches reports whether every word of q occurs in the definition's
// name, display name, description, category or id.
func (d *definition) matches(q string) bool {
	hay := strings.ToLower(d.DisplayName + " " + d.Name + " " + d.Description + " " + d.Category + " " + d.ID)
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// assignment is a policy assignment as the portal reads it.
type assignment struct {
	ID, Name string
	Props    assignmentProps
	Raw      json.RawMessage
}

// assignmentProps are the properties of a policy assignment the portal
// edits (the REST shape of Microsoft.Authorization/policyAssignments).
type assignmentProps struct {
	DisplayName           string                 `json:"displayName,omitempty"`
	Description           string                 `json:"description,omitempty"`
	PolicyDefinitionID    string                 `json:"policyDefinitionId"`
	DefinitionVersion     string                 `json:"definitionVersion,omitempty"`
	Scope                 string                 `json:"scope,omitempty"`
	NotScopes             []string               `json:"notScopes,omitempty"`
	Parameters            map[string]paramValue  `json:"parameters,omitempty"`
	EnforcementMode       string                 `json:"enforcementMode,omitempty"`
	NonComplianceMessages []nonComplianceMessage `json:"nonComplianceMessages,omitempty"`
	ResourceSelectors     []resourceSelector     `json:"resourceSelectors,omitempty"`
	Overrides             []override             `json:"overrides,omitempty"`
	Metadata              map[string]any         `json:"metadata,omitempty"`
}

type paramValue struct {
	Value any `json:"value"`
}

type nonComplianceMessage struct {
	Message                     string `json:"message"`
	PolicyDefinitionReferenceID string `json:"policyDefinitionReferenceId,omitempty"`
}

type selector struct {
	Kind  string   `json:"kind"`
	In    []string `json:"in,omitempty"`
	NotIn []string `json:"notIn,omitempty"`
}

type resourceSelector struct {
	Name      string     `json:"name"`
	Selectors []selector `json:"selectors"`
}

type override struct {
	Kind      string     `json:"kind"`
	Value     string     `json:"value"`
	Selectors []selector `json:"selectors,omitempty"`
}

func decodeAssignment(raw json.RawMessage) (*assignment, error) {
	var o struct {
		ID         string          `json:"id"`
		Name       string          `json:"name"`
		Properties assignmentProps `json:"properties"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("decode assignment: %w", err)
	}
	return &assignment{ID: o.ID, Name: o.Name, Props: o.Properties, Raw: raw}, nil
}

// loadAssignments lists the assignments that apply to the subscription
// (at it, above it and below it).
func (p *Portal) loadAssignments(ctx context.Context, token, sub string) ([]*assignment, error) {
	if p.cfg.Store != nil {
		if err := p.checkRead(ctx, token, sub); err != nil {
			return nil, err
		}
		all, err := p.storeAssignments(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]*assignment, 0, len(all))
		for _, a := range all {
			if appliesTo(a, sub) {
				out = append(out, a)
			}
		}
		return out, nil
	}
	raws, err := p.list(ctx, token, withVersion("/subscriptions/"+sub+"/providers/Microsoft.Authorization/policyAssignments", verPolicy), 0)
	if err != nil {
		return nil, err
	}
	out := make([]*assignment, 0, len(raws))
	for _, r := range raws {
		a, err := decodeAssignment(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
