package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const libraryDir = "../../shared/azure-policy/built-in-policies"

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "good.json", `{"mode":"All","policyRule":{"if":{"field":"type","equals":"a/b"},"then":{"effect":"audit"}}}`)
	writeFile(t, dir, "bad.json", `{"mode":"All","policyRule":{"if":{"field":"type","equalz":"a/b"},"then":{"effect":"audit"}}}`)
	writeFile(t, dir, "sub/nested.json", `{"properties":{"policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/x"}]}}`)

	out, _, code := run(t, "policy", "validate", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || lines[len(lines)-1] != "1 valid, 1 invalid" {
		t.Fatalf("validate (not recursive): code %d, output:\n%s", code, out)
	}
	if !strings.Contains(lines[0], "bad.json: policyRule.if.equalz: unknown operator 'equalz'") {
		t.Errorf("invalid line = %q", lines[0])
	}
	out, _, code = run(t, "policy", "validate", "--recursive", dir)
	if code != 1 || !strings.HasSuffix(out, "2 valid, 1 invalid\n") {
		t.Errorf("validate --recursive: code %d, output:\n%s", code, out)
	}
	out, _, code = run(t, "policy", "validate", filepath.Join(dir, "good.json"))
	if code != 0 || out != "1 valid, 0 invalid\n" {
		t.Errorf("validate good file: code %d, output %q", code, out)
	}
	_, errOut, code := run(t, "policy", "validate", filepath.Join(dir, "missing.json"))
	if code != 2 || !strings.Contains(errOut, "missing.json") {
		t.Errorf("validate missing file: code %d, stderr %q", code, errOut)
	}
	_, _, code = run(t, "policy", "validate", "--bogus", dir)
	if code != 2 {
		t.Errorf("bad flag: code %d, want 2", code)
	}
}

