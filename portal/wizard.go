package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// wizardTabs are the Assign policy wizard's tabs, in Azure's order.
var wizardTabs = []struct{ Key, Label string }{
	{"basics", "Basics"}, {"parameters", "Parameters"}, {"noncompliance", "Non-compliance messages"}, {"review", "Review + create"},
}

// selectorKinds are the resource selector kinds an assignment accepts.
var selectorKinds = []string{"resourceLocation", "resourceType", "resourceWithoutLocation"}

// kindForm is one kind of a resource selector as the wizard shows it: a
// toggle, an operator (in or notIn) and the values chosen.
type kindForm struct {
	Kind, Op string
	On       bool
	Values   []string
}

// selectorForm is one "Add a resource selector" entry: a name and a
// toggle per selector kind (Azure's resourceLocation, resourceType,
// resourceWithoutLocation).
type selectorForm struct {
	Name  string
	Kinds []kindForm
}

// newSelectorForm is an empty resource selector with every kind off.
func newSelectorForm() selectorForm {
	sf := selectorForm{}
	for _, k := range selectorKinds {
		sf.Kinds = append(sf.Kinds, kindForm{Kind: k, Op: "in"})
	}
	return sf
}

// overrideForm is one "Add a policy effect override" row: the effect and
// the resources (by region) it applies to.
type overrideForm struct {
	Value string
	Sel   kindForm
}

// wizardForm is everything the wizard's tabs hold. It is posted whole on
// every tab change, so nothing is lost between tabs.
type wizardForm struct {
	Edit                            bool
	AssignmentID, Name              string
	Tab                             string
	Scope                           string
	NotScopes                       string // one scope id per line
	DefinitionID, DefinitionVersion string
	DefQuery                        string
	DisplayName, Description        string
	Enforcement                     string // "Enabled" or "Disabled"
	Selectors                       []selectorForm
	Overrides                       []overrideForm
	Params                          map[string]string
	OnlyNeeded                      bool
	DefaultMessage                  string
	// AssignedBy is the signed-in user's name, recorded in the
	// assignment's metadata as the Azure portal does.
	AssignedBy  string
	RefMessages map[string]string
	// Errors are validation messages keyed by form field ("scope",
	// "sel.0", "param.effect", …); "" holds errors with no field.
	Errors map[string]string
}

// wizardData is the wizard page's model.
type wizardData struct {
	F           *wizardForm
	Tabs        []struct{ Key, Label string }
	Scopes      []*scopeNode
	Definitions []*definition
	Definition  *definition
	Locations   []location
	Kinds       []string
	Body        string // the JSON Review + create shows and Create sends
	Path        string
	// Exclusions are the scopes below the assignment's scope offered as
	// check boxes; OtherExclusions the excluded ids typed by hand.
	Exclusions      []exclusionChoice
	OtherExclusions string
	// Prev and Next are the neighbouring tabs of the current one.
	Prev, Next string
}

// ListsSelected reports whether the selected definition is among the
// search results (otherwise it is added to the drop-down on its own).
func (d wizardData) ListsSelected() bool {
	for _, def := range d.Definitions {
		if strings.EqualFold(def.ID, d.F.DefinitionID) {
			return true
		}
	}
	return false
}

// ParamValue is what a parameter's input shows: the value entered, else
// the default.
func (d wizardData) ParamValue(pd parameterDef) string {
	if v, ok := d.F.Params[pd.Name]; ok {
		return v
	}
	return pd.DefaultText()
}

// assignmentPath is the ARM path of the assignment the form creates or
// edits.
func (f *wizardForm) assignmentPath() string {
	if f.Edit {
		return f.AssignmentID
	}
	return strings.TrimSuffix(f.Scope, "/") + "/providers/Microsoft.Authorization/policyAssignments/" + f.Name
}

// namePattern is an assignment name the portal accepts.
var namePattern = regexp.MustCompile(`^[^<>*%&:\\?.+/]{1,64}$`)

