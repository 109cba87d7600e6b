package expr

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func TestIsExpressionAndUnescape(t *testing.T) {
	tests := []struct {
		in       string
		isExpr   bool
		unescape string
	}{
		{"[concat('a')]", true, "[concat('a')]"},
		{"[]", true, "[]"},
		{"[[foo]", false, "[foo]"},
		{"[[", false, "["},
		{"[", false, "["},
		{"plain", false, "plain"},
		{"[not closed", false, "[not closed"},
		{"not opened]", false, "not opened]"},
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := IsExpression(tt.in); got != tt.isExpr {
			t.Errorf("IsExpression(%q) = %v, want %v", tt.in, got, tt.isExpr)
		}
		if got := Unescape(tt.in); got != tt.unescape {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.unescape)
		}
	}
}

// TestParseTree checks the shape of parsed trees through their canonical
// text, which spells out every call, access and literal.
func TestParseTree(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[concat('a', parameters('x'))]", "[concat('a', parameters('x'))]"},
		{"[ CONCAT ( 'a' ,'b' ) ]", "[concat('a', 'b')]"},
		{"[toLower(field('name'))]", "[toLower(field('name'))]"},
		{"[requestContext().identity.idtyp]", "[requestContext().identity.idtyp]"},
		{"[parameters('p')[0].x]", "[parameters('p')[0].x]"},
		{"[field('tags')['cost center']]", "[field('tags')['cost center']]"},
		{"[field('tags')['env']]", "[field('tags').env]"},
		{"[parameters('o')[parameters('k')]]", "[parameters('o')[parameters('k')]]"},
		{"['it''s']", "['it''s']"},
		{"['[not an expression]']", "['[not an expression]']"},
		{"[add(-1, 2)]", "[add(-1, 2)]"},
		{"[float(1.50)]", "[float(1.5)]"},
		{"[true()]", "[true()]"},
		{"[createArray()]", "[createArray()]"},
		{"[concat('a',\u202f'b')]", "[concat('a', 'b')]"},
		{"[ipRangeContains('10.0.0.0/8', field('ip'))]", "[ipRangeContains('10.0.0.0/8', field('ip'))]"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if e.Source() != tt.in {
			t.Errorf("Source() = %q, want %q", e.Source(), tt.in)
		}
	}
}

// Chained access binds left to right: a.b[0].c is ((a.b)[0]).c.
func TestChainedAccessStructure(t *testing.T) {
	e := mustParse(t, "[parameters('p').list[0].name]")
	outer, ok := e.Root().(*Property)
	if !ok || outer.Name != "name" {
		t.Fatalf("root is %#v, want Property name", e.Root())
	}
	idx, ok := outer.Target.(*Index)
	if !ok {
		t.Fatalf("target is %T, want *Index", outer.Target)
	}
	if lit, ok := idx.Index.(*Literal); !ok || lit.Value != int64(0) {
		t.Fatalf("index is %#v, want literal 0", idx.Index)
	}
	list, ok := idx.Target.(*Property)
	if !ok || list.Name != "list" {
		t.Fatalf("index target is %#v, want Property list", idx.Target)
	}
	call, ok := list.Target.(*Call)
	if !ok || call.Name != "parameters" || len(call.Args) != 1 {
		t.Fatalf("innermost is %#v, want parameters call", list.Target)
	}
}

func TestUsesAndWalk(t *testing.T) {
	e := mustParse(t, "[if(empty(field('tags')), current('x'), RequestContext().apiVersion)]")
	for fn, want := range map[string]bool{"field": true, "current": true, "requestContext": true, "REQUESTCONTEXT": true, "parameters": false, "if": true} {
		if got := e.Uses(fn); got != want {
			t.Errorf("Uses(%q) = %v, want %v", fn, got, want)
		}
	}
	var calls []string
	Walk(e.Root(), func(n Node) bool {
		if c, ok := n.(*Call); ok {
			calls = append(calls, c.Name)
		}
		return true
	})
	if got := strings.Join(calls, ","); got != "if,empty,field,current,requestcontext" {
		t.Errorf("Walk visited %s", got)
	}
	if got := e.CallCount(); got != 5 {
		t.Errorf("CallCount() = %d, want 5", got)
	}
	var n int
	Walk(e.Root(), func(Node) bool { n++; return false })
	if n != 1 {
		t.Errorf("Walk visited %d nodes after a false return, want 1", n)
	}
}

