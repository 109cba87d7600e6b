package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

// wantPath checks that err is nil when path is "" and otherwise names path (and, when reason is
// not empty, says reason there).
func wantPath(t *testing.T, err error, path, reason string) {
	t.Helper()
	if path == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("validated, want an error at %s", path)
	}
	es, ok := err.(Errors)
	if !ok {
		t.Fatalf("error %T %v, want Errors", err, err)
	}
	for _, e := range es {
		if e.Path == path && strings.Contains(e.Reason, reason) {
			return
		}
	}
	t.Fatalf("no error at %s (containing %q); got %v", path, reason, err)
}

// ruleDoc builds a bare definition with the given mode, parameters (a JSON object) and then block.
func ruleDoc(mode, params, then string) string {
	return `{"mode":"` + mode + `","parameters":` + params + `,"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":` + then + `}}`
}

// A [parameters('name')] call anywhere in the rule must name a declared parameter, also in the
// then block (details, deployment parameters, modify and append values) and in resource-provider
// mode rules; Azure refuses the definition when it is created ("The policy '…' has undefined
// parameter 'configurationUrl' which is used in the policy rule", reported for a parameter used
// only in deployment.properties.parameters: https://github.com/Azure/Community-Policy/issues/402).
// The deployment template's own parameters() calls name template parameters and are not checked.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters#using-a-parameter-value
func TestUndefinedParameterInThen(t *testing.T) {
	const role = `"roleDefinitionIds":["/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"]`
	for _, tc := range []struct {
		name, doc, path string
	}{
		{"details.name", ruleDoc("All", `{}`, `{"effect":"auditIfNotExists","details":{"type":"Microsoft.Sql/servers/auditingSettings","name":"[parameters('settingName')]"}}`),
			"policyRule.then.details.name"},
		{"deployment parameters", ruleDoc("All", `{}`, `{"effect":"deployIfNotExists","details":{"type":"a/b","`+role[1:]+`,"deployment":{"properties":{"mode":"incremental","template":{},"parameters":{"url":{"value":"[parameters('configurationUrl')]"}}}}}}`),
			"policyRule.then.details.deployment.properties.parameters.url.value"},
		{"modify value", ruleDoc("Indexed", `{}`, `{"effect":"modify","details":{`+role+`,"operations":[{"operation":"addOrReplace","field":"tags['env']","value":"[parameters('tagValue')]"}]}}`),
			"policyRule.then.details.operations[0].value"},
		{"append value", ruleDoc("All", `{}`, `{"effect":"append","details":[{"field":"tags['env']","value":"[concat('x-', parameters('tagValue'))]"}]}`),
			"policyRule.then.details[0].value"},
		{"effect expression", ruleDoc("All", `{}`, `{"effect":"[if(equals(parameters('strict'), 'yes'), 'deny', 'audit')]"}`),
			"policyRule.then.effect"},
		{"resource provider mode", ruleDoc("Microsoft.Kubernetes.Data", `{"effect":{"type":"String","defaultValue":"Audit"}}`, `{"effect":"[parameters('effect')]","details":{"values":{"excluded":"[parameters('excludedNamespaces')]"}}}`),
			"policyRule.then.details.values.excluded"},
		{"declared, other case", ruleDoc("All", `{"TagValue":{"type":"String","defaultValue":"x"}}`, `{"effect":"append","details":[{"field":"tags['env']","value":"[parameters('tagvalue')]"}]}`),
			""},
		{"template parameters are the template's", ruleDoc("All", `{"vm":{"type":"String","defaultValue":"x"}}`, `{"effect":"deployIfNotExists","details":{"type":"a/b","`+role[1:]+`,"deployment":{"properties":{"mode":"incremental","parameters":{"vmName":{"value":"[parameters('vm')]"}},"template":{"parameters":{"vmName":{"type":"string"}},"resources":[{"name":"[parameters('vmName')]"}]}}}}}`),
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDefinition([]byte(tc.doc), Options{})
			wantPath(t, err, tc.path, "does not declare")
		})
	}
}

