package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/server"
)

// The first administrators are made on the data folder before the server
// runs: a user with a password and a confirmed authenticator, and a service
// principal; both can then sign in to the running server.
func TestIdentityOnDataFolder(t *testing.T) {
	cliEnv(t)
	dir := t.TempDir()
	// set the folder up once, as `palisade serve` does on first start
	s, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: dir, TenantID: tTenant, SubscriptionID: tSub,
		AdminPassword: tPassword, AdminTOTPSecret: tTOTP, Out: &strings.Builder{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	r := mustRun(t, "identity", "user", "create", "--data", dir, "-n", "alice", "--display-name", "Alice Example")
	var u map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &u); err != nil {
		t.Fatal(err)
	}
	password, _ := u["password"].(string)
	props, _ := u["properties"].(map[string]any)
	if len(password) < 20 || props["mfaEnabled"] != false || props["displayName"] != "Alice Example" || u["name"] != "alice" {
		t.Fatalf("user create = %s", r.stdout)
	}
	if r := pal(t, "identity", "user", "create", "--data", dir, "-n", "alice", "-p", "x"); r.code != 1 {
		t.Errorf("duplicate user: %+v", r)
	}

	// Without a terminal: the QR code on stderr, the seed in the result,
	// then --confirm with the first code.
	r = mustRun(t, "identity", "user", "enroll-mfa", "--data", dir, "-n", "alice")
	if !strings.Contains(r.stderr, "█") || !strings.Contains(r.stderr, "otpauth://totp/") || !strings.Contains(r.stderr, "--confirm CODE") {
		t.Errorf("enroll-mfa did not show the QR code and the next step:\n%s", r.stderr)
	}
	var en map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &en); err != nil {
		t.Fatal(err)
	}
	seed, _ := en["secret"].(string)
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(seed, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if r := pal(t, "identity", "user", "enroll-mfa", "--data", dir, "-n", "alice", "--confirm", "000000"); r.code != 1 {
		t.Errorf("wrong code accepted: %+v", r)
	}
	mustRun(t, "identity", "user", "enroll-mfa", "--data", dir, "-n", "alice", "--confirm", code(time.Now().Add(-30*time.Second)), "-o", "none")
	r = mustRun(t, "identity", "user", "list", "--data", dir, "--query", "[?name=='alice'].properties.mfaEnabled", "-o", "tsv")
	if r.stdout != "true\n" {
		t.Errorf("alice enrolled = %q", r.stdout)
	}
	r = mustRun(t, "identity", "user", "reset-password", "--data", dir, "-n", "alice", "-p", "a new long passphrase", "-o", "none")

	r = mustRun(t, "identity", "sp", "create", "--data", dir, "-n", "ci-pipeline")
	var sp map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &sp); err != nil || sp["appId"] == "" || len(sp["password"]) < 30 || sp["tenant"] != tTenant {
		t.Fatalf("sp create = %s (%v)", r.stdout, err)
	}
	r = mustRun(t, "identity", "sp", "credential", "reset", "--data", dir, "--id", sp["appId"])
	var reset map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &reset); err != nil || reset["password"] == sp["password"] {
		t.Fatalf("credential reset = %s", r.stdout)
	}
	// reset revokes the earlier secret (az's default); --append keeps them.
	r = mustRun(t, "identity", "sp", "list", "--data", dir, "--query", "[?properties.displayName=='ci-pipeline'].length(properties.passwordCredentials)", "-o", "tsv")
	if r.stdout != "1\n" {
		t.Errorf("secrets after reset = %q", r.stdout)
	}
	r = mustRun(t, "identity", "sp", "credential", "reset", "--data", dir, "--id", sp["appId"], "--append")
	var appended map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &appended); err != nil || appended["password"] == "" {
		t.Fatalf("credential reset --append = %s", r.stdout)
	}
	r = mustRun(t, "identity", "sp", "credential", "list", "--data", dir, "--id", sp["appId"], "--query", "[].keyId", "-o", "tsv")
	keyIDs := strings.Fields(r.stdout)
	if len(keyIDs) != 2 {
		t.Fatalf("credential list after --append = %q", r.stdout)
	}
	mustRun(t, "identity", "sp", "credential", "delete", "--data", dir, "--id", sp["appId"], "--key-id", keyIDs[1])
	if r := mustRun(t, "identity", "sp", "credential", "list", "--data", dir, "--id", sp["appId"], "--query", "[].keyId", "-o", "tsv"); r.stdout != keyIDs[0]+"\n" {
		t.Errorf("credential list after delete = %q, want %s", r.stdout, keyIDs[0])
	}
	if r := pal(t, "identity", "sp", "credential", "delete", "--data", dir, "--id", sp["appId"], "--key-id", keyIDs[1]); r.code != 1 || !strings.Contains(r.stderr, "no secret with that key id") {
		t.Errorf("delete a removed key id: %+v", r)
	}

	// The running server knows them.
	srv := startTestServerAt(t, dir)
	mustRun(t, "login", "--server", srv.URL(), "-u", "alice", "-p", "a new long passphrase", "--otp", code(time.Now()), "-o", "none")
	r = mustRun(t, "account", "get-access-token", "--query", "accessToken", "-o", "tsv")
	mustRun(t, "login", "--service-principal", "-u", sp["appId"], "-p", reset["password"], "-o", "none")
	for name, pw := range map[string]string{"revoked by reset": sp["password"], "deleted": appended["password"]} {
		if r := pal(t, "login", "--service-principal", "-u", sp["appId"], "-p", pw, "-o", "none"); r.code == 0 {
			t.Errorf("a secret %s still signs in", name)
		}
	}

	mustRun(t, "identity", "sp", "delete", "--data", dir, "--id", sp["appId"])
	mustRun(t, "identity", "user", "delete", "--data", dir, "-n", "alice")
	if r := mustRun(t, "identity", "user", "list", "--data", dir, "--query", "[].name", "-o", "tsv"); r.stdout != "admin\n" {
		t.Errorf("users after delete = %q", r.stdout)
	}
	if r := pal(t, "identity", "user", "delete", "--data", dir, "-n", "alice"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("delete missing user: %+v", r)
	}
}