// readForm decodes a posted wizard form.
func readForm(r *http.Request) *wizardForm {
	v := r.PostForm
	f := &wizardForm{Edit: v.Get("edit") == "1", AssignmentID: v.Get("assignmentId"), Name: v.Get("name"),
		Tab: v.Get("tab"), Scope: strings.TrimSpace(v.Get("scope")), NotScopes: mergeLines(v.Get("notScopes"), v["notScopes.pick"]),
		DefinitionID: v.Get("definitionId"), DefinitionVersion: strings.TrimSpace(v.Get("definitionVersion")),
		DefQuery: v.Get("defq"), DisplayName: strings.TrimSpace(v.Get("displayName")), Description: v.Get("description"),
		Enforcement: v.Get("enforcement"), OnlyNeeded: v.Get("onlyNeeded") != "", DefaultMessage: v.Get("ncm.default"),
		Params: map[string]string{}, RefMessages: map[string]string{}, Errors: map[string]string{}}
	n, _ := strconv.Atoi(v.Get("sel.count"))
	for i := 0; i < n && i < 10; i++ {
		k := "sel." + strconv.Itoa(i) + "."
		sf := selectorForm{Name: v.Get(k + "name")}
		for _, kind := range selectorKinds {
			kk := k + kind + "."
			sf.Kinds = append(sf.Kinds, kindForm{Kind: kind, On: v.Get(kk+"on") != "", Op: opOr(v.Get(kk + "op")), Values: v[kk+"values"]})
		}
		f.Selectors = append(f.Selectors, sf)
	}
	n, _ = strconv.Atoi(v.Get("ov.count"))
	for i := 0; i < n && i < 10; i++ {
		k := "ov." + strconv.Itoa(i) + "."
		f.Overrides = append(f.Overrides, overrideForm{Value: v.Get(k + "value"),
			Sel: kindForm{Kind: "resourceLocation", On: true, Op: opOr(v.Get(k + "op")), Values: v[k+"values"]}})
	}
	for key, vals := range v {
		if name, ok := strings.CutPrefix(key, "param."); ok && len(vals) > 0 {
			f.Params[name] = vals[0]
		}
		if ref, ok := strings.CutPrefix(key, "ncm.ref."); ok && len(vals) > 0 {
			f.RefMessages[ref] = vals[0]
		}
	}
	if f.Enforcement == "" {
		f.Enforcement = "Enabled"
	}
	return f
}

