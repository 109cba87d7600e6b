package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	// mfaDefinition is Azure's "Users must authenticate with multi-factor
	// authentication to create or update resources" (the tutorial's).
	mfaDefinition = "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"
	// mfaDeleteDefinition is its counterpart for deletes (DenyAction).
	mfaDeleteDefinition = "db4a9d17-db75-4f46-9fcb-9f9526604417"
	mfaName             = "Users must authenticate with multi-factor authentication to create or update resources"
	mfaMessage          = "To resolve this error, set up MFA at aka.ms/setupMFA."
	// tutorialQuery is the query of the Azure tutorial, verbatim
	// (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement).
	tutorialQuery = "[?operationName.value=='Microsoft.Authorization/policies/audit/action'].{ResourceId: resourceId, Policies: properties.policies}"
	// tutorialJQ is the tutorial's jq and column pipeline, verbatim.
	tutorialJQ = `jq -r '"ResourceName\tResourceId\tPolicyDefinitionDisplayName", (.[] as $event | ($event.Policies | fromjson[] | "\($event.ResourceId | split("/") | last)\t\($event.ResourceId)\t\(.policyDefinitionDisplayName)"))' | column -t -s $'\t'`
)

// profiles switches the CLI between two saved sign-ins (an administrator
// service principal and a user), each in its own configuration folder.
type profiles struct {
	t        *testing.T
	sp, user string
}

func (p profiles) as(dir string) { p.t.Setenv("PALISADE_CONFIG_DIR", dir) }

