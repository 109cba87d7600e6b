package policy

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/policy/expr"
)

// TestBuiltInCorpusEvaluates evaluates every built-in definition in mode All or Indexed against
// a generated resource of each type it targets, with default (or first allowed) parameter values
// and a user request context, so that no part of the language Azure's own library uses is
// missing from the engine.
func TestBuiltInCorpusEvaluates(t *testing.T) {
	files := corpusFiles(t)
	var defs, evals, matched int
	failures := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := expr.DecodeJSON(data)
		if err != nil || DetectKind(v) != KindDefinition {
			continue
		}
		d, err := DefinitionFromValue(v, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !d.Evaluated() {
			continue
		}
		defs++
		params := sampleParameters(d.Parameters)
		for _, typ := range targetTypes(d.PolicyRule) {
			req := &Request{
				Operation:  OperationCreate,
				Resource:   sampleResource(typ),
				Parameters: params,
				RequestContext: map[string]any{"apiVersion": "2024-01-01", "identity": map[string]any{
					"idtyp": "user", "acrs": "", "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd"}},
				Policy: map[string]any{"assignmentId": "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a", "definitionId": d.ID},
				// The shapes ARM's resourceGroup() and subscription() return.
				ResourceGroup: map[string]any{"id": "/subscriptions/s/resourceGroups/rg", "name": "rg", "type": "Microsoft.Resources/resourceGroups",
					"location": "eastus", "managedBy": nil, "tags": map[string]any{}, "properties": map[string]any{"provisioningState": "Succeeded"}},
				Subscription: map[string]any{"id": "/subscriptions/s", "subscriptionId": "s", "tenantId": "t", "displayName": "sub", "tags": map[string]any{}},
				Now:          time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			}
			if d.Rule.Then.actsOnDelete() {
				req.Operation = OperationDelete
			}
			res, err := d.Evaluate(req)
			evals++
			if err != nil {
				failures[f] = append(failures[f], typ+": "+err.Error())
				continue
			}
			if res.Matched {
				matched++
			}
		}
	}
	t.Logf("%d definitions, %d evaluations, %d matched, %d definitions with evaluation errors", defs, evals, matched, len(failures))
	names := make([]string, 0, len(failures))
	for f := range failures {
		names = append(names, f)
	}
	sort.Strings(names)
	for i, f := range names {
		if i < 50 {
			t.Errorf("%s: %s", f, failures[f][0])
		}
	}
}

// targetTypes finds the resource types a rule targets from {"field":"type","equals"|"in"|"like"…}
// conditions; a generic type when it names none.
func targetTypes(rule map[string]any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			o := object(x)
			if f, ok := o.get("field"); ok {
				if s, _ := f.(string); strings.EqualFold(s, "type") {
					for _, op := range []string{"equals", "in", "like"} {
						if t, ok := o.get(op); ok {
							switch tv := t.(type) {
							case string:
								if !expr.IsExpression(tv) {
									seen[strings.TrimSuffix(tv, "*")] = true
								}
							case []any:
								for _, e := range tv {
									if s, ok := e.(string); ok {
										seen[s] = true
									}
								}
							}
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	if ifv, ok := object(rule).get("if"); ok {
		walk(ifv)
	}
	var out []string
	for t := range seen {
		if strings.Count(t, "/") >= 1 && !strings.HasSuffix(t, "/") {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = []string{"Microsoft.Resources/subscriptions/resourceGroups", "Microsoft.Compute/virtualMachines"}
	}
	return out
}

// sampleResource builds a minimal resource of the given type.
func sampleResource(typ string) map[string]any {
	segs := strings.Split(typ, "/")
	id := "/subscriptions/s/resourceGroups/rg/providers/" + segs[0]
	for i, s := range segs[1:] {
		id += "/" + s + "/name" + string(rune('a'+i))
	}
	if strings.EqualFold(typ, "Microsoft.Resources/subscriptions/resourceGroups") {
		id = "/subscriptions/s/resourceGroups/rg"
	}
	return map[string]any{
		"id": id, "name": "name" + string(rune('a'+len(segs)-2)), "type": typ, "location": "eastus",
		"tags": map[string]any{"env": "test"}, "kind": "", "properties": map[string]any{},
	}
}

// sampleParameters picks each parameter's default, else its first allowed value, else a value
// of its type.
func sampleParameters(ps Parameters) map[string]any {
	out := map[string]any{}
	for name, p := range ps {
		switch {
		case p.HasDefault:
			out[name] = p.DefaultValue
		case len(p.AllowedValues) > 0 && p.Type == TypeArray:
			out[name] = []any{p.AllowedValues[0]}
		case len(p.AllowedValues) > 0:
			out[name] = p.AllowedValues[0]
		default:
			out[name] = map[string]any{
				TypeString: "value", TypeArray: []any{}, TypeObject: map[string]any{}, TypeBoolean: false,
				TypeInteger: int64(1), TypeFloat: 1.0, TypeDateTime: "2026-01-01T00:00:00Z",
			}[p.Type]
		}
	}
	return out
}
