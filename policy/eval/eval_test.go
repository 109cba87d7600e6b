package eval

import (
	"strings"
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

// mustJSON decodes a JSON literal in the expr value model.
func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := expr.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// storage is a resource shaped like the examples in the Azure docs.
const storage = `{
  "id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct1",
  "name": "acct1", "type": "Microsoft.Storage/storageAccounts", "location": "East US 2", "kind": "StorageV2",
  "tags": {"env": "prod", "Cost Center": "42", "a.b": "dots"},
  "identity": {"type": "SystemAssigned"},
  "properties": {
    "supportsHttpsTrafficOnly": false,
    "minimumTlsVersion": "TLS1_0",
    "count": 3,
    "createdOn": "2024-05-01T10:00:00Z",
    "networkAcls": {"defaultAction": "Allow", "ipRules": [
      {"value": "10.0.0.1", "action": "Allow"},
      {"value": "10.0.0.2", "action": "Allow"}
    ]},
    "empty": [],
    "stringArray": ["a", "b", "c"],
    "objectArray": [
      {"property": "value1", "nestedArray": [1, 2]},
      {"property": "value2", "nestedArray": [3, 4]}
    ]
  }
}`

func evalCond(t *testing.T, cond, resource string, params map[string]any) (bool, error) {
	t.Helper()
	c, err := Compile(mustJSON(t, cond), "if", Options{})
	if err != nil {
		t.Fatalf("Compile(%s): %v", cond, err)
	}
	res := mustJSON(t, resource).(map[string]any)
	return c.Eval(&Input{Resource: res, Parameters: params})
}

// TestOperators covers every condition operator, its case rules and its handling of missing
// values. Operator list and case rules:
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#conditions
func TestOperators(t *testing.T) {
	tests := []struct {
		name, cond string
		want       bool
		wantErr    string
	}{
		// equals / notEquals: case-insensitive; a bool property equals its text ("false").
		{"equals ci", `{"field":"kind","equals":"storagev2"}`, true, ""},
		{"equals bool text", `{"field":"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly","equals":"false"}`, true, ""},
		{"equals bool", `{"field":"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly","equals":false}`, true, ""},
		{"equals number", `{"field":"Microsoft.Storage/storageAccounts/count","equals":3}`, true, ""},
		{"equals number text", `{"field":"Microsoft.Storage/storageAccounts/count","equals":"3"}`, true, ""},
		{"equals missing", `{"field":"Microsoft.Storage/storageAccounts/nope","equals":"x"}`, false, ""},
		{"notEquals missing", `{"field":"Microsoft.Storage/storageAccounts/nope","notEquals":"x"}`, true, ""},
		{"notEquals", `{"field":"kind","notEquals":"BlobStorage"}`, true, ""},
		// like / notLike: one wildcard, case-insensitive.
		{"like prefix", `{"field":"type","like":"microsoft.storage/*"}`, true, ""},
		{"like suffix", `{"field":"name","like":"*CT1"}`, true, ""},
		{"like middle", `{"field":"name","like":"a*1"}`, true, ""},
		{"like exact no wildcard", `{"field":"name","like":"acct"}`, false, ""},
		{"notLike", `{"field":"name","notLike":"vm*"}`, true, ""},
		{"like missing", `{"field":"Microsoft.Storage/storageAccounts/nope","like":"*"}`, false, ""},
		{"notLike missing", `{"field":"Microsoft.Storage/storageAccounts/nope","notLike":"a*"}`, true, ""},
		// match: # digit, ? letter, . any; case-sensitive. matchInsensitively is not.
		{"match", `{"field":"name","match":"????#"}`, true, ""},
		{"match dot", `{"field":"name","match":"a...."}`, true, ""},
		{"match case-sensitive", `{"field":"name","match":"ACCT#"}`, false, ""},
		{"match length", `{"field":"name","match":"????"}`, false, ""},
		{"matchInsensitively", `{"field":"name","matchInsensitively":"ACCT#"}`, true, ""},
		{"notMatch", `{"field":"name","notMatch":"###"}`, true, ""},
		{"notMatchInsensitively", `{"field":"name","notMatchInsensitively":"ACCT#"}`, false, ""},
		// contains / notContains: substring, case-insensitive.
		{"contains", `{"field":"name","contains":"CCT"}`, true, ""},
		{"notContains", `{"field":"name","notContains":"xyz"}`, true, ""},
		{"contains missing", `{"field":"Microsoft.Storage/storageAccounts/nope","contains":"x"}`, false, ""},
		// in / notIn: membership, case-insensitive.
		{"in", `{"field":"kind","in":["BlobStorage","STORAGEV2"]}`, true, ""},
		{"notIn", `{"field":"kind","notIn":["BlobStorage"]}`, true, ""},
		{"in missing", `{"field":"Microsoft.Storage/storageAccounts/nope","in":["a"]}`, false, ""},
		{"notIn missing", `{"field":"Microsoft.Storage/storageAccounts/nope","notIn":["a"]}`, true, ""},
		// containsKey / notContainsKey (tag names are case-insensitive).
		{"containsKey", `{"field":"tags","containsKey":"ENV"}`, true, ""},
		{"notContainsKey", `{"field":"tags","notContainsKey":"owner"}`, true, ""},
		{"containsKey missing object", `{"field":"Microsoft.Storage/storageAccounts/nope","containsKey":"a"}`, false, ""},
		// less & co: numbers, date strings, strings (InvariantCultureIgnoreCase).
		{"less int", `{"field":"Microsoft.Storage/storageAccounts/count","less":4}`, true, ""},
		{"lessOrEquals int", `{"field":"Microsoft.Storage/storageAccounts/count","lessOrEquals":3}`, true, ""},
		{"greater int", `{"field":"Microsoft.Storage/storageAccounts/count","greater":3}`, false, ""},
		{"greaterOrEquals int", `{"field":"Microsoft.Storage/storageAccounts/count","greaterOrEquals":3}`, true, ""},
		{"less date", `{"field":"Microsoft.Storage/storageAccounts/createdOn","less":"2024-06-01T00:00:00Z"}`, true, ""},
		{"less string ci", `{"field":"Microsoft.Storage/storageAccounts/minimumTlsVersion","less":"tls1_2"}`, true, ""},
		{"less missing", `{"field":"Microsoft.Storage/storageAccounts/nope","less":4}`, false, ""},
		{"less type mismatch", `{"field":"Microsoft.Storage/storageAccounts/networkAcls","less":4}`, false, "cannot compare"},
		// exists: bool or "true"/"false".
		{"exists true", `{"field":"Microsoft.Storage/storageAccounts/minimumTlsVersion","exists":"true"}`, true, ""},
		{"exists false", `{"field":"Microsoft.Storage/storageAccounts/nope","exists":false}`, true, ""},
		{"exists on missing", `{"field":"Microsoft.Storage/storageAccounts/nope","exists":true}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalCond(t, tt.cond, storage, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Eval(%s) error = %v, want error containing %q", tt.cond, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.cond, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestFields covers the field names Azure supports besides aliases.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#fields
func TestFields(t *testing.T) {
	nested := `{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/srv/databases/db1","name":"db1","type":"Microsoft.Sql/servers/databases"}`
	tests := []struct {
		name, cond, resource string
		want                 bool
	}{
		{"name", `{"field":"name","equals":"ACCT1"}`, storage, true},
		{"fullName nested", `{"field":"fullName","equals":"srv/db1"}`, nested, true},
		{"fullName top", `{"field":"fullName","equals":"acct1"}`, storage, true},
		{"kind", `{"field":"kind","equals":"StorageV2"}`, storage, true},
		{"type", `{"field":"type","equals":"Microsoft.Storage/storageAccounts"}`, storage, true},
		// "East US 2" is considered equal to "eastus2".
		{"location normalised", `{"field":"location","equals":"eastus2"}`, storage, true},
		{"location in", `{"field":"location","in":["westeurope","East US 2"]}`, storage, true},
		{"id", `{"field":"id","like":"/subscriptions/s1/*"}`, storage, true},
		{"identity.type", `{"field":"identity.type","equals":"SystemAssigned"}`, storage, true},
		{"identity.userAssignedIdentities", `{"field":"identity.userAssignedIdentities","exists":false}`, storage, true},
		{"tags object", `{"field":"tags","containsKey":"env"}`, storage, true},
		{"tags bracket quoted", `{"field":"tags['Cost Center']","equals":"42"}`, storage, true},
		{"tags bracket", `{"field":"tags[env]","equals":"prod"}`, storage, true},
		{"tags dotted", `{"field":"tags.env","equals":"prod"}`, storage, true},
		{"tags with dots", `{"field":"tags[a.b]","equals":"dots"}`, storage, true},
		{"tag name case-insensitive", `{"field":"tags['ENV']","equals":"prod"}`, storage, true},
		{"missing tag", `{"field":"tags['owner']","exists":false}`, storage, true},
		{"tags escaped apostrophe", `{"field":"tags['''q''']","equals":"x"}`, `{"type":"t/t","tags":{"'q'":"x"}}`, true},
		{"computed field name", `{"field":"[concat('tags[', parameters('tagName'), ']')]","equals":"prod"}`, storage, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalCond(t, tt.cond, tt.resource, map[string]any{"tagName": "env"})
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.cond, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestArrays follows the selection tables in
// https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays
func TestArrays(t *testing.T) {
	tests := []struct {
		name, cond string
		want       bool
	}{
		// A [*] field condition holds when every member satisfies it.
		{"all members", `{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].action","equals":"Allow"}`, true},
		{"not all members", `{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value","equals":"10.0.0.1"}`, false},
		{"string array members", `{"field":"Microsoft.Storage/storageAccounts/stringArray[*]","in":["a","b","c"]}`, true},
		// An empty or missing collection satisfies any condition.
		{"empty collection", `{"field":"Microsoft.Storage/storageAccounts/empty[*]","equals":"x"}`, true},
		{"missing collection", `{"field":"Microsoft.Storage/storageAccounts/missingArray[*].property","equals":"x"}`, true},
		// The plain alias selects the whole array.
		{"whole array", `{"field":"Microsoft.Storage/storageAccounts/stringArray","equals":"a"}`, false},
		{"missing array is null", `{"field":"Microsoft.Storage/storageAccounts/missingArray","exists":false}`, true},
		{"nested arrays flatten", `{"field":"Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]","less":5}`, true},
		// field() returns "" for a missing array, [] for a missing [*].
		{"field() missing", `{"value":"[field('Microsoft.Storage/storageAccounts/missingArray')]","equals":""}`, true},
		{"field() missing [*]", `{"value":"[length(field('Microsoft.Storage/storageAccounts/missingArray[*]'))]","equals":0}`, true},
		{"field() [*] flattens", `{"value":"[length(field('Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]'))]","equals":4}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalCond(t, tt.cond, storage, nil)
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.cond, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestCount follows the field count and value count examples in
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#count
// and the iteration tables in
// https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#count-expressions
func TestCount(t *testing.T) {
	params := map[string]any{"namePatterns": []any{"vm*", "acct*"}, "approved": []any{"10.0.0.0/24"}}
	tests := []struct {
		name, cond string
		want       bool
	}{
		{"length without where", `{"count":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]"},"equals":3}`, true},
		{"nested length", `{"count":{"field":"Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]"},"greaterOrEquals":4}`, true},
		{"where current member", `{"count":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]","where":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]","equals":"a"}},"equals":1}`, true},
		{"where two properties", `{"count":{"field":"Microsoft.Storage/storageAccounts/objectArray[*]","where":{"allOf":[
			{"field":"Microsoft.Storage/storageAccounts/objectArray[*].property","equals":"value2"},
			{"field":"Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]","greater":2}]}},"equals":1}`, true},
		{"where outside array", `{"count":{"field":"Microsoft.Storage/storageAccounts/objectArray[*]","where":{"field":"tags.env","equals":"prod"}},"equals":2}`, true},
		{"nested count", `{"count":{"field":"Microsoft.Storage/storageAccounts/objectArray[*]","where":{"allOf":[
			{"field":"Microsoft.Storage/storageAccounts/objectArray[*].property","equals":"value2"},
			{"count":{"field":"Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]","where":{"field":"Microsoft.Storage/storageAccounts/objectArray[*].nestedArray[*]","equals":3}},"greater":0}]}},"equals":1}`, true},
		{"field() inside where is a one-member array", `{"count":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]","where":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]","equals":"[first(field('Microsoft.Storage/storageAccounts/stringArray[*]'))]"}},"equals":3}`, true},
		{"current alias", `{"count":{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]","where":{"value":"[ipRangeContains('10.0.0.0/24', current('Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value'))]","equals":true}},"equals":2}`, true},
		{"count target expression", `{"count":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]"},"equals":"[length(field('Microsoft.Storage/storageAccounts/stringArray[*]'))]"}`, true},
		{"value count literal", `{"count":{"value":["prefix1_*","acct*"],"name":"pattern","where":{"field":"name","like":"[current('pattern')]"}},"greater":0}`, true},
		{"value count default name", `{"count":{"value":["prefix1_*","acct*"],"where":{"field":"name","like":"[current()]"}},"greater":0}`, true},
		{"value count parameter", `{"count":{"value":"[parameters('namePatterns')]","name":"p","where":{"field":"name","like":"[current('p')]"}},"equals":1}`, true},
		{"value count nested with field count", `{"count":{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]","where":{"count":{"value":"[parameters('approved')]","name":"approvedPrefix","where":{"value":"[ipRangeContains(current('approvedPrefix'), current('Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value'))]","equals":true}},"equals":0}},"greater":0}`, false},
		{"count on missing array", `{"count":{"field":"Microsoft.Storage/storageAccounts/missing[*]"},"equals":0}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalCond(t, tt.cond, storage, params)
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.cond, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestLogical covers allOf, anyOf and not, nested.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#logical-operators
func TestLogical(t *testing.T) {
	tests := []struct {
		cond string
		want bool
	}{
		{`{"allOf":[{"field":"type","equals":"Microsoft.Storage/storageAccounts"},{"not":{"field":"tags","containsKey":"application"}}]}`, true},
		{`{"anyOf":[{"field":"kind","equals":"x"},{"field":"kind","equals":"StorageV2"}]}`, true},
		{`{"anyOf":[{"field":"kind","equals":"x"},{"field":"kind","equals":"y"}]}`, false},
		{`{"not":{"allOf":[{"field":"kind","equals":"StorageV2"},{"field":"name","equals":"acct1"}]}}`, false},
	}
	for _, tt := range tests {
		got, err := evalCond(t, tt.cond, storage, nil)
		if err != nil || got != tt.want {
			t.Errorf("Eval(%s) = %v, %v; want %v", tt.cond, got, err, tt.want)
		}
	}
}

// TestTemplateFailureIsAnError: a failing template function fails the evaluation, which Azure
// treats as an implicit deny (…definition-structure-policy-rule#avoiding-template-failures).
func TestTemplateFailureIsAnError(t *testing.T) {
	_, err := evalCond(t, `{"value":"[substring(field('name'), 0, 30)]","equals":"abc"}`, storage, nil)
	if err == nil {
		t.Fatal("substring past the end of the name evaluated without error")
	}
	var ee *EvalError
	if !asEvalError(err, &ee) {
		t.Fatalf("error %T is not an *EvalError", err)
	}
	ok, err := evalCond(t, `{"value":"[if(greaterOrEquals(length(field('name')), 30), substring(field('name'), 0, 30), 'short')]","equals":"short"}`, storage, nil)
	if err != nil || !ok {
		t.Errorf("guarded substring = %v, %v; want true, nil", ok, err)
	}
}

func asEvalError(err error, target **EvalError) bool {
	e, ok := err.(*EvalError)
	if ok {
		*target = e
	}
	return ok
}

// TestTrace checks the evaluatedExpressions entries against the PolicyViolation sample shape.
func TestTrace(t *testing.T) {
	c, err := Compile(mustJSON(t, `{"allOf":[
		{"field":"type","equals":"Microsoft.Storage/storageAccounts"},
		{"value":"[length(field('Microsoft.Storage/storageAccounts/stringArray'))]","less":5},
		{"count":{"field":"Microsoft.Storage/storageAccounts/stringArray[*]"},"equals":3}]}`), "if", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ok, trace, err := c.EvalTrace(&Input{Resource: mustJSON(t, storage).(map[string]any)})
	if err != nil || !ok {
		t.Fatalf("EvalTrace = %v, %v", ok, err)
	}
	if len(trace) != 3 {
		t.Fatalf("trace has %d entries, want 3: %+v", len(trace), trace)
	}
	f := trace[0]
	if f.Result != "True" || f.ExpressionKind != "Field" || f.Expression != "type" || f.Path != "type" || f.Operator != "Equals" || f.ExpressionValue != "Microsoft.Storage/storageAccounts" {
		t.Errorf("field entry = %+v", f)
	}
	v := trace[1]
	if v.ExpressionKind != "Value" || v.Path != "" || v.ExpressionValue != int64(3) || v.TargetValue != int64(5) || v.Operator != "Less" {
		t.Errorf("value entry = %+v", v)
	}
	if trace[2].ExpressionKind != "Count" || trace[2].ExpressionValue != int64(3) {
		t.Errorf("count entry = %+v", trace[2])
	}
}