// Signed in, the same commands use the server's admin API.
func TestIdentityOverAPI(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	r := mustRun(t, "identity", "user", "create", "-n", "bob", "-p", "bob-password-1", "--query", "properties.mfaEnabled", "-o", "tsv")
	if r.stdout != "false\n" {
		t.Errorf("create = %q", r.stdout)
	}
	if r := pal(t, "identity", "user", "create", "-n", "bob", "-p", "other-password"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate: %+v", r)
	}
	r = mustRun(t, "identity", "user", "enroll-mfa", "-n", "bob")
	var en map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &en); err != nil || !strings.Contains(r.stderr, "█") {
		t.Fatalf("enroll: %v %s %s", err, r.stdout, r.stderr)
	}
	seed, _ := en["secret"].(string)
	code, err := totp.GenerateCode(seed, srv.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "identity", "user", "enroll-mfa", "-n", "bob", "--confirm", code, "--query", "properties.mfaEnabled", "-o", "tsv")
	if r.stdout != "true\n" {
		t.Errorf("confirm = %q", r.stdout)
	}
	mustRun(t, "identity", "user", "reset-password", "-n", "bob", "-p", "bob-password-2")
	r = mustRun(t, "identity", "sp", "create", "-n", "deployer")
	var sp map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &sp); err != nil || sp["password"] == "" || sp["tenant"] != tTenant {
		t.Fatalf("sp create = %s", r.stdout)
	}
	if r := mustRun(t, "identity", "sp", "list", "--query", "[?properties.displayName=='deployer'].name", "-o", "tsv"); r.stdout != sp["appId"]+"\n" {
		t.Errorf("sp list = %q", r.stdout)
	}
	// the new principal signs in with its secret (in a separate profile)
	t.Setenv("PALISADE_CONFIG_DIR", t.TempDir())
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", sp["appId"], "-p", sp["password"], "-o", "none")
	t.Setenv("PALISADE_CONFIG_DIR", "")

	// rotation through the server: reset revokes the first secret, delete revokes by key id
	r = mustRun(t, "identity", "sp", "credential", "reset", "--id", sp["appId"])
	var reset map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &reset); err != nil || reset["password"] == "" {
		t.Fatalf("credential reset = %s", r.stdout)
	}
	t.Setenv("PALISADE_CONFIG_DIR", t.TempDir())
	if r := pal(t, "login", "--server", srv.URL(), "--service-principal", "-u", sp["appId"], "-p", sp["password"], "-o", "none"); r.code == 0 {
		t.Error("the secret revoked by reset still signs in")
	}
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", sp["appId"], "-p", reset["password"], "-o", "none")
	t.Setenv("PALISADE_CONFIG_DIR", "")
	r = mustRun(t, "identity", "sp", "credential", "list", "--id", sp["appId"], "--query", "[].keyId", "-o", "tsv")
	keyIDs := strings.Fields(r.stdout)
	if len(keyIDs) != 1 {
		t.Fatalf("credential list after reset = %q", r.stdout)
	}
	if r := pal(t, "identity", "sp", "credential", "delete", "--id", sp["appId"], "--key-id", "00000000-0000-0000-0000-000000000000"); r.code != 1 || !strings.Contains(r.stderr, "no client secret with key id") {
		t.Errorf("delete an unknown key id: %+v", r)
	}
	mustRun(t, "identity", "sp", "credential", "delete", "--id", sp["appId"], "--key-id", keyIDs[0])
	if r := mustRun(t, "identity", "sp", "credential", "list", "--id", sp["appId"]); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("credential list after delete = %q", r.stdout)
	}
	mustRun(t, "identity", "sp", "delete", "--id", sp["appId"])
	mustRun(t, "identity", "user", "delete", "-n", "bob")
	if r := pal(t, "identity", "user", "delete", "-n", "bob"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("delete missing: %+v", r)
	}
}
