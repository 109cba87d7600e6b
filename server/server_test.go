package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// First start prints the tenant, subscription and one-time secrets; a
// second start on the same data folder prints nothing secret and keeps
// the same tenant, subscription and credentials.
func TestBootstrapOnce(t *testing.T) {
	dir := t.TempDir()
	start := func(mod func(*Config)) (*Server, string) {
		t.Helper()
		var out bytes.Buffer
		cfg := baseConfig(t, &clock{})
		cfg.DataDir, cfg.Out = dir, &out
		cfg.TenantID, cfg.SubscriptionID, cfg.AdminClientID, cfg.AdminClientSecret, cfg.AdminPassword = "", "", "", "", ""
		if mod != nil {
			mod(&cfg)
		}
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s, out.String()
	}
	s1, out1 := start(nil)
	tenant, sub := s1.TenantID(), s1.SubscriptionID()
	for _, want := range []string{tenant, sub, "AZURE_CLIENT_SECRET=", "Password: ", "otpauth://"} {
		if !strings.Contains(out1, want) {
			t.Errorf("first start output lacks %q:\n%s", want, out1)
		}
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, out2 := start(nil)
	defer s2.Close()
	if out2 != "" {
		t.Errorf("second start printed:\n%s", out2)
	}
	if s2.TenantID() != tenant || s2.SubscriptionID() != sub {
		t.Errorf("second start: tenant %s sub %s, want %s %s", s2.TenantID(), s2.SubscriptionID(), tenant, sub)
	}
	s2.Close()
	if _, err := New(Config{Addr: "127.0.0.1:0", DataDir: dir, TenantID: testTenant, Out: &bytes.Buffer{}}); err == nil ||
		!strings.Contains(err.Error(), "belongs to tenant") {
		t.Errorf("another tenant id on the same data: %v", err)
	}
}

// PALISADE_* values fix the bootstrap objects: the fixed client secret
// works against the token endpoint.
func TestBootstrapFixedValues(t *testing.T) {
	r := startServer(t)
	if r.TenantID() != testTenant || r.SubscriptionID() != testSub {
		t.Errorf("tenant %s sub %s", r.TenantID(), r.SubscriptionID())
	}
	if !strings.Contains(r.out.String(), "AZURE_CLIENT_ID="+testClientID) || !strings.Contains(r.out.String(), testSecret) {
		t.Errorf("output:\n%s", r.out)
	}
	if tok := r.adminToken(t); tok == "" {
		t.Error("no token")
	}
}

// Plain HTTP only on loopback; TLS flags must be complete.
func TestListenRules(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"plain HTTP on all interfaces", func(c *Config) { c.Addr = "0.0.0.0:0" }, "loopback"},
		{"cert without key", func(c *Config) { c.Addr = "0.0.0.0:0"; c.TLSCert = "x.pem" }, "go together"},
		{"bad address", func(c *Config) { c.Addr = "nope" }, "address"},
		{"bad store", func(c *Config) { c.StoreDSN = "mysql://x" }, "--store"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t, &clock{})
			cfg.Out = &bytes.Buffer{}
			tc.mod(&cfg)
			s, err := New(cfg)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// Any address with a self-signed certificate is fine.
	cfg := baseConfig(t, &clock{})
	cfg.Out, cfg.Addr, cfg.TLSSelfSigned = &bytes.Buffer{}, "0.0.0.0:0", true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "https://localhost:") || s.TLSFiles() == nil {
		t.Errorf("url %s files %+v", s.URL(), s.TLSFiles())
	}
	s.Close()
}

