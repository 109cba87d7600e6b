package eval

import (
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

// FuzzCompile feeds arbitrary JSON to the condition compiler and evaluates what compiles: neither
// may panic, and a compiled condition must evaluate to a result or an error.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`{"field":"type","equals":"Microsoft.Storage/storageAccounts"}`,
		`{"allOf":[{"field":"location","notIn":["eastus"]},{"not":{"field":"tags['env']","exists":true}}]}`,
		`{"anyOf":[{"value":"[requestContext().identity.idtyp]","equals":"user"}]}`,
		`{"count":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*]","where":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*].access","equals":"Allow"}},"greater":0}`,
		`{"count":{"value":[1,2,3],"name":"n","where":{"value":"[current('n')]","greater":1}},"equals":2}`,
		`{"field":"[concat('tags[', 'a', ']')]","like":"x*"}`,
		`{"value":"[substring(field('name'), 0, 3)]","match":"a#?"}`,
		`{"field":"fullName","containsKey":"x"}`,
		`{"not":{}}`, `[]`, `{"field":1,"equals":2}`,
	} {
		f.Add(seed)
	}
	resource := map[string]any{
		"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n", "name": "n",
		"type": "Microsoft.Network/networkSecurityGroups", "location": "eastus", "tags": map[string]any{"a": "x1"},
		"properties": map[string]any{"securityRules": []any{map[string]any{"access": "Allow"}, "odd"}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, err := expr.DecodeJSON([]byte(src))
		if err != nil {
			return
		}
		c, err := Compile(v, "if", Options{})
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("Compile returned %T, want Errors", err)
			}
			return
		}
		_, _ = c.Eval(&Input{Resource: resource, RequestContext: map[string]any{"identity": map[string]any{"idtyp": "user"}}})
		_, _, _ = c.EvalTrace(&Input{Resource: resource})
	})
}
