package identity_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/palisade/palisade/identity"
)

// Token-endpoint errors use the error strings Entra documents:
//   - a scope Entra cannot grant is error "invalid_scope" with AADSTS70011 and
//     HTTP 400 (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
//     "Error response");
//   - an unrecognised device_code is "bad_verification_code"
//     (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code,
//     "Expected errors");
//   - a missing parameter is "invalid_request" with AADSTS900144.
func TestTokenErrorCodes(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	if _, err := e.svc.CreateUser(context.Background(), "wes", "Wes", "wes-password"); err != nil {
		t.Fatal(err)
	}
	cc := func(scope string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {scope}}
	}
	pw := func(scope string) url.Values {
		f := passwordForm("wes", "wes-password", "", "")
		f.Set("scope", scope)
		return f
	}
	device := func(code string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {identity.CLIClientID}, "device_code": {code}}
	}
	cases := []struct {
		name   string
		form   url.Values
		status int
		err    string
		aadsts float64
	}{
		{"client credentials, scope without .default", cc("https://management.azure.com/user_impersonation"), 400, "invalid_scope", 70011},
		{"client credentials, only OIDC scopes", cc("openid profile"), 400, "invalid_scope", 70011},
		{"client credentials, no scope", cc(""), 400, "invalid_request", 900144},
		{"password, malformed scope", pw("management"), 400, "invalid_scope", 70011},
		{"password, two resources", pw("https://management.azure.com/.default https://graph.example/.default"), 400, "invalid_scope", 70011},
		{"password, only OIDC scopes", pw("openid offline_access"), 400, "invalid_scope", 70011},
		{"password, no scope", pw(""), 400, "invalid_request", 900144},
		{"device code not recognised", device("no-such-device-code"), 400, "bad_verification_code", 70000},
		{"device code missing", device(""), 400, "invalid_request", 900144},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.token(t, tc.form)
			if status != tc.status || body["error"] != tc.err || !hasCode(body, tc.aadsts) {
				t.Errorf("got %d %v %v, want %d %s %v", status, body["error"], body["error_codes"], tc.status, tc.err, tc.aadsts)
			}
		})
	}
}

// error_description is "AADSTS<n>: <text>" followed by CRLF-separated
// Trace ID, Correlation ID and Timestamp lines that repeat the trace_id,
// correlation_id and timestamp fields
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
// "Error response"). The client-request-id header becomes the correlation id.
func TestTokenErrorDescriptionLayout(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodPost, e.url("/oauth2/v2.0/token"), nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("client-request-id", "0f5c4e5a-3a8e-4d7b-9c1e-2b6f0a9d8e71")
	req.Body = io.NopCloser(strings.NewReader("grant_type=client_credentials&client_id=nobody&client_secret=x&scope=https%3A%2F%2Fmanagement.azure.com%2Fuser_impersonation"))
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	desc, _ := body["error_description"].(string)
	m := regexp.MustCompile(`^AADSTS70011: [^\r\n]+\r\nTrace ID: ([0-9a-f-]{36})\r\nCorrelation ID: ([0-9a-f-]{36})\r\nTimestamp: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)$`).FindStringSubmatch(desc)
	if m == nil {
		t.Fatalf("description %q does not have Entra's layout", desc)
	}
	if m[1] != body["trace_id"] || m[2] != body["correlation_id"] || m[3] != body["timestamp"] {
		t.Errorf("description lines %q do not repeat trace_id %v, correlation_id %v, timestamp %v", m[1:], body["trace_id"], body["correlation_id"], body["timestamp"])
	}
	if body["correlation_id"] != "0f5c4e5a-3a8e-4d7b-9c1e-2b6f0a9d8e71" {
		t.Errorf("correlation_id %v, want the client-request-id", body["correlation_id"])
	}
}