// Real tokens from the built-in issuer: missing, garbage, expired (the
// clock moves past the hour) and for another audience are refused with
// ARM's 401 codes and a Bearer challenge.
func TestTokenChecks(t *testing.T) {
	r := startServer(t)
	path := "/subscriptions/" + testSub + "/resourcegroups?api-version=2025-04-01"
	good := r.adminToken(t)
	otherAud, err := r.token(context.Background(), map[string][]string{"grant_type": {"client_credentials"}, "client_id": {testClientID},
		"client_secret": {testSecret}, "scope": {r.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	cases := []struct {
		name, token string
		status      int
		code        string
	}{
		{"valid", good, 200, ""},
		{"server's own URL as audience", otherAud, 200, ""},
		{"missing", "", 401, "AuthenticationFailed"},
		{"garbage", "abc.def.ghi", 401, "InvalidAuthenticationToken"},
		{"tampered", tampered, 401, "InvalidAuthenticationToken"},
	}
	for _, tc := range cases {
		status, hdr, body := r.raw(t, "GET", path, tc.token, "")
		code := ""
		if e, ok := body["error"].(map[string]any); ok {
			code, _ = e["code"].(string)
		}
		if status != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, code, tc.status, tc.code)
		}
		// ARM names the tenant's authority, from which tools read a
		// subscription's tenant: Bearer authorization_uri="https://login.windows.net/{tenant}"
		// (https://github.com/platform-engineering-labs/formae/pull/738 shows a capture).
		if status == 401 && !strings.Contains(hdr.Get("WWW-Authenticate"), `authorization_uri="`+r.URL()+"/"+testTenant+`", error="invalid_token"`) {
			t.Errorf("%s: challenge %q", tc.name, hdr.Get("WWW-Authenticate"))
		}
	}
	r.clock.Advance(2 * time.Hour)
	status, _, body := r.raw(t, "GET", path, good, "")
	if e, _ := body["error"].(map[string]any); status != 401 || e["code"] != "ExpiredAuthenticationToken" {
		t.Errorf("expired token: %d %v", status, body)
	}
}

// Cancelling Run drains requests and closes the store; everything
// acknowledged before is there after a restart on the same data folder.
func TestGracefulShutdownKeepsWrites(t *testing.T) {
	dir := t.TempDir()
	r := startServer(t, func(c *Config) { c.DataDir = dir })
	ctx := context.Background()
	res, err := armresources.NewClient(testSub, r.credential(t), r.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := armresources.NewResourceGroupsClient(testSub, r.credential(t), r.clientOptions())
	if _, err := groups.CreateOrUpdate(ctx, "rg", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	// Writers run until the server goes away; the server is stopped while
	// they are in flight. Every write a client saw succeed must survive.
	const writers = 8
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/A.B/things/w%d-%d", testSub, w, i)
				if _, err := pollPut(ctx, res, id, armresources.GenericResource{Location: to.Ptr("westeurope")}); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) < writers {
		t.Fatalf("only %d writes acknowledged before shutdown", len(acked))
	}
	r2 := startServer(t, func(c *Config) { c.DataDir = dir })
	c2 := mustClient(t, r2)
	for _, id := range acked {
		if _, err := c2.GetByID(ctx, id, "2023-05-01", nil); err != nil {
			t.Errorf("acknowledged write lost: %v", err)
		}
	}
	t.Logf("%d acknowledged writes all present after restart", len(acked))
	if status, _, _ := r2.raw(t, "GET", "/metadata/endpoints?api-version=2022-09-01", "", ""); status != http.StatusOK {
		t.Errorf("metadata endpoint: %d", status)
	}
}

func mustClient(t *testing.T, r *running) *armresources.Client {
	c, err := armresources.NewClient(testSub, r.credential(t), r.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The policy object handlers are registered: the built-in MFA definition
// is served at the tenant root, and assignments list at a subscription.
func TestPolicyHandlersWired(t *testing.T) {
	r := startServer(t)
	tok := r.adminToken(t)
	status, _, body := r.raw(t, "GET", "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b?api-version=2025-03-01", tok, "")
	if status != http.StatusOK || body["name"] != "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b" {
		t.Errorf("built-in definition: %d %v", status, body)
	}
	status, _, body = r.raw(t, "GET", "/subscriptions/"+testSub+"/providers/Microsoft.Authorization/policyAssignments?api-version=2025-03-01", tok, "")
	if status != http.StatusOK || body["value"] == nil {
		t.Errorf("assignment list: %d %v", status, body)
	}
}

// A path that is not clean is an invalid resource id, refused where it
// is, not redirected to the cleaned path (a client would follow a 307
// with its PUT: "resourceGroups//providers/…" would then name a group
// called "providers"). Slashes doubled at the start, from an endpoint
// ending in "/" joined with a path starting with one, are forgiven.
func TestUncleanPathsRefused(t *testing.T) {
	r := startServer(t)
	tok := r.adminToken(t)
	rg := "/subscriptions/" + testSub + "/resourceGroups/"
	for _, path := range []string{
		rg + "/providers/Microsoft.Storage/storageAccounts/sa1",
		rg + "rg1/providers/Microsoft.Storage//sa1",
		rg + "rg1/providers/Microsoft.Storage/storageAccounts/./sa1",
		rg + "rg1/providers/Microsoft.Storage/storageAccounts/../storageAccounts/sa1",
	} {
		status, hdr, body := r.raw(t, "PUT", path+"?api-version=2025-04-01", tok, `{"location":"westeurope"}`)
		e, _ := body["error"].(map[string]any)
		if status != http.StatusBadRequest || e["code"] != "InvalidResourceId" || hdr.Get("Location") != "" {
			t.Errorf("PUT %s: %d %v (Location %q), want 400 InvalidResourceId", path, status, body, hdr.Get("Location"))
		}
	}
	status, _, body := r.raw(t, "PUT", "/"+rg+"rg1?api-version=2025-04-01", tok, `{"location":"westeurope"}`)
	if status != http.StatusCreated || body["id"] != rg+"rg1" {
		t.Errorf("PUT /%srg1: %d %v, want 201 and the group", rg, status, body)
	}
}
