package expr

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir holds Azure's built-in definitions, used as conformance data
// when present next to the repository.
const corpusDir = "../../../shared/azure-policy/built-in-policies/policyDefinitions"

// TestParseBuiltInCorpus parses every expression string of every built-in
// policy rule: the condition, the effect and the details with the policy
// rule function set, and the embedded deployment template with the
// template function set.
func TestParseBuiltInCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("built-in policy corpus not found at %s: %v", corpusDir, err)
	}
	var files, exprs, templateExprs int
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var def struct {
			Properties struct {
				PolicyRule map[string]any `json:"policyRule"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(data, &def); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		rule := def.Properties.PolicyRule
		if rule == nil {
			return nil
		}
		files++
		check := func(s string, opts ...Option) {
			if !IsExpression(s) {
				return
			}
			if _, err := Parse(s, opts...); err != nil {
				t.Errorf("%s: %q: %v", path, s, err)
			}
		}
		eachString(rule["if"], func(s string) { exprs++; check(s) })
		then, _ := rule["then"].(map[string]any)
		eachString(then["effect"], func(s string) { exprs++; check(s) })
		details, _ := then["details"].(map[string]any)
		var template any
		if dep, ok := details["deployment"].(map[string]any); ok {
			if props, ok := dep["properties"].(map[string]any); ok {
				template = props["template"]
				delete(props, "template")
				defer func() { props["template"] = template }()
			}
		}
		eachString(then["details"], func(s string) { exprs++; check(s) })
		eachString(template, func(s string) { templateExprs++; check(s, Template) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4000 {
		t.Errorf("read only %d definitions with a policy rule; the corpus has about 5,000", files)
	}
	t.Logf("%d definitions, %d rule strings, %d template strings", files, exprs, templateExprs)
}

// eachString calls fn for every string value inside a decoded JSON value.
func eachString(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			eachString(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			eachString(e, fn)
		}
	}
}
