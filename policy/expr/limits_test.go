package expr

import (
	"strings"
	"testing"
)

// Evaluation limits from
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#limits-enforced-during-evaluation
func TestEvaluationLimits(t *testing.T) {
	big := make([]any, MaxObjectNodes/2)
	for i := range big {
		big[i] = int64(i)
	}
	deep := any("leaf")
	for range MaxObjectDepth {
		deep = []any{deep}
	}
	env := newTestEnv()
	env.params["big"] = big
	env.params["deep"] = deep
	tests := []struct {
		expr    string
		wantErr string
	}{
		// Selecting a large value is fine; building a larger one fails.
		{"[parameters('big')]", ""},
		{"[take(parameters('big'), 10)]", ""},
		{"[concat(parameters('big'), parameters('big'))]", "The template function 'concat' failed: the result exceeds the limits of 128 levels of nesting and 32768 values"},
		{"[createArray(parameters('deep'))]", "the result exceeds the limits"},
		{"[concat(padLeft('', 131072, 'x'))]", ""},
		{"[concat(padLeft('', 131072, 'x'), 'y')]", "the result is 131073 characters long, the limit is 131072"},
	}
	for _, tt := range tests {
		_, err := mustParse(t, tt.expr).Eval(env)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.expr, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: got %v, want error containing %q", tt.expr, err, tt.wantErr)
		}
	}
}
