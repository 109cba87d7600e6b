package expr

import (
	"errors"
	"strings"
	"testing"
)

// evalCase is one row of a function table: an expression and either the
// value it must produce or a fragment of the error it must fail with.
type evalCase struct {
	expr    string
	want    any
	wantErr string
}

// runCases evaluates each case against newTestEnv. Values are compared with
// strict (case-sensitive) deep equality and identical types.
func runCases(t *testing.T, cases []evalCase, opts ...Option) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			e, err := Parse(c.expr, opts...)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := e.Eval(newTestEnv())
			if c.wantErr != "" {
				if err == nil {
					t.Fatalf("got %#v, want error containing %q", got, c.wantErr)
				}
				var ee *EvalError
				if !errors.As(err, &ee) {
					t.Errorf("error %v is %T, want *EvalError", err, err)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %q does not contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !sameValue(got, c.want) {
				t.Fatalf("got %#v (%s), want %#v (%s)", got, TypeName(got), c.want, TypeName(c.want))
			}
		})
	}
}

// sameValue is strict equality: same types, case-sensitive strings.
func sameValue(a, b any) bool {
	if TypeName(a) != TypeName(b) {
		return false
	}
	switch x := a.(type) {
	case []any:
		y := b.([]any)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y := b.(map[string]any)
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// arr and obj shorten expected values.
func arr(v ...any) []any { return v }

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}