// TestMFATutorial runs the Azure MFA enforcement tutorial with the CLI
// against a running server: an audit assignment with a resource selector
// and a non-compliance message, the tutorial's activity-log query, the
// selector widened, a Deny override, the refusal as az prints it, the
// non-interactive hint, and the step-up with a TOTP code, interactive and
// not, after which the request passes.
func TestMFATutorial(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	dir := t.TempDir()
	p := profiles{t: t, sp: filepath.Join(dir, "sp"), user: filepath.Join(dir, "user")}

	p.as(p.sp)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant)
	for _, g := range [][2]string{{"rg-east", "eastus"}, {"rg-west", "westus"}, {"rg-eu", "westeurope"}} {
		mustRun(t, "group", "create", "-n", g[0], "-l", g[1], "-o", "none")
	}
	r := mustRun(t, "policy", "assignment", "create", "--name", "mfa-writes", "--display-name", "MFA for writes",
		"--policy", mfaDefinition, "--params", `{"effect": {"value": "Audit"}}`,
		"--resource-selectors", `[{"name": "low-risk", "selectors": [{"kind": "resourceLocation", "in": ["eastus"]}]}]`)
	var a map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(str(a, "policyDefinitionId"), "/"+mfaDefinition) {
		t.Fatalf("assignment = %s", r.stdout)
	}
	r = mustRun(t, "policy", "assignment", "non-compliance-message", "create", "-n", "mfa-writes", "-m", mfaMessage)
	var msgs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &msgs); err != nil || len(msgs) != 1 || msgs[0]["message"] != mfaMessage {
		t.Fatalf("non-compliance-message create = %s (%v)", r.stdout, err)
	}

	// A user signs in with a password only: no MFA in the token.
	p.as(p.user)
	mustRun(t, "login", "--server", srv.URL(), "-u", "admin", "-p", tPassword, "-o", "none")
	createAccount := func(rg, name, location string) runResult {
		return pal(t, "resource", "create", "-g", rg, "-n", name, "--resource-type", "Microsoft.Storage/storageAccounts",
			"-l", location, "--properties", `{"supportsHttpsTrafficOnly": true}`, "-o", "none")
	}
	if r := createAccount("rg-east", "acctaudited", "eastus"); r.code != 0 {
		t.Fatalf("create in the selected region: %+v", r)
	}
	if r := createAccount("rg-west", "acctwest", "westus"); r.code != 0 {
		t.Fatalf("create outside the selector: %+v", r)
	}

	// The tutorial's query: one row, for the audited account.
	r = mustRun(t, "monitor", "activity-log", "list", "--query", tutorialQuery, "--output", "json")
	checkTutorialRows(t, r.stdout, []string{"acctaudited"})
	runTutorialJQ(t, r.stdout, []string{"acctaudited"})

	// Widen the selector, then deny in westeurope.
	p.as(p.sp)
	mustRun(t, "policy", "assignment", "update", "-n", "mfa-writes", "-o", "none",
		"--resource-selectors", `[{"name": "low-risk", "selectors": [{"kind": "resourceLocation", "in": ["eastus", "westus", "westeurope"]}]}]`)
	mustRun(t, "policy", "assignment", "update", "-n", "mfa-writes", "-o", "none",
		"--overrides", `[{"kind": "policyEffect", "value": "Deny", "selectors": [{"kind": "resourceLocation", "in": ["westeurope"]}]}]`)
	r = mustRun(t, "policy", "assignment", "show", "-n", "mfa-writes", "--query", "[nonComplianceMessages[0].message, overrides[0].value]", "-o", "tsv")
	if r.stdout != mfaMessage+"\nDeny\n" { // az prints a list of scalars one per line
		t.Errorf("the update lost the message or the override: %q", r.stdout)
	}

	p.as(p.user)
	if r := createAccount("rg-west", "acctwest2", "westus"); r.code != 0 {
		t.Fatalf("widened region: %+v", r)
	}
	// Refused, as az prints it, with the command that steps up.
	r = createAccount("rg-eu", "acctdenied", "westeurope")
	if r.code != 1 {
		t.Fatalf("refused create: exit %d, stderr %s", r.code, r.stderr)
	}
	if testing.Verbose() {
		t.Logf("refusal as printed:\n%s", r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "ERROR: (RequestDisallowedByPolicy) ") || !strings.Contains(r.stderr, mfaMessage) ||
		!strings.Contains(r.stderr, "PolicyViolation") || !strings.Contains(r.stderr, "mfa-writes") {
		t.Errorf("refusal:\n%s", r.stderr)
	}
	hint := regexp.MustCompile(`(?m)^palisade login (.*) --claims-challenge "([A-Za-z0-9+/=]+)"$`).FindStringSubmatch(r.stderr)
	if hint == nil || !strings.Contains(hint[1], "--username admin") || !strings.Contains(hint[1], "--server "+srv.URL()) {
		t.Fatalf("no step-up command in:\n%s", r.stderr)
	}
	// The printed command, with the password and code a script would add.
	args := append(strings.Fields(hint[1]), "--claims-challenge", hint[2], "-p", tPassword, "--otp", srv.nextCode(t), "-o", "none")
	mustRun(t, append([]string{"login"}, args...)...)
	if r := createAccount("rg-eu", "acctdenied", "westeurope"); r.code != 0 {
		t.Fatalf("after the step-up login: %+v", r)
	}

	// Interactively: sign in again without MFA; the CLI asks for the password
	// and the code when refused, and retries once.
	mustRun(t, "login", "-u", "admin", "-p", tPassword, "-o", "none")
	restore := withTerminal(t, tPassword+"\n"+srv.nextCode(t)+"\n")
	r = createAccount("rg-eu", "acctstepup", "westeurope")
	restore()
	if r.code != 0 {
		t.Fatalf("interactive step-up: %+v", r)
	}
	if !strings.Contains(r.stderr, "requires multi-factor authentication") || !strings.Contains(r.stderr, "Authenticator code") ||
		!strings.Contains(r.stderr, "WARNING: (RequestDisallowedByPolicy) ") || !strings.Contains(r.stderr, mfaMessage) {
		t.Errorf("the step-up did not explain itself:\n%s", r.stderr)
	}
	mustRun(t, "resource", "show", "-g", "rg-eu", "-n", "acctstepup", "--resource-type", "Microsoft.Storage/storageAccounts", "-o", "none")

	// A service principal is never refused by the MFA definition.
	p.as(p.sp)
	if r := createAccount("rg-eu", "acctsp", "westeurope"); r.code != 0 {
		t.Fatalf("service principal: %+v", r)
	}
	r = mustRun(t, "monitor", "activity-log", "list", "--query", tutorialQuery, "--output", "json")
	checkTutorialRows(t, r.stdout, []string{"acctaudited", "acctwest2"})

	// The delete definition with DenyAction refuses a delete without MFA.
	mustRun(t, "policy", "assignment", "create", "-n", "mfa-deletes", "--policy", mfaDeleteDefinition,
		"--params", `{"effect": {"value": "DenyAction"}}`, "-o", "none")
	mustRun(t, "policy", "assignment", "non-compliance-message", "create", "-n", "mfa-deletes", "-m", mfaMessage, "-o", "none")
	p.as(p.user)
	mustRun(t, "login", "-u", "admin", "-p", tPassword, "-o", "none")
	west2 := []string{"--ids", "/subscriptions/" + tSub + "/resourceGroups/rg-west/providers/Microsoft.Storage/storageAccounts/acctwest2"}
	r = pal(t, append([]string{"resource", "delete"}, west2...)...)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ERROR: (RequestDisallowedByPolicy) ") || !strings.Contains(r.stderr, "--claims-challenge") {
		t.Errorf("delete without MFA: %+v", r)
	}
	mustRun(t, append([]string{"resource", "show", "-o", "none"}, west2...)...)
}

