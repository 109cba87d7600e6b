package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Definition is a policy definition (Microsoft.Authorization/policyDefinitions), decoded,
// validated and compiled. Build one with ParseDefinition; the zero value is not usable.
type Definition struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`

	DisplayName string         `json:"displayName,omitempty"`
	Description string         `json:"description,omitempty"`
	PolicyType  string         `json:"policyType,omitempty"`
	Mode        string         `json:"mode,omitempty"` // as written; see EffectiveMode
	Metadata    map[string]any `json:"metadata,omitempty"`
	Version     string         `json:"version,omitempty"`
	Versions    []string       `json:"versions,omitempty"`
	Parameters  Parameters     `json:"parameters,omitempty"`
	// PolicyRule is the rule as written (if/then), kept for round-tripping.
	PolicyRule map[string]any `json:"policyRule"`

	// Rule is the compiled rule; nil for resource-provider modes, which Palisade decodes and
	// reports but does not evaluate.
	Rule *Rule `json:"-"`

	mode string // canonical mode, computed once (the decision path asks for it on every request)
	// typeGuard lists the resource types the rule can match at all (lower case), read from a
	// top-level {"field":"type","equals"|"in": …} condition; nil when the rule does not say.
	typeGuard map[string]bool
}

// CanMatchType reports whether the rule could match a resource of the given type. It is false
// only when the rule's top level requires another type, so the decision can skip the rule
// without evaluating it.
func (d *Definition) CanMatchType(typ string) bool {
	return d.typeGuard == nil || d.typeGuard[strings.ToLower(typ)]
}

// InspectsTags reports whether the rule's if condition reads a tags-related field (tags,
// tags['name'] in any spelling, directly, through field() or in a count). Azure enforces only
// such definitions on a PATCH that changes nothing but tags. It is worked out once, when the
// rule is compiled; a definition Palisade does not evaluate (resource-provider modes) inspects
// nothing.
func (d *Definition) InspectsTags() bool {
	return d.Rule != nil && d.Rule.If != nil && d.Rule.If.InspectsTags()
}

// CanMatchLowerType is CanMatchType for a type already in lower case: the decision lowers the
// request's type once and asks every rule above the resource.
func (d *Definition) CanMatchLowerType(lowerType string) bool {
	return d.typeGuard == nil || d.typeGuard[lowerType]
}

// computeTypeGuard reads the resource types a rule can match from its conditions: a
// {"field":"type","equals"|"in": literal} leaf bounds the types; allOf is bounded by any bounded
// member; anyOf by the union of its members when every one is bounded. nil means unbounded.
func computeTypeGuard(rule map[string]any) map[string]bool {
	ifv, _ := object(rule).get("if")
	return typeGuard(ifv)
}

func typeGuard(v any) map[string]bool {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	o := object(m)
	if all, ok := o.get("allOf"); ok && len(m) == 1 {
		list, _ := all.([]any)
		for _, c := range list {
			if g := typeGuard(c); g != nil {
				return g
			}
		}
		return nil
	}
	if anyv, ok := o.get("anyOf"); ok && len(m) == 1 {
		list, _ := anyv.([]any)
		union := map[string]bool{}
		for _, c := range list {
			g := typeGuard(c)
			if g == nil {
				return nil
			}
			for t := range g {
				union[t] = true
			}
		}
		if len(union) == 0 {
			return nil
		}
		return union
	}
	if len(m) != 2 {
		return nil
	}
	if f, _ := o.get("field"); f == nil || !strings.EqualFold(fmt.Sprint(f), "type") {
		return nil
	}
	var types []any
	if v, ok := o.get("equals"); ok {
		types = []any{v}
	} else if v, ok := o.get("in"); ok {
		types, _ = v.([]any)
	}
	if len(types) == 0 {
		return nil
	}
	guard := map[string]bool{}
	for _, t := range types {
		s, ok := t.(string)
		if !ok || expr.IsExpression(s) {
			return nil
		}
		guard[strings.ToLower(s)] = true
	}
	return guard
}

// Modes. https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics#mode
const (
	ModeAll     = "All"
	ModeIndexed = "Indexed"
)

// resourceProviderModes are the modes that evaluate data-plane or provider-specific content.
var resourceProviderModes = map[string]string{
	"microsoft.kubernetes.data":                 "Microsoft.Kubernetes.Data",
	"microsoft.keyvault.data":                   "Microsoft.KeyVault.Data",
	"microsoft.network.data":                    "Microsoft.Network.Data",
	"microsoft.managedhsm.data":                 "Microsoft.ManagedHSM.Data",
	"microsoft.datafactory.data":                "Microsoft.DataFactory.Data",
	"microsoft.machinelearningservices.v2.data": "Microsoft.MachineLearningServices.v2.Data",
	"microsoft.machinelearningservices.data":    "Microsoft.MachineLearningServices.Data",
	"microsoft.containerservice.data":           "Microsoft.ContainerService.Data",
	"microsoft.cognitiveservices.data":          "Microsoft.CognitiveServices.Data",
	"microsoft.loadtestservice.data":            "Microsoft.LoadTestService.Data",
}

// EffectiveMode is the canonical mode: All, Indexed (also when absent, as Azure treats a missing
// mode), or a resource-provider mode such as Microsoft.Kubernetes.Data.
func (d *Definition) EffectiveMode() string {
	if d.mode == "" {
		return canonicalMode(d.Mode)
	}
	return d.mode
}

func canonicalMode(m string) string {
	switch strings.ToLower(m) {
	case "", "indexed":
		return ModeIndexed
	case "all":
		return ModeAll
	}
	if rp, ok := resourceProviderModes[strings.ToLower(m)]; ok {
		return rp
	}
	return m
}

func validMode(m string) bool {
	switch strings.ToLower(m) {
	case "all", "indexed":
		return true
	}
	_, ok := resourceProviderModes[strings.ToLower(m)]
	return ok
}

// Evaluated reports whether Palisade's engine evaluates this definition (Resource Manager modes).
func (d *Definition) Evaluated() bool {
	m := d.EffectiveMode()
	return m == ModeAll || m == ModeIndexed
}

// Options configure decoding.
type Options struct {
	// Aliases resolves alias names; nil means the built-in catalogue.
	Aliases *aliases.Catalog
}

var versionPattern = regexp.MustCompile(`(?i)^\d+\.\d+\.\d+(-preview)?$`)

var policyTypes = map[string]string{
	"notspecified": "NotSpecified", "builtin": "BuiltIn", "custom": "Custom", "static": "Static",
}

// ParseDefinition decodes and validates a policy definition in either layout Azure uses: the full
// resource ({"id","name","properties":{…}}) or the bare properties object. Every problem is
// reported (as Errors) with the JSON path where it is.
func ParseDefinition(data []byte, opts Options) (*Definition, error) {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, Errors{{Reason: fmt.Sprintf("the document is not valid JSON: %v", err)}}
	}
	return DefinitionFromValue(v, opts)
}

// DefinitionFromValue is ParseDefinition for a value already decoded with expr.DecodeJSON.
func DefinitionFromValue(v any, opts Options) (*Definition, error) {
	root, ok := v.(map[string]any)
	if !ok {
		return nil, Errors{{Reason: fmt.Sprintf("a policy definition must be a JSON object, got %s", expr.TypeName(v))}}
	}
	var errs errorList
	d := &Definition{}
	props, base := splitLayout(root, &errs)
	if props == nil {
		return nil, errs.errs
	}
	d.ID, d.Name = object(root).str("id"), object(root).str("name")
	if base == "" {
		d.ID, d.Name = "", ""
	}
	p := object(props)
	checkKnownProperties(props, base, "a policy definition", &errs, definitionProperties...)
	d.decodeCommon(p, base, &errs)
	if !d.builtIn() {
		checkCount(p, base, "parameters", len(d.Parameters), MaxDefinitionParameters, &errs)
	}
	d.mode = canonicalMode(d.Mode)
	if pr, ok := p.get("policyRule"); ok {
		rulePath := childPath(base, p.key("policyRule"))
		rm, isObj := pr.(map[string]any)
		if !isObj {
			errs.add(rulePath, "policyRule must be an object, got %s", expr.TypeName(pr))
		} else {
			d.PolicyRule = rm
			if d.Evaluated() {
				d.Rule = compileRule(rm, rulePath, d.Parameters, opts, &errs)
				d.typeGuard = computeTypeGuard(rm)
			} else {
				checkRuleShape(rm, rulePath, &errs)
				checkParameterRefs(rm, rulePath, d.Parameters, &errs)
			}
		}
	} else {
		errs.add(base, "policyRule is required")
	}
	if err := errs.errs.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

// splitLayout finds the properties object: root.properties in the full-resource layout, root
// itself in the bare layout. base is the JSON path prefix of the properties.
func splitLayout(root map[string]any, errs *errorList) (props map[string]any, base string) {
	o := object(root)
	if pv, ok := o.get("properties"); ok {
		pm, isObj := pv.(map[string]any)
		if !isObj {
			errs.add(o.key("properties"), "properties must be an object, got %s", expr.TypeName(pv))
			return nil, ""
		}
		return pm, o.key("properties")
	}
	return root, ""
}

// decodeCommon reads the fields definitions and initiatives share.
func (d *Definition) decodeCommon(p object, base string, errs *errorList) {
	d.DisplayName, d.Description = p.str("displayName"), p.str("description")
	d.PolicyType = decodePolicyType(p, base, errs)
	// Azure enforces these lengths on what users create; its own library (BuiltIn, Static) has
	// longer names, so they are not checked there.
	strict := !d.builtIn()
	if strict {
		checkLength(p, base, "displayName", 128, errs)
		checkLength(p, base, "description", 512, errs)
	}
	if mv, ok := p.get("mode"); ok && mv != nil {
		ms, isStr := mv.(string)
		switch {
		case !isStr:
			errs.add(childPath(base, p.key("mode")), "mode must be a string, got %s", expr.TypeName(mv))
		case validMode(ms):
			d.Mode = ms
		default:
			errs.add(childPath(base, p.key("mode")), "unknown mode '%s': use All, Indexed or a resource provider mode such as Microsoft.Kubernetes.Data", ms)
		}
	}
	d.Metadata = decodeMetadata(p, base, errs)
	d.Version, d.Versions = decodeVersions(p, base, errs)
	pv, _ := p.get("parameters")
	d.Parameters = decodeParameters(pv, childPath(base, p.key("parameters")), strict, errs)
}

// definitionProperties are the members of a definition's properties
// (PolicyDefinitionProperties in the REST API specification, Azure/azure-rest-api-specs
// specification/resources/resource-manager/Microsoft.Authorization/policy/models.tsp).
var definitionProperties = []string{
	"policyType", "mode", "displayName", "description", "policyRule", "metadata", "parameters",
	"version", "versions", "externalEvaluationEnforcementSettings",
}

// Limits on what users create, from
// https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-policy-limits.
// Azure's own library exceeds the first (built-ins with 22 parameters), so the limits are applied
// to custom definitions and initiatives only.
const (
	MaxDefinitionParameters = 20   // parameters of a policy definition
	MaxSetParameters        = 400  // parameters of an initiative
	MaxSetMembers           = 1000 // policy definitions in an initiative
)

// checkCount reports a list or object property with more than max entries.
func checkCount(p object, base, name string, n, max int, errs *errorList) {
	if n > max {
		errs.add(childPath(base, p.key(name)), "%s has %d entries (the limit is %d)", name, n, max)
	}
}

// builtIn reports whether the document belongs to Azure's (or Palisade's) own library.
func (d *Definition) builtIn() bool { return d.PolicyType == "BuiltIn" || d.PolicyType == "Static" }

func checkLength(p object, base, name string, max int, errs *errorList) {
	v, ok := p.get(name)
	if !ok || v == nil {
		return
	}
	s, isStr := v.(string)
	if !isStr {
		errs.add(childPath(base, p.key(name)), "%s must be a string, got %s", name, expr.TypeName(v))
		return
	}
	if n := len([]rune(s)); n > max {
		errs.add(childPath(base, p.key(name)), "%s is %d characters long (the limit is %d)", name, n, max)
	}
}

func decodePolicyType(p object, base string, errs *errorList) string {
	v, ok := p.get("policyType")
	if !ok || v == nil {
		return ""
	}
	s, _ := v.(string)
	canon, known := policyTypes[strings.ToLower(s)]
	if !known {
		errs.add(childPath(base, p.key("policyType")), "unknown policyType %s: use NotSpecified, BuiltIn, Custom or Static", render(v))
		return s
	}
	return canon
}

func decodeMetadata(p object, base string, errs *errorList) map[string]any {
	v, ok := p.get("metadata")
	if !ok || v == nil {
		return nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		errs.add(childPath(base, p.key("metadata")), "metadata must be an object, got %s", expr.TypeName(v))
	}
	return m
}

func decodeVersions(p object, base string, errs *errorList) (string, []string) {
	var version string
	if v, ok := p.get("version"); ok && v != nil {
		s, isStr := v.(string)
		if !isStr || !versionPattern.MatchString(s) {
			errs.add(childPath(base, p.key("version")), "version %s is not of the form major.minor.patch (optionally -preview)", render(v))
		}
		version = s
	}
	var versions []string
	if v, ok := p.get("versions"); ok && v != nil {
		arr, isArr := v.([]any)
		if !isArr {
			errs.add(childPath(base, p.key("versions")), "versions must be an array of version strings, got %s", expr.TypeName(v))
			return version, nil
		}
		for i, e := range arr {
			s, isStr := e.(string)
			if !isStr || !versionPattern.MatchString(s) {
				errs.add(indexPath(childPath(base, p.key("versions")), i), "version %s is not of the form major.minor.patch (optionally -preview)", render(e))
				continue
			}
			versions = append(versions, s)
		}
	}
	return version, versions
}

// checkRuleShape checks what can be checked of a resource-provider-mode rule without evaluating
// it: an if and a then with an effect.
func checkRuleShape(rule map[string]any, path string, errs *errorList) {
	r := object(rule)
	if _, ok := r.get("if"); !ok {
		errs.add(path, "policyRule needs an 'if' condition")
	}
	t, ok := r.get("then")
	if !ok {
		errs.add(path, "policyRule needs a 'then' block")
		return
	}
	tm, isObj := t.(map[string]any)
	if !isObj {
		errs.add(childPath(path, r.key("then")), "'then' must be an object")
		return
	}
	if _, ok := object(tm).get("effect"); !ok {
		errs.add(childPath(path, r.key("then")), "'then' needs an 'effect'")
	}
}

// compileRule validates and compiles if/then.
func compileRule(rule map[string]any, path string, params Parameters, opts Options, errs *errorList) *Rule {
	r := object(rule)
	for _, k := range sortedKeys(rule) {
		switch strings.ToLower(k) {
		case "if", "then":
		default:
			errs.add(childPath(path, k), "unknown policyRule property '%s': a rule has 'if' and 'then'", k)
		}
	}
	ifv, ok := r.get("if")
	if !ok {
		errs.add(path, "policyRule needs an 'if' condition")
		return nil
	}
	copts := eval.Options{Aliases: opts.Aliases, Parameters: params.Types()}
	cond, err := eval.Compile(ifv, childPath(path, r.key("if")), copts)
	errs.merge(childPath(path, r.key("if")), err)
	thenv, ok := r.get("then")
	if !ok {
		errs.add(path, "policyRule needs a 'then' block")
		return nil
	}
	then := decodeThen(thenv, childPath(path, r.key("then")), params, opts, errs)
	if cond == nil || then == nil {
		return nil
	}
	return &Rule{If: cond, Then: then, params: params}
}
