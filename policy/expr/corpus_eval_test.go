package expr

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusEnv answers parameters with a definition's default values and
// fields and count members with the empty string, as a resource without
// the property would.
type corpusEnv struct {
	*testEnv
	defaults map[string]any
}

func (e corpusEnv) Parameter(name string) (any, bool) {
	v, ok := Lookup(e.defaults, name)
	return v, ok
}

func (e corpusEnv) Field(string) (any, error)   { return "", nil }
func (e corpusEnv) Current(string) (any, error) { return "", nil }

// TestEvalBuiltInCorpus evaluates every condition expression of the
// built-in definitions whose parameters all have defaults and that read no
// resource fields: all of them must evaluate. Expressions that read fields
// must fail, if at all, with an *EvalError (never a panic).
func TestEvalBuiltInCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("built-in policy corpus not found at %s: %v", corpusDir, err)
	}
	var independent, fieldBased, fieldFailures int
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
				Parameters map[string]struct {
					DefaultValue json.RawMessage `json:"defaultValue"`
				} `json:"parameters"`
				PolicyRule struct {
					If json.RawMessage `json:"if"`
				} `json:"policyRule"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(data, &def); err != nil || def.Properties.PolicyRule.If == nil {
			return nil
		}
		env := corpusEnv{testEnv: newTestEnv(), defaults: map[string]any{}}
		for name, p := range def.Properties.Parameters {
			if p.DefaultValue == nil {
				continue
			}
			v, err := DecodeJSON(p.DefaultValue)
			if err != nil {
				t.Errorf("%s: default of %s: %v", path, name, err)
				continue
			}
			env.defaults[name] = v
		}
		cond, err := DecodeJSON(def.Properties.PolicyRule.If)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		eachString(cond, func(s string) {
			if !IsExpression(s) {
				return
			}
			e, err := Parse(s)
			if err != nil {
				t.Errorf("%s: %q: %v", path, s, err)
				return
			}
			_, err = e.Eval(env)
			readsResource := e.Uses("field") || e.Uses("current")
			missingDefault := false
			Walk(e.Root(), func(n Node) bool {
				if c, ok := n.(*Call); ok && c.Name == "parameters" {
					if lit, ok := c.Args[0].(*Literal); ok {
						if _, ok := Lookup(env.defaults, lit.Value.(string)); !ok {
							missingDefault = true
						}
					}
				}
				return true
			})
			switch {
			case readsResource:
				fieldBased++
				var ee *EvalError
				if err != nil {
					fieldFailures++
					t.Logf("%s: %s: %v", filepath.Base(path), s, err)
					if !errors.As(err, &ee) {
						t.Errorf("%s: %q failed with %T: %v", path, s, err, err)
					}
				}
			case missingDefault:
			default:
				independent++
				if err != nil {
					t.Errorf("%s: %q: %v", path, s, err)
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d resource-independent expressions evaluated; %d reading fields, of which %d failed on empty fields", independent, fieldBased, fieldFailures)
}