// TestFunctionSets checks that template-only functions are rejected in
// policy rules and accepted in deployment templates.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions
func TestFunctionSets(t *testing.T) {
	templateOnly := []string{
		"[reference('x')]", "[listKeys('id', '2020-01-01')]", "[listSecrets('id', '2020-01-01')]",
		"[listAccountSas('id', '2020-01-01', createObject())]", "[copyIndex()]", "[deployment().name]",
		"[variables('v')]", "[resourceId('Microsoft.Web/sites', 'a')]", "[subscriptionResourceId('t', 'n')]",
		"[tenantResourceId('t', 'n')]", "[extensionResourceId('id', 't', 'n')]", "[environment().name]",
		"[managementGroup()]", "[tenant()]", "[newGuid()]", "[dateTimeAdd(utcNow(), 'P1D')]",
		"[dateTimeFromEpoch(1)]", "[dateTimeToEpoch('2020-01-01')]", "[pickZones('p', 't', 'l')]",
		"[providers('Microsoft.Web')]", "[filter(createArray(1), lambda('x', true()))]",
		"[map(createArray(1), lambda('x', lambdaVariables('x')))]", "[reduce(createArray(1), 0, lambda('a', 'b', 0))]",
		"[sort(createArray(1), lambda('a', 'b', true()))]", "[toObject(createArray(1), lambda('x', 'k'))]",
		"[groupBy(createArray(1), lambda('x', 'k'))]", "[mapValues(createObject(), lambda('x', 1))]",
		"[ns.fn(1, 2)]",
	}
	for _, s := range templateOnly {
		if _, err := Parse(s, Template); err != nil {
			t.Errorf("Parse(%q, Template): %v", s, err)
		}
		_, err := Parse(s)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "unknown function") || !strings.Contains(se.Msg, "in policy rules") {
			t.Errorf("Parse(%q) error = %v, want unknown function not supported in policy rules", s, err)
		}
	}
	// Explicit PolicyRule is the default.
	if _, err := Parse("[reference('x')]", Template, PolicyRule); err == nil {
		t.Error("PolicyRule after Template should select the policy rule set")
	}
}

// TestSyntaxErrorsGolden records the message and offset of each malformed
// expression in testdata/syntax_errors.golden (regenerate with -update).
func TestSyntaxErrorsGolden(t *testing.T) {
	inputs := []string{
		"[concat('a', 'b'",
		"[concat('a' 'b')]",
		"[foo()]",
		"[split('a')]",
		"[substring('a')]",
		"[padLeft('a', 1, 'b', 'c')]",
		"[concat('abc)]",
		"[concat(]",
		"[concat('a',)]",
		"[field]",
		"[field('a').]",
		"[field('a')[0]",
		"[field('a') field('b')]",
		"[-]",
		"[99999999999999999999]",
		"[ ]",
		"[)]",
		"[1.]",
		"[@]",
		"no brackets",
		"[[escaped]",
		"[true]",
		"[reference('x')]",
		"[ns.fn()]",
		"[concat('a',\u00a0@)]",
		"[if(true(), 1)]",
		"[and(true())]",
		"[utcNow('a', 'b')]",
	}
	var b strings.Builder
	for _, in := range inputs {
		_, err := Parse(in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want *SyntaxError", in, err)
			continue
		}
		if se.Offset < 0 || se.Offset > len(in) {
			t.Errorf("Parse(%q): offset %d outside the input", in, se.Offset)
		}
		fmt.Fprintf(&b, "%s\n\t%s\n", in, se.Error())
	}
	checkGolden(t, "syntax_errors.golden", b.String())
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", path, got)
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("not(", MaxNestingDepth) + "true()" + strings.Repeat(")", MaxNestingDepth)
	if _, err := Parse("[" + deep + "]"); err == nil || !strings.Contains(err.Error(), "nested deeper than 64") {
		t.Errorf("depth %d: got %v, want nesting error", MaxNestingDepth+1, err)
	}
	ok := strings.Repeat("not(", MaxNestingDepth-1) + "true()" + strings.Repeat(")", MaxNestingDepth-1)
	if _, err := Parse("[" + ok + "]"); err != nil {
		t.Errorf("depth %d: %v", MaxNestingDepth, err)
	}
	args := func(n int) string { return "[concat(" + strings.TrimSuffix(strings.Repeat("'a',", n), ",") + ")]" }
	if _, err := Parse(args(MaxArguments)); err != nil {
		t.Errorf("%d arguments: %v", MaxArguments, err)
	}
	if _, err := Parse(args(MaxArguments + 1)); err == nil || !strings.Contains(err.Error(), "more than 128 arguments") {
		t.Errorf("%d arguments: got %v", MaxArguments+1, err)
	}
	long := "['" + strings.Repeat("x", MaxExpressionLength) + "']"
	if _, err := Parse(long); err == nil || !strings.Contains(err.Error(), "the limit is 81920") {
		t.Errorf("long expression: got %v", err)
	}
}