// Azure Policy limits: 20 parameters per policy definition, 400 per initiative, 1000 policy
// definitions per initiative. Azure's own library has definitions with 22 parameters, so the
// limits apply to what users create.
// https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-policy-limits
// (MicrosoftDocs/azure-docs includes/azure-policy-limits.md)
func TestPolicyCountLimits(t *testing.T) {
	params := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"p%d":{"type":"String","defaultValue":"x"}`, i)
		}
		b.WriteString("}")
		return b.String()
	}
	members := func(n int) string {
		var b strings.Builder
		b.WriteString("[")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/d%d"}`, i)
		}
		b.WriteString("]")
		return b.String()
	}
	def := func(policyType string, n int) string {
		return `{"policyType":"` + policyType + `","mode":"All","parameters":` + params(n) + `,"policyRule":{"if":{"field":"type","equals":"a/b"},"then":{"effect":"audit"}}}`
	}
	set := func(np, nm int) string {
		return `{"policyType":"Custom","parameters":` + params(np) + `,"policyDefinitions":` + members(nm) + `}`
	}
	for _, tc := range []struct {
		name, doc, path string
		isSet           bool
	}{
		{"definition with 20 parameters", def("Custom", 20), "", false},
		{"definition with 21 parameters", def("Custom", 21), "parameters", false},
		{"built-in definition with 22 parameters", def("BuiltIn", 22), "", false},
		{"initiative with 400 parameters", set(400, 1), "", true},
		{"initiative with 401 parameters", set(401, 1), "parameters", true},
		{"initiative with 1000 members", set(0, 1000), "", true},
		{"initiative with 1001 members", set(0, 1001), "policyDefinitions", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.isSet {
				_, err = ParseSetDefinition([]byte(tc.doc))
			} else {
				_, err = ParseDefinition([]byte(tc.doc), Options{})
			}
			wantPath(t, err, tc.path, "the limit is")
		})
	}
}

