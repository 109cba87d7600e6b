package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/palisade/palisade/identity"
)

const (
	testTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testSub      = "00000000-0000-0000-0000-00000000aaaa"
	testClientID = "11111111-2222-3333-4444-555555555555"
	testSecret   = "test-secret-for-the-administrator-sp-0123456789"
	armScope     = "https://management.core.windows.net//.default"
)

var cheapArgon = identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

// clock is real time plus an offset a test can move forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// running is a server started by startServer.
type running struct {
	*Server
	out   *bytes.Buffer
	clock *clock
	hc    *http.Client
	stop  func() error
}

// baseConfig is a server on a free loopback port with fixed bootstrap
// values, cheap password hashing and a movable clock.
func baseConfig(t testing.TB, c *clock) Config {
	return Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		TenantID: testTenant, SubscriptionID: testSub, AdminClientID: testClientID, AdminClientSecret: testSecret,
		AdminPassword: "correct horse battery staple", Argon2: cheapArgon, Now: c.Now, ShutdownTimeout: 5 * time.Second,
	}
}

// startServer runs a server until the test ends.
func startServer(t testing.TB, mod ...func(*Config)) *running {
	t.Helper()
	c := &clock{}
	cfg := baseConfig(t, c)
	out := &bytes.Buffer{}
	cfg.Out = out
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	hc := &http.Client{Timeout: 30 * time.Second}
	if f := s.TLSFiles(); f != nil {
		pool, err := CertPool(f.CA)
		if err != nil {
			t.Fatal(err)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return &running{Server: s, out: out, clock: c, hc: hc, stop: stop}
}

// clientOptions is the Azure SDK configuration for this server (see
// arm-clients notes: both Endpoint and Audience are required; plain HTTP
// needs InsecureAllowCredentialWithHTTP).
// resourceClients returns the armresources clients for the server's subscription, signed in as
// the administrator service principal.
func (r *running) resourceClients(t testing.TB) *armresources.ClientFactory {
	t.Helper()
	f, err := armresources.NewClientFactory(r.SubscriptionID(), r.credential(t), r.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (r *running) clientOptions() *arm.ClientOptions {
	o := &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: r.URL() + "/",
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: r.URL(), Audience: identity.AudienceManagementCore},
				},
			},
			Transport: r.hc,
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
		DisableRPRegistration: true,
	}
	if strings.HasPrefix(r.URL(), "http://") {
		o.InsecureAllowCredentialWithHTTP = true
	}
	return o
}

// credential returns a token credential for the administrator service
// principal: azidentity's ClientSecretCredential over HTTPS (MSAL requires
// an https authority), a direct client-credentials call over plain HTTP.
func (r *running) credential(t testing.TB) azcore.TokenCredential {
	t.Helper()
	if strings.HasPrefix(r.URL(), "https://") {
		cred, err := azidentity.NewClientSecretCredential(r.TenantID(), testClientID, testSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: r.clientOptions().ClientOptions, DisableInstanceDiscovery: true})
		if err != nil {
			t.Fatal(err)
		}
		return cred
	}
	return &formCredential{r: r}
}

// formCredential gets tokens from the built-in issuer with the
// client-credentials grant.
type formCredential struct{ r *running }

func (c *formCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.r.token(ctx, url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID},
		"client_secret": {testSecret}, "scope": {strings.Join(opts.Scopes, " ")}})
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (r *running) token(ctx context.Context, form url.Values) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+"/"+r.TenantID()+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := r.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("token: %d %s", resp.StatusCode, b)
	}
	return body.AccessToken, nil
}

// adminToken is a service-principal token for raw HTTP calls.
func (r *running) adminToken(t testing.TB) string {
	t.Helper()
	tok, err := r.token(context.Background(), url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID},
		"client_secret": {testSecret}, "scope": {armScope}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// raw sends one HTTP request and returns status, headers and decoded body.
func (r *running) raw(t testing.TB, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

// wantCode checks that err is an azcore.ResponseError with this status and
// ARM error code.
func wantCode(t testing.TB, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a *azcore.ResponseError %d %s", err, status, code)
	}
	if re.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("got %d %s, want %d %s\n%v", re.StatusCode, re.ErrorCode, status, code, err)
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
