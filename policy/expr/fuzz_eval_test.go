package expr

import (
	"errors"
	"testing"
)

// FuzzEval checks that evaluating any parsable expression never panics and
// fails only with *EvalError.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		mfaAMR, mfaACRS,
		"[substring('hello', 9223372036854775807, 9223372036854775807)]",
		"[cidrHost('10.0.0.0/24', 9223372036854775807)]",
		"[format('{0,999999999}', 1)]",
		"[padLeft('a', 9223372036854775807)]",
		"[range(9223372036854775807, 1)]",
		"[div(-9223372036854775808, -1)]",
		"[take(parameters('locations'), -9223372036854775808)]",
		"[utcNow('yyyyyyyyyyyyyyyyyyyy')]",
		"[parameters('obj')[parameters('locations')]]",
		"[indexFromEnd(createArray(), 1)]",
		"[cidrSubnet('10.0.0.0/8', 32, 16777215)]",
		"[format('{0:D99}', 1)]",
		"[json(string(parameters('obj')))]",
		"[float('NaN')]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		_, err = e.Eval(newTestEnv())
		var ee *EvalError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("Eval(%q) failed with %T %v, want *EvalError", s, err, err)
		}
	})
}