// An Object parameter's schema validates its defaultValue, its allowedValues and the values
// assignments give. https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters#parameter-properties
// (the labelSelector example there is the schema used here).
func TestParameterSchemaValidatesValues(t *testing.T) {
	const schema = `{"type":"object","properties":{
		"matchLabels":{"type":"object","additionalProperties":{"type":"string"},"minProperties":1},
		"matchExpressions":{"type":"array","minItems":1,"items":{"type":"object","properties":{
			"key":{"type":"string"},
			"operator":{"type":"string","enum":["In","NotIn","Exists","DoesNotExist"]},
			"values":{"type":"array","items":{"type":"string"}}},
			"required":["key","operator"],"additionalProperties":false}}},
		"additionalProperties":false}`
	withDefault := func(dv string) string {
		return ruleDoc("Indexed", `{"labelSelector":{"type":"Object","schema":`+schema+`,"defaultValue":`+dv+`}}`, `{"effect":"audit"}`)
	}
	for _, tc := range []struct {
		name, doc, path, reason string
	}{
		{"empty default", withDefault(`{}`), "", ""},
		{"valid default", withDefault(`{"matchLabels":{"pool":"a"},"matchExpressions":[{"key":"env","operator":"NotIn","values":["dev"]}]}`), "", ""},
		{"unknown property", withDefault(`{"labels":{}}`), "parameters.labelSelector.defaultValue", "'labels' is not allowed"},
		{"wrong operator", withDefault(`{"matchExpressions":[{"key":"env","operator":"Contains"}]}`), "parameters.labelSelector.defaultValue", "matchExpressions[0].operator"},
		{"missing required key", withDefault(`{"matchExpressions":[{"operator":"In"}]}`), "parameters.labelSelector.defaultValue", "'key' is missing"},
		{"too few labels", withDefault(`{"matchLabels":{}}`), "parameters.labelSelector.defaultValue", "fewer than 1"},
		{"label not a string", withDefault(`{"matchLabels":{"a":1}}`), "parameters.labelSelector.defaultValue", "matchLabels.a"},
		{"allowed value outside the schema", ruleDoc("Indexed", `{"o":{"type":"Object","schema":{"required":["a"]},"allowedValues":[{"a":1},{"b":1}]}}`, `{"effect":"audit"}`),
			"parameters.o.allowedValues[1]", "'a' is missing"},
		{"schema not an object", ruleDoc("Indexed", `{"o":{"type":"Object","schema":"object"}}`, `{"effect":"audit"}`), "parameters.o.schema", "JSON schema object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDefinition([]byte(tc.doc), Options{})
			wantPath(t, err, tc.path, tc.reason)
		})
	}

	d, err := ParseDefinition([]byte(withDefault(`{}`)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	assigned := func(v string) map[string]any {
		m, err := expr.DecodeJSON([]byte(`{"labelSelector":{"value":` + v + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		return m.(map[string]any)
	}
	if _, err := d.Parameters.AssignmentParameters(assigned(`{"matchLabels":{"app":"web"}}`)); err != nil {
		t.Errorf("valid assigned value refused: %v", err)
	}
	_, err = d.Parameters.AssignmentParameters(assigned(`{"matchLabels":{"app":["web"]}}`))
	wantPath(t, err, "labelSelector.value", "matchLabels.app")
}

// The JSON Schema keywords a parameter schema can use, one table row per keyword.
func TestCheckSchemaKeywords(t *testing.T) {
	for _, tc := range []struct {
		schema, value string
		ok            bool
	}{
		{`{"type":"integer"}`, `3`, true},
		{`{"type":"integer"}`, `3.5`, false},
		{`{"type":["string","null"]}`, `null`, true},
		{`{"type":"number","minimum":1,"maximum":5}`, `5`, true},
		{`{"type":"number","minimum":1,"maximum":5}`, `6`, false},
		{`{"exclusiveMinimum":1}`, `1`, false},
		{`{"minimum":1,"exclusiveMinimum":true}`, `1`, false},
		{`{"multipleOf":5}`, `15`, true},
		{`{"multipleOf":5}`, `16`, false},
		{`{"minLength":2,"maxLength":3}`, `"abcd"`, false},
		{`{"pattern":"^[a-z]+$"}`, `"abc"`, true},
		{`{"pattern":"^[a-z]+$"}`, `"ab1"`, false},
		{`{"pattern":"(?<=a)b"}`, `"zz"`, true}, // not a Go pattern: not checked
		{`{"const":"x"}`, `"y"`, false},
		{`{"maxItems":1}`, `[1,2]`, false},
		{`{"uniqueItems":true}`, `[1,2,1]`, false},
		{`{"items":[{"type":"string"}],"additionalItems":false}`, `["a",1]`, false},
		{`{"maxProperties":1}`, `{"a":1,"b":2}`, false},
		{`{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`, `{"x-a":"b"}`, true},
		{`{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`, `{"y":"b"}`, false},
		{`{"allOf":[{"required":["a"]},{"required":["b"]}]}`, `{"a":1}`, false},
		{`{"anyOf":[{"required":["a"]},{"required":["b"]}]}`, `{"b":1}`, true},
		{`{"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{"a":1,"b":1}`, false},
		{`{"not":{"required":["a"]}}`, `{"a":1}`, false},
		{`{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"}}}`, `{"a":1}`, false},
		{`{"$defs":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/s"}}}`, `{"a":"x"}`, true},
		{`{"format":"email","description":"annotations do not constrain"}`, `"not an email"`, true},
		{`false`, `{}`, false},
	} {
		t.Run(tc.schema+" "+tc.value, func(t *testing.T) {
			s, err := expr.DecodeJSON([]byte(tc.schema))
			if err != nil {
				t.Fatal(err)
			}
			v, err := expr.DecodeJSON([]byte(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkSchema(s, v); (err == nil) != tc.ok {
				t.Fatalf("checkSchema = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// "An append effect only has a details array, which is required"
// (https://learn.microsoft.com/azure/governance/policy/concepts/effect-append#append-properties);
// the other effects with details read named properties of an object
// (effect-modify.md, effect-audit-if-not-exists.md, effect-deploy-if-not-exists.md, effect-deny-action.md).
func TestDetailsShapePerEffect(t *testing.T) {
	for _, tc := range []struct {
		name, then, path string
	}{
		{"append with an array", `{"effect":"append","details":[{"field":"tags['env']","value":"prod"}]}`, ""},
		{"append with an object", `{"effect":"append","details":{"field":"tags['env']","value":"prod"}}`, "policyRule.then.details"},
		{"append allowed by the effect parameter", `{"effect":"[parameters('effect')]","details":{"field":"tags['env']","value":"prod"}}`, "policyRule.then.details"},
		{"modify with an array", `{"effect":"modify","details":[{"field":"tags['env']","value":"prod"}]}`, "policyRule.then.details"},
		{"auditIfNotExists with an array", `{"effect":"auditIfNotExists","details":[{"type":"a/b"}]}`, "policyRule.then.details"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := ruleDoc("Indexed", `{"effect":{"type":"String","allowedValues":["Append","Disabled"],"defaultValue":"Append"}}`, tc.then)
			_, err := ParseDefinition([]byte(doc), Options{})
			wantPath(t, err, tc.path, "needs 'details' to be")
		})
	}
}

// Azure reads policy documents strictly: a property its REST model has no member for is refused
// ("Could not find member 'name' on object of type 'PolicyDefinitionProperties'. Path
// 'properties.name'", https://github.com/Azure/Community-Policy/issues/542; "Could not find member
// 'value' on object of type 'PolicyParameterDefinition'", https://github.com/Azure/azure-powershell/issues/9012).
// The members are those of PolicyDefinitionProperties, ParameterDefinitionsValue,
// PolicySetDefinitionProperties, PolicyDefinitionReference and PolicyDefinitionGroup in
// Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/policy/models.tsp.
func TestUnknownPropertiesRefused(t *testing.T) {
	const rule = `"policyRule":{"if":{"field":"type","equals":"a/b"},"then":{"effect":"audit"}}`
	const member = `"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/d1"`
	for _, tc := range []struct {
		name, doc, path string
		isSet           bool
	}{
		{"definition property", `{"properties":{"name":"x","mode":"All",` + rule + `}}`, "properties.name", false},
		{"definition property, bare layout", `{"mode":"All","policyName":"x",` + rule + `}`, "policyName", false},
		{"known properties in any case", `{"properties":{"Mode":"All","DisplayName":"x","Version":"1.0.0","externalEvaluationEnforcementSettings":{},` + rule + `}}`, "", false},
		{"parameter property", `{"mode":"All","parameters":{"p":{"type":"Array","value":["a"]}},` + rule + `}`, "parameters.p.value", false},
		{"initiative property", `{"properties":{"policyRule":{},"policyDefinitions":[{` + member + `}]}}`, "properties.policyRule", true},
		{"reference property", `{"policyDefinitions":[{` + member + `,"effect":"deny"}]}`, "policyDefinitions[0].effect", true},
		{"read-only reference properties", `{"policyDefinitions":[{` + member + `,"definitionVersion":"1.*.*","latestDefinitionVersion":"1.0.0","effectiveDefinitionVersion":"1.0.0"}]}`, "", true},
		{"group property", `{"policyDefinitionGroups":[{"name":"g","title":"G"}],"policyDefinitions":[{` + member + `,"groupNames":["g"]}]}`, "policyDefinitionGroups[0].title", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.isSet {
				_, err = ParseSetDefinition([]byte(tc.doc))
			} else {
				_, err = ParseDefinition([]byte(tc.doc), Options{})
			}
			wantPath(t, err, tc.path, "unknown property")
		})
	}
}

// When an initiative is saved, Azure checks what it passes to each member: a literal value
// against the member parameter's type and allowedValues ("PolicyParameterValueNotAllowed: The
// value '0' is not allowed for policy parameter 'minimumRSAKeySize'",
// https://github.com/salesforce/cloud-guardrails/issues/53), and the default of an initiative
// parameter passed as [parameters('p')] ("InvalidPolicyParameters … the default value of a
// policy set parameter referenced by policy definition … was not valid for that policy
// definition … The value 'Audit' is not allowed … The allowed values are 'audit, deny,
// disabled'", https://github.com/Azure/azure-policy/pull/721). allowedValues compare
// case-sensitively (definition-structure-parameters.md#parameter-properties).
func TestCheckMemberParameters(t *testing.T) {
	member, err := ParseDefinition([]byte(ruleDoc("Indexed", `{
		"effect":{"type":"String","allowedValues":["audit","deny","disabled"],"defaultValue":"audit"},
		"keySize":{"type":"Integer","allowedValues":[2048,3072,4096],"defaultValue":2048},
		"tags":{"type":"Array","defaultValue":[]}}`, `{"effect":"[parameters('effect')]"}`)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, setParams, refParams, path string
	}{
		{"valid values", `{"e":{"type":"String","defaultValue":"deny"}}`, `{"effect":{"value":"[parameters('e')]"},"keySize":{"value":3072},"tags":{"value":["a"]}}`, ""},
		{"literal not allowed", `{}`, `{"keySize":{"value":0}}`, "properties.policyDefinitions[0].parameters.keySize.value"},
		{"literal of another type", `{}`, `{"tags":{"value":"a"}}`, "properties.policyDefinitions[0].parameters.tags.value"},
		{"initiative default in another case", `{"e":{"type":"String","defaultValue":"Audit"}}`, `{"effect":{"value":"[parameters('e')]"}}`, "properties.policyDefinitions[0].parameters.effect.value"},
		{"initiative parameter without a default", `{"e":{"type":"String"}}`, `{"effect":{"value":"[parameters('e')]"}}`, ""},
		{"other expressions wait for the assignment", `{"e":{"type":"String","defaultValue":"x"}}`, `{"effect":{"value":"[toLower(parameters('e'))]"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParseSetDefinition([]byte(`{"parameters":` + tc.setParams + `,"policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/m","parameters":` + tc.refParams + `}]}`))
			if err != nil {
				t.Fatal(err)
			}
			wantPath(t, set.CheckMemberParameters(0, member), tc.path, "")
		})
	}
}