// mergeLines joins the text area's lines and the picked ids, once each
// (ids compare ignoring case, as ARM's do).
func mergeLines(text string, picks []string) string {
	seen := map[string]bool{}
	var out []string
	for _, l := range append(strings.Split(text, "\n"), picks...) {
		l = strings.TrimSpace(l)
		if l != "" && !seen[strings.ToLower(l)] {
			seen[strings.ToLower(l)] = true
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// exclusionChoice is a scope inside the assignment's scope that the
// Exclusions picker offers.
type exclusionChoice struct {
	ID, Label, Kind string
	Depth           int
	Checked         bool
}

// exclusionChoices lists the scopes of the tree below scope, and returns
// the excluded ids that are not among them (resources, typed by hand).
func exclusionChoices(tree []*scopeNode, scope, notScopes string) ([]exclusionChoice, string) {
	excluded := map[string]bool{}
	for _, l := range strings.Split(notScopes, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			excluded[strings.ToLower(l)] = true
		}
	}
	var out []exclusionChoice
	offered := map[string]bool{}
	// Everything below the tree node that is the scope is inside it
	// (subscriptions below a management group, resource groups below a
	// subscription).
	var walk func(nodes []*scopeNode, inside bool, depth int)
	walk = func(nodes []*scopeNode, inside bool, depth int) {
		for _, n := range nodes {
			key := strings.ToLower(n.ID)
			d := depth
			if inside {
				out = append(out, exclusionChoice{ID: n.ID, Label: n.Label, Kind: n.Kind, Depth: min(depth, 3), Checked: excluded[key]})
				offered[key] = true
				d++
			}
			walk(n.Children, inside || strings.EqualFold(n.ID, scope), d)
		}
	}
	walk(tree, false, 0)
	var rest []string
	for _, l := range strings.Split(notScopes, "\n") {
		if l = strings.TrimSpace(l); l != "" && !offered[strings.ToLower(l)] {
			rest = append(rest, l)
		}
	}
	return out, strings.Join(rest, "\n")
}

// formFromAssignment fills the wizard from a stored assignment (Edit
// assignment).
func formFromAssignment(a *assignment) *wizardForm {
	pr := a.Props
	f := &wizardForm{Edit: true, AssignmentID: a.ID, Name: a.Name, Tab: "basics", Scope: pr.Scope,
		NotScopes: strings.Join(pr.NotScopes, "\n"), DefinitionID: pr.PolicyDefinitionID, DefinitionVersion: pr.DefinitionVersion,
		DisplayName: pr.DisplayName, Description: pr.Description, Enforcement: "Enabled", OnlyNeeded: true,
		Params: map[string]string{}, RefMessages: map[string]string{}, Errors: map[string]string{}}
	if strings.EqualFold(pr.EnforcementMode, "DoNotEnforce") {
		f.Enforcement = "Disabled"
	}
	for _, rs := range pr.ResourceSelectors {
		sf := newSelectorForm()
		sf.Name = rs.Name
		for _, sel := range rs.Selectors {
			for i := range sf.Kinds {
				if strings.EqualFold(sf.Kinds[i].Kind, sel.Kind) {
					sf.Kinds[i] = kindFormOf(sel)
				}
			}
		}
		f.Selectors = append(f.Selectors, sf)
	}
	for _, o := range pr.Overrides {
		of := overrideForm{Value: o.Value, Sel: kindForm{Kind: "resourceLocation", On: true, Op: "in"}}
		if len(o.Selectors) > 0 {
			of.Sel = kindFormOf(o.Selectors[0])
		}
		f.Overrides = append(f.Overrides, of)
	}
	for k, pv := range pr.Parameters {
		if s, ok := pv.Value.(string); ok {
			f.Params[k] = s
		} else {
			b, _ := json.Marshal(pv.Value)
			f.Params[k] = string(b)
		}
	}
	for _, m := range pr.NonComplianceMessages {
		if m.PolicyDefinitionReferenceID == "" {
			f.DefaultMessage = m.Message
		} else {
			f.RefMessages[m.PolicyDefinitionReferenceID] = m.Message
		}
	}
	return f
}

// kindFormOf turns a REST selector into its form row.
func kindFormOf(s selector) kindForm {
	kf := kindForm{Kind: s.Kind, On: true, Op: "in", Values: s.In}
	if len(s.NotIn) > 0 {
		kf.Op, kf.Values = "notIn", s.NotIn
	}
	return kf
}

// opOr defaults an operator to "in".
func opOr(op string) string {
	if op == "notIn" {
		return op
	}
	return "in"
}

// toSelector turns a form row into the REST selector.
func (s kindForm) toSelector() selector {
	out := selector{Kind: s.Kind}
	vals := s.Values
	if vals == nil {
		vals = []string{}
	}
	if s.Op == "notIn" {
		out.NotIn = vals
	} else {
		out.In = vals
	}
	return out
}

// body builds the exact request body Create/Save sends, validating what
// the form itself can check against the chosen definition.
func (f *wizardForm) body(def *definition) ([]byte, error) {
	if f.Scope == "" {
		f.Errors["scope"] = "Select a scope."
	}
	if def == nil {
		f.Errors["definitionId"] = "Select a policy definition."
	}
	if f.DisplayName == "" {
		f.Errors["displayName"] = "The assignment name is required."
	} else if len(f.DisplayName) > 128 {
		f.Errors["displayName"] = "The assignment name can be at most 128 characters."
	}
	if !f.Edit && !namePattern.MatchString(f.Name) {
		f.Errors["name"] = "The resource name is not valid."
	}
	pr := assignmentProps{DisplayName: f.DisplayName, Description: f.Description, DefinitionVersion: f.DefinitionVersion,
		EnforcementMode: "Default"}
	if f.AssignedBy != "" {
		pr.Metadata = map[string]any{"assignedBy": f.AssignedBy}
	}
	if def != nil {
		pr.PolicyDefinitionID = def.ID
	}
	if f.Enforcement == "Disabled" {
		pr.EnforcementMode = "DoNotEnforce"
	}
	for _, line := range strings.Split(f.NotScopes, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			pr.NotScopes = append(pr.NotScopes, line)
		}
	}
	for i, sf := range f.Selectors {
		key := "sel." + strconv.Itoa(i)
		name := strings.TrimSpace(sf.Name)
		if name == "" {
			f.Errors[key] = "Give the resource selector a name."
		}
		rs := resourceSelector{Name: name, Selectors: []selector{}}
		for _, k := range sf.Kinds {
			if !k.On {
				continue
			}
			if len(k.Values) == 0 {
				f.Errors[key] = "Choose at least one value for " + k.Kind + "."
			}
			rs.Selectors = append(rs.Selectors, k.toSelector())
		}
		if len(rs.Selectors) == 0 && f.Errors[key] == "" {
			f.Errors[key] = "Turn on at least one selector kind."
		}
		pr.ResourceSelectors = append(pr.ResourceSelectors, rs)
	}
	for i, o := range f.Overrides {
		if o.Value == "" {
			f.Errors["ov."+strconv.Itoa(i)] = "Choose the effect."
			continue
		}
		ov := override{Kind: "policyEffect", Value: o.Value}
		if len(o.Sel.Values) > 0 {
			ov.Selectors = []selector{o.Sel.toSelector()}
		}
		pr.Overrides = append(pr.Overrides, ov)
	}
	if def != nil {
		pr.Parameters = map[string]paramValue{}
		for _, pd := range def.Parameters {
			raw, ok := f.Params[pd.Name]
			if !ok || strings.TrimSpace(raw) == "" {
				if !pd.HasDefault() {
					f.Errors["param."+pd.Name] = "A value is required."
				}
				continue
			}
			v, err := parameterValue(pd, raw)
			if err != nil {
				f.Errors["param."+pd.Name] = err.Error()
				continue
			}
			pr.Parameters[pd.Name] = paramValue{Value: v}
		}
		if len(pr.Parameters) == 0 {
			pr.Parameters = nil
		}
	}
	if m := strings.TrimSpace(f.DefaultMessage); m != "" {
		pr.NonComplianceMessages = append(pr.NonComplianceMessages, nonComplianceMessage{Message: m})
	}
	refs := make([]string, 0, len(f.RefMessages))
	for ref := range f.RefMessages {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	for _, ref := range refs {
		if m := strings.TrimSpace(f.RefMessages[ref]); m != "" {
			pr.NonComplianceMessages = append(pr.NonComplianceMessages, nonComplianceMessage{Message: m, PolicyDefinitionReferenceID: ref})
		}
	}
	return json.MarshalIndent(map[string]any{"properties": pr}, "", "  ")
}

// parameterValue converts a parameter's text to its declared type.
func parameterValue(pd parameterDef, raw string) (any, error) {
	raw = strings.TrimSpace(raw)
	switch strings.ToLower(pd.Type) {
	case "string", "datetime", "":
		return raw, nil
	case "integer":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", raw)
		}
		return n, nil
	case "float":
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", raw)
		}
		return x, nil
	case "boolean":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", raw)
		}
		return b, nil
	default: // array, object
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("enter JSON (%v)", err)
		}
		return v, nil
	}
}

