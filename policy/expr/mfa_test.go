package expr

import (
	"errors"
	"fmt"
	"testing"
)

// The MFA built-ins (General/MFA_Deny.json) flag a request when the caller is
// a user and neither the amr claim lists "mfa" nor the acrs claim lists "p1".
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions
const (
	mfaAMR  = "[split(tryGet(requestContext().identity, 'http://schemas.microsoft.com/claims/authnmethodsreferences'), ',')]"
	mfaACRS = "[split(requestContext().identity.acrs, ',')]"
	mfaType = "[requestContext().identity.idtyp]"
	mfaHas  = "[contains(requestContext().identity, 'idtyp')]"
)

func TestMFAClaims(t *testing.T) {
	amrKey := "http://schemas.microsoft.com/claims/authnmethodsreferences"
	tests := []struct {
		name     string
		identity map[string]any
		expr     string
		want     any
	}{
		{"amr with mfa", map[string]any{amrKey: "pwd,mfa"}, mfaAMR, []any{"pwd", "mfa"}},
		{"amr absent splits to nothing", map[string]any{"idtyp": "user"}, mfaAMR, []any{}},
		{"acrs present", map[string]any{"acrs": "p1,c1"}, mfaACRS, []any{"p1", "c1"}},
		{"acrs absent splits to nothing", map[string]any{"idtyp": "user"}, mfaACRS, []any{}},
		{"idtyp user", map[string]any{"idtyp": "user"}, mfaType, "user"},
		{"idtyp is read case-insensitively", map[string]any{"IDTYP": "app"}, mfaType, "app"},
		{"idtyp absent reads null", map[string]any{}, mfaType, nil},
		{"has idtyp", map[string]any{"idtyp": "app"}, mfaHas, true},
		{"lacks idtyp", map[string]any{}, mfaHas, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv()
			env.request = map[string]any{"apiVersion": "2024-01-01", "identity": tt.identity}
			got, err := mustParse(t, tt.expr).Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if !Equal(got, tt.want) || TypeName(got) != TypeName(tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// Only the claims object is lenient: other missing properties still fail,
// as in ARM.
func TestMissingPropertyOutsideClaimsFails(t *testing.T) {
	env := newTestEnv()
	for _, s := range []string{
		"[requestContext().nosuch]",
		"[parameters('obj').missing]",
		"[parameters('obj').b.missing]",
		"[subscription().tenant]",
		"[resourceGroup().properties.nope]",
	} {
		_, err := mustParse(t, s).Eval(env)
		var ee *EvalError
		if !errors.As(err, &ee) {
			t.Errorf("%s: got %v, want an EvalError", s, err)
		}
	}
}

func mustParse(t testing.TB, s string, opts ...Option) *Expr {
	t.Helper()
	e, err := Parse(s, opts...)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return e
}

// One parsed expression serves many requests at once; each evaluation must
// see its own caller's claims even though split remembers its last result.
func TestSplitConcurrentCallers(t *testing.T) {
	e := mustParse(t, mfaAMR)
	claims := []string{"pwd", "pwd,mfa", "rsa,mfa,pwd", ""}
	done := make(chan error)
	for w := range 4 {
		go func() {
			for i := range 500 {
				c := claims[(w+i)%len(claims)]
				env := newTestEnv()
				env.request = map[string]any{"identity": map[string]any{"http://schemas.microsoft.com/claims/authnmethodsreferences": c}}
				got, err := e.Eval(env)
				if err != nil {
					done <- err
					return
				}
				want := splitOne(c, ",")
				if !sameValue(got, want) {
					done <- fmt.Errorf("claims %q: got %#v, want %#v", c, got, want)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