// TestValidateLibrary runs the command the issue names on Azure's whole built-in library.
func TestValidateLibrary(t *testing.T) {
	if _, err := os.Stat(libraryDir); err != nil {
		t.Skipf("built-in library not found: %v", err)
	}
	out, _, code := run(t, "policy", "validate", "--recursive", libraryDir)
	if code != 0 || !strings.HasSuffix(out, "5266 valid, 0 invalid\n") {
		t.Fatalf("code %d, last lines:\n%s", code, tail(out, 5))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestEvalCommand(t *testing.T) {
	mfa := filepath.Join(libraryDir, "policyDefinitions", "General", "MFA_Deny.json")
	if _, err := os.Stat(mfa); err != nil {
		t.Skipf("built-in library not found: %v", err)
	}
	dir := t.TempDir()
	res := writeFile(t, dir, "rg.json", `{"id":"/subscriptions/s/resourceGroups/rg","name":"rg","type":"Microsoft.Resources/subscriptions/resourceGroups","location":"eastus"}`)
	pwd := writeFile(t, dir, "pwd.json", `{"apiVersion":"2025-04-01","identity":{"idtyp":"user","http://schemas.microsoft.com/claims/authnmethodsreferences":"pwd"}}`)
	mfaCtx := writeFile(t, dir, "mfa.json", `{"apiVersion":"2025-04-01","identity":{"idtyp":"user","http://schemas.microsoft.com/claims/authnmethodsreferences":"pwd,mfa"}}`)
	params := writeFile(t, dir, "params.json", `{"effect":{"value":"Deny"}}`)

	tests := []struct {
		name    string
		args    []string
		matched bool
		effect  string
	}{
		{"no mfa, default effect", []string{"--request-context", pwd}, true, "audit"},
		{"no mfa, deny inline", []string{"--request-context", pwd, "--params", `{"effect":{"value":"Deny"}}`}, true, "deny"},
		{"no mfa, deny from file", []string{"--request-context", pwd, "--params", "@" + params}, true, "deny"},
		{"mfa", []string{"--request-context", mfaCtx}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"policy", "eval", "--definition", mfa, "--resource", res}, tt.args...)
			out, errOut, code := run(t, args...)
			if code != 0 {
				t.Fatalf("code %d, stderr %s", code, errOut)
			}
			var got struct {
				Applicable, Matched  bool
				Effect               string
				EvaluatedExpressions []map[string]any
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if !got.Applicable || got.Matched != tt.matched || got.Effect != tt.effect || len(got.EvaluatedExpressions) == 0 {
				t.Errorf("got %+v, want matched %v effect %q", got, tt.matched, tt.effect)
			}
		})
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"missing resource flag", []string{"policy", "eval", "--definition", mfa}, "--resource"},
		{"param not allowed", []string{"policy", "eval", "--definition", mfa, "--resource", res, "--params", `{"effect":{"value":"Block"}}`}, "not allowed"},
		{"bad params JSON", []string{"policy", "eval", "--definition", mfa, "--resource", res, "--params", `{"effect":`}, "not valid JSON"},
		{"resource without type", []string{"policy", "eval", "--definition", mfa, "--resource", writeFile(t, dir, "x.json", `{"name":"x"}`)}, `needs a "type"`},
		{"bad operation", []string{"policy", "eval", "--definition", mfa, "--resource", res, "--operation", "read"}, "--operation"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("code %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// TestEvalWithUserAliases loads a user alias file (aliases/FORMAT.md) so a custom alias resolves
// to its own path instead of the default rule's.
func TestEvalWithUserAliases(t *testing.T) {
	dir := t.TempDir()
	aliasFile := writeFile(t, dir, "aliases.json", `{"aliases":{"Contoso.Widgets/widgets/color":{"path":"properties.appearance.colour"}}}`)
	def := writeFile(t, dir, "def.json", `{"mode":"All","policyRule":{"if":{"field":"Contoso.Widgets/widgets/color","equals":"red"},"then":{"effect":"deny"}}}`)
	res := writeFile(t, dir, "res.json", `{"id":"/subscriptions/s/resourceGroups/rg/providers/Contoso.Widgets/widgets/w","name":"w","type":"Contoso.Widgets/widgets","location":"eastus","properties":{"appearance":{"colour":"red"},"color":"blue"}}`)
	for _, tt := range []struct {
		args    []string
		matched bool
	}{
		{nil, false}, // the default rule reads properties.color
		{[]string{"--aliases", aliasFile}, true},
	} {
		out, errOut, code := run(t, append([]string{"policy", "eval", "--definition", def, "--resource", res}, tt.args...)...)
		if code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if got := strings.Contains(out, `"matched": true`); got != tt.matched {
			t.Errorf("args %v: matched %v, want %v\n%s", tt.args, got, tt.matched, out)
		}
	}
	_, errOut, code := run(t, "policy", "validate", "--aliases", filepath.Join(dir, "nope.json"), def)
	if code != 2 || !strings.Contains(errOut, "--aliases") {
		t.Errorf("missing alias file: code %d, %s", code, errOut)
	}
}

func TestImportBuiltinsCommand(t *testing.T) {
	src, data := t.TempDir(), t.TempDir()
	writeFile(t, src, "policyDefinitions/General/a.json", `{"properties":{"displayName":"A","mode":"All",
		"policyRule":{"if":{"field":"type","equals":"x/y"},"then":{"effect":"audit"}}},
		"id":"/providers/Microsoft.Authorization/policyDefinitions/aaaa","name":"aaaa"}`)
	writeFile(t, src, "policyDefinitions/General/b.json", `{"properties":{"mode":"All","policyRule":{"if":{"field":"type","equalz":"x"},"then":{"effect":"audit"}}}}`)
	out, errOut, code := run(t, "policy", "import-builtins", "--data", data, src)
	if code != 0 || !strings.HasSuffix(out, "1 definitions, 0 initiatives imported, 1 skipped\n") || !strings.Contains(out, "unknown operator 'equalz'") {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if _, _, code := run(t, "policy", "import-builtins", "--data", data); code != 2 {
		t.Errorf("missing DIR: code %d, want 2", code)
	}
}

// TestEvalRawTokenClaims: the request context may carry raw token claims; they are mapped to
// the names Azure gives policy rules (amr → …/authnmethodsreferences, joined with ",").
func TestEvalRawTokenClaims(t *testing.T) {
	mfa := filepath.Join(libraryDir, "policyDefinitions", "General", "MFA_Deny.json")
	if _, err := os.Stat(mfa); err != nil {
		t.Skipf("built-in library not found: %v", err)
	}
	dir := t.TempDir()
	res := writeFile(t, dir, "rg.json", `{"id":"/subscriptions/s/resourceGroups/rg","name":"rg","type":"Microsoft.Resources/subscriptions/resourceGroups","location":"eastus"}`)
	for _, tt := range []struct {
		amr     string
		matched bool
	}{{`["pwd"]`, true}, {`["pwd","mfa"]`, false}} {
		ctx := writeFile(t, dir, "ctx.json", `{"apiVersion":"2025-04-01","identity":{"idtyp":"user","amr":`+tt.amr+`}}`)
		out, _, code := run(t, "policy", "eval", "--definition", mfa, "--resource", res, "--request-context", ctx)
		if code != 0 || strings.Contains(out, `"matched": true`) != tt.matched {
			t.Errorf("amr %s: code %d\n%s", tt.amr, code, out)
		}
	}
}