// checkTutorialRows decodes the query's output as the tutorial's jq does
// (Policies is a JSON string holding an array) and checks one row per
// audited account, naming the MFA definition.
func checkTutorialRows(t *testing.T, out string, accounts []string) {
	t.Helper()
	var rows []struct {
		ResourceID string `json:"ResourceId"`
		Policies   string `json:"Policies"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("query output: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, row := range rows {
		var policies []map[string]any
		if err := json.Unmarshal([]byte(row.Policies), &policies); err != nil {
			t.Fatalf("Policies is not a JSON string of an array: %v (%q)", err, row.Policies)
		}
		for _, pol := range policies {
			if pol["policyDefinitionDisplayName"] != mfaName {
				t.Errorf("policyDefinitionDisplayName = %v", pol["policyDefinitionDisplayName"])
			}
		}
		got[row.ResourceID[strings.LastIndex(row.ResourceID, "/")+1:]] = true
	}
	if len(got) != len(accounts) {
		t.Errorf("audited resources %v, want %v", got, accounts)
	}
	for _, a := range accounts {
		if !got[a] {
			t.Errorf("no row for %s in %v", a, got)
		}
	}
}

// runTutorialJQ feeds the output to the tutorial's jq | column pipeline,
// verbatim, and checks its table.
func runTutorialJQ(t *testing.T, out string, accounts []string) {
	t.Helper()
	for _, tool := range []string{"jq", "column", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("skipping the jq pipeline: %s is not installed (apt-get install jq bsdextrautils); the JSON was checked in Go", tool)
			return
		}
	}
	cmd := exec.Command("bash", "-c", tutorialJQ)
	cmd.Stdin = strings.NewReader(out)
	cmd.Stderr = os.Stderr
	table, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq pipeline: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(table), "\n"), "\n")
	if len(lines) != 1+len(accounts) || !strings.HasPrefix(lines[0], "ResourceName") {
		t.Fatalf("jq table:\n%s", table)
	}
	for i, a := range accounts {
		f := strings.Fields(lines[1+i])
		if len(f) < 3 || f[0] != a || !strings.HasSuffix(f[1], "/"+a) || strings.Join(f[2:], " ") != mfaName {
			t.Errorf("jq row %q", lines[1+i])
		}
	}
}
