package output

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Expected results were checked with jmespath.py 1.0.1, the library az uses.
func TestQueryResults(t *testing.T) {
	rgs := loadInput(t, "rg-list.json")
	tests := []struct {
		name, expr string
		want       string // compact JSON of the result, keys sorted
	}{
		{"field projection", "[].name", `["rg-audit-weu", "rg-deny-eus", "NetworkWatcherRG"]`},
		{"filter on string", "[?location=='eastus'].name", `["rg-deny-eus"]`},
		{"filter on nested field", "[?properties.provisioningState=='Deleting'] | [0].name", `"NetworkWatcherRG"`},
		{"length is an integer", "length(@)", `3`},
		{"sort_by", "sort_by(@, &location)[].location", `["eastus", "northeurope", "westeurope"]`},
		{"max_by", "max_by(@, &name).name", `"rg-deny-eus"`},
		{"contains", "contains([].location, 'eastus')", `true`},
		{"no match is an empty list", "[?location=='mars']", `[]`},
		{"missing field is null", "[0].nothing", `null`},
		{"multiselect list", "[0].[name, location]", `["rg-audit-weu", "westeurope"]`},
		{"multiselect hash", "[0].{N: name, L: location}", `{"L": "westeurope", "N": "rg-audit-weu"}`},
		{"literal", "`{\"a\": 1}`", `{"a": 1}`},
		{"raw string", `'it\'s'`, `"it's"`},
		{"quoted identifier", `[0]."name"`, `"rg-audit-weu"`},
		// Object value order is not kept by Go maps (az uses the service's
		// order), so value projections are sorted before comparing.
		{"flatten", "sort([].tags.*[])", `["platform", "prod"]`},
		{"slice then pipe", "[::-1] | [0].name", `"NetworkWatcherRG"`},
		{"not_null", "not_null([0].nothing, [0].name)", `"rg-audit-weu"`},
		{"to_string of number", "to_string(length(@))", `"3"`},
		{"sum", "sum([`1`, `2.5`])", `3.5`},
		{"join", "join(', ', [].location)", `"westeurope, eastus, northeurope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Query(rgs, tc.expr)
			if err != nil {
				t.Fatalf("Query(%q): %v", tc.expr, err)
			}
			var b bytes.Buffer
			if err := writeCompactJSON(&b, got); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("Query(%q) = %s, want %s", tc.expr, b.String(), tc.want)
			}
		})
	}
}

// The MFA tutorial's query must keep its key order (ResourceId, then
// Policies) for table and tsv, as az does with jmespath's OrderedDict option.
func TestQueryKeepsMultiselectHashOrder(t *testing.T) {
	events := loadInput(t, "activity-log.json")
	const expr = "[?operationName.value=='Microsoft.Authorization/policies/audit/action'].{ResourceId: resourceId, Policies: properties.policies}"
	got, err := Query(events, expr)
	if err != nil {
		t.Fatal(err)
	}
	list, ok := got.([]any)
	if !ok || len(list) != 2 {
		t.Fatalf("got %#v, want a list of 2 events", got)
	}
	for i, item := range list {
		om, ok := item.(*OrderedMap)
		if !ok {
			t.Fatalf("item %d is %T, want *OrderedMap", i, item)
		}
		if keys := strings.Join(om.Keys(), ","); keys != "ResourceId,Policies" {
			t.Errorf("item %d keys = %s, want ResourceId,Policies", i, keys)
		}
	}
	var tsv bytes.Buffer
	if err := Write(&tsv, events, Options{Format: "tsv", Query: expr}); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(tsv.String(), "\n", 2)[0]
	if !strings.HasPrefix(first, "/subscriptions/") || !strings.Contains(first, "\t[{\"policyDefinitionId\"") {
		t.Errorf("tsv line = %q, want resource id then the policies JSON string", first)
	}
}

func TestQueryHashInsidePipeUsesLastHash(t *testing.T) {
	got, err := Query(map[string]any{"a": int64(1), "b": int64(2)}, "{x: a, y: b} | {y: y, x: x}")
	if err != nil {
		t.Fatal(err)
	}
	om, ok := got.(*OrderedMap)
	if !ok {
		t.Fatalf("got %T, want *OrderedMap", got)
	}
	if keys := strings.Join(om.Keys(), ","); keys != "y,x" {
		t.Errorf("keys = %s, want y,x", keys)
	}
}

func TestQueryErrors(t *testing.T) {
	data := loadInput(t, "rg-list.json")
	tests := []struct {
		name, expr string
		parse      bool
		want       string
	}{
		// az's own documentation shows this message for an unquoted dash:
		// MicrosoftDocs azure-docs-cli, use-azure-cli-successfully-quoting.md.
		{"unquoted dash", "azure-cli", true, `argument --query: invalid jmespath_type value: 'azure-cli'`},
		{"empty comparison", "[?allowBlobPublicAccess == ].id", true, `argument --query: invalid jmespath_type value: '[?allowBlobPublicAccess == ].id'`},
		// Python's repr switches to double quotes when the text holds a single quote.
		{"repr with single quotes", "[?location=='eastus'", true, `argument --query: invalid jmespath_type value: "[?location=='eastus'"`},
		{"repr with both quotes", `[?a=='"']x`, true, `argument --query: invalid jmespath_type value: '[?a==\'"\']x'`},
		{"unclosed bracket", "[", true, `argument --query: invalid jmespath_type value: '['`},
		{"let expression", "let $x = name in $x", true, `argument --query: invalid jmespath_type value: 'let $x = name in $x'`},
		{"root node", "$.name", true, `argument --query: invalid jmespath_type value: '$.name'`},
		{"arithmetic", "length(@) + `1`", true, "argument --query: invalid jmespath_type value: 'length(@) + `1`'"},
		// jmespath.py looks functions up while searching; az reports it through its error handler.
		{"unknown function", "tostring(@)", false, "Invalid jmespath query supplied for `--query`: Unknown function: tostring()"},
		{"extension function", "items(@)", false, "Invalid jmespath query supplied for `--query`: Unknown function: items()"},
	}
	// Runtime errors carry jmespath.py 1.0.1's own wording (checked against it).
	const prefix = "Invalid jmespath query supplied for `--query`: "
	for _, rt := range []struct{ expr, msg string }{
		{"length(`1`)", `In function length(), invalid type for value: 1, expected one of: ['string', 'array', 'object'], received: "number"`},
		{"length(a, b)", "Expected 1 argument for function length(), received 2"},
		{"not_null()", "Expected at least 1 argument for function not_null(), received 0"},
		{"sort_by(@, &properties.provisioningState == 'x')", `In function sort_by(), invalid type for value: {'id': '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-audit-weu', 'location': 'westeurope', 'managedBy': None, 'name': 'rg-audit-weu', 'properties': {'provisioningState': 'Succeeded'}, 'tags': {'env': 'prod', 'owner': 'platform'}, 'type': 'Microsoft.Resources/resourceGroups'}, expected one of: ['string', 'number'], received: "boolean"`},
		{"sort_by(@, &tags.env)", `In function sort_by(), invalid type for value: None, expected one of: ['string'], received: "null"`},
		{"max([`1`, 'a'])", `In function max(), invalid type for value: a, expected one of: ['array-number', 'array-string'], received: "str"`},
		{"join(',', [`1`])", `In function join(), invalid type for value: 1, expected one of: ['array-string'], received: "int"`},
		{"sort([`true`])", `In function sort(), invalid type for value: True, expected one of: ['array-string', 'array-number'], received: "bool"`},
		{"starts_with(@, 'a')", `In function starts_with(), invalid type for value: [`},
	} {
		tests = append(tests, struct {
			name, expr string
			parse      bool
			want       string
		}{rt.expr, rt.expr, false, prefix + rt.msg})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Query(data, tc.expr)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Query(%q) error = %v, want *QueryError", tc.expr, err)
			}
			if qe.Parse != tc.parse {
				t.Errorf("Parse = %v, want %v", qe.Parse, tc.parse)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %q, want prefix %q", err.Error(), tc.want)
			}
			var out bytes.Buffer
			if werr := Write(&out, data, Options{Format: "json", Query: tc.expr}); werr == nil || werr.Error() != err.Error() || out.Len() != 0 {
				t.Errorf("Write error = %v with output %q, want the same query error and no output", werr, out.String())
			}
		})
	}
}

func TestCompileQueryRejectsBeforeSearch(t *testing.T) {
	if _, err := CompileQuery("[?"); err == nil {
		t.Fatal("CompileQuery accepted an incomplete filter")
	}
	q, err := CompileQuery("[].name")
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Search([]any{map[string]any{"name": "a"}, map[string]any{"name": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if list, ok := got.([]any); !ok || len(list) != 2 || list[1] != "b" {
		t.Errorf("Search = %#v, want [a b]", got)
	}
}

// FuzzQuery checks that no expression and no input make Query panic.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"[?operationName.value=='Microsoft.Authorization/policies/audit/action'].{ResourceId: resourceId, Policies: properties.policies}",
		"[].name", "length(@)", "sort_by(@, &name)", "{a: b c: d}", "[?", "a[1:2:0]", "foo(", "`{`", "'", "$", "let $x = a in $x",
		"[0].[a, b]", "*.*", "a || b && !c", "max_by(@, &x).y", "@.@", "[-1]", "&a", "a.b.c[*].d[]",
	} {
		f.Add(seed, `[{"name":"a","x":1},{"name":"b","x":2.5,"tags":{"k":"v"}}]`)
	}
	f.Fuzz(func(t *testing.T, expr, input string) {
		data, err := decodeOrdered([]byte(input))
		if err != nil {
			data = input
		}
		out, err := Query(data, expr)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Query(%q) returned %T, want *QueryError", expr, err)
			}
			return
		}
		for _, format := range Formats {
			var b bytes.Buffer
			_ = Write(&b, out, Options{Format: format})
		}
	})
}
