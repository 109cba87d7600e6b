package expr

import "testing"

// benchEnv carries the identity of a user signed in with a password only,
// the common case for the MFA rule.
func benchEnv() *testEnv {
	env := newTestEnv()
	env.request = map[string]any{
		"apiVersion": "2024-03-01",
		"identity": map[string]any{
			"idtyp": "user",
			"http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd,rsa",
			"acrs": "c1",
		},
	}
	return env
}

func benchEval(b *testing.B, src string) {
	e := mustParse(b, src)
	env := benchEnv()
	if _, err := e.Eval(env); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalIdentityProperty(b *testing.B) { benchEval(b, mfaType) }

func BenchmarkEvalSplitAMR(b *testing.B) { benchEval(b, mfaAMR) }

func BenchmarkEvalSplitACRS(b *testing.B) { benchEval(b, mfaACRS) }

func BenchmarkParseMFA(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(mfaAMR); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalSplitAMRChanging alternates between two callers whose amr
// claims differ, so the split result cannot be reused.
func BenchmarkEvalSplitAMRChanging(b *testing.B) {
	e := mustParse(b, mfaAMR)
	envs := [2]*testEnv{benchEnv(), benchEnv()}
	envs[1].request.(map[string]any)["identity"].(map[string]any)["http://schemas.microsoft.com/claims/authnmethodsreferences"] = "pwd,mfa"
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := e.Eval(envs[i&1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
