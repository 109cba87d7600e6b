package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store/sqlite"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testSub    = "00000000-0000-0000-0000-000000000001"
	goodToken  = "good-token"
)

// fakeVerifier accepts goodToken as a user and refuses everything else
// with the identity package's codes.
type fakeVerifier struct{}

func (fakeVerifier) Verify(_ context.Context, tok string) (*identity.Principal, error) {
	switch tok {
	case goodToken:
		return &identity.Principal{Kind: identity.KindUser, ObjectID: "11111111-1111-1111-1111-111111111111",
			TenantID: testTenant, UPN: "admin@palisade.local", Claims: map[string]any{"upn": "admin@palisade.local"}}, nil
	case "expired":
		return nil, &identity.AuthError{Code: identity.CodeExpiredToken, Message: "The access token expired."}
	case "wrong-aud":
		return nil, &identity.AuthError{Code: identity.CodeInvalidAudience, Message: "The access token has an invalid audience."}
	}
	return nil, &identity.AuthError{Code: identity.CodeInvalidToken, Message: "The access token is invalid."}
}

type testAPI struct {
	h   *Handler
	srv *httptest.Server
}

func newTestAPI(t testing.TB, mod ...func(*Config)) *testAPI {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := EnsureTenant(context.Background(), st, TenantSetup{TenantID: testTenant, SubscriptionID: testSub}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Verifier: fakeVerifier{}, TenantID: testTenant, PageSize: 5}
	for _, m := range mod {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testAPI{h: h, srv: srv}
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// do sends a request with the good token unless headers override it.
func (a *testAPI) do(t testing.TB, method, path, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+goodToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &r.Body)
	}
	return r
}

func (r response) code() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