// fieldOf maps an ARM error target ("properties.resourceSelectors[0]…")
// to the form field it concerns.
func fieldOf(target string) string {
	t := strings.TrimPrefix(target, "properties.")
	lower := strings.ToLower(t)
	index := func(prefix string) string {
		rest := t[len(prefix):]
		if strings.HasPrefix(rest, "[") {
			if end := strings.Index(rest, "]"); end > 0 {
				return rest[1:end]
			}
		}
		return "0"
	}
	switch {
	case strings.HasPrefix(lower, "resourceselectors"):
		return "sel." + index("resourceSelectors")
	case strings.HasPrefix(lower, "overrides"):
		return "ov." + index("overrides")
	case strings.HasPrefix(lower, "parameters."):
		name, _, _ := strings.Cut(t[len("parameters."):], ".")
		return "param." + name
	case strings.HasPrefix(lower, "noncompliancemessages"):
		return "ncm"
	case strings.HasPrefix(lower, "policydefinitionid"):
		return "definitionId"
	case strings.HasPrefix(lower, "definitionversion"):
		return "definitionVersion"
	case strings.HasPrefix(lower, "notscopes"):
		return "notScopes"
	case strings.HasPrefix(lower, "displayname"):
		return "displayName"
	case strings.HasPrefix(lower, "enforcementmode"):
		return "enforcement"
	}
	return ""
}

// tabOf is the wizard tab a form field is on.
func tabOf(field string) string {
	switch {
	case strings.HasPrefix(field, "param."):
		return "parameters"
	case field == "ncm":
		return "noncompliance"
	}
	return "basics"
}
