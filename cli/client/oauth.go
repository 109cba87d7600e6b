package client

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CLIClientID is the built-in public client the CLI signs users in with.
const CLIClientID = "palisade-cli"

// ARMScope is the scope the CLI asks tokens for, as az does (note the double
// slash: the resource is "https://management.core.windows.net/").
const ARMScope = "https://management.core.windows.net//.default"

// Authority talks to the token endpoints of a Palisade server's built-in
// issuer.
type Authority struct {
	// Server is the server's base URL.
	Server string
	// Tenant is the tenant id; "organizations" (accepted as an alias) when
	// not known yet.
	Tenant string
	// HTTP sends the requests.
	HTTP *http.Client
	// Log receives --debug traces; nil for none.
	Log *Logger
}

// TokenResponse is a successful token-endpoint answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// OAuthError is a refused grant in Entra's shape (error, error_description,
// error_codes).
type OAuthError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
	ErrorCodes  []int  `json:"error_codes"`
	Suberror    string `json:"suberror"`
}

// Error returns the description, which already carries the AADSTS number.
func (e *OAuthError) Error() string {
	if e.Description != "" {
		return e.Description
	}
	return fmt.Sprintf("token request failed: %s (HTTP %d)", e.Code, e.Status)
}

func (a *Authority) endpoint(path string) string {
	t := a.Tenant
	if t == "" {
		t = "organizations"
	}
	return strings.TrimRight(a.Server, "/") + "/" + t + "/oauth2/v2.0/" + path
}

// post sends a form to an endpoint and decodes a JSON answer into out.
func (a *Authority) post(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint(path), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	a.Log.Request(req, form)
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("token request to %s: %w", a.Server, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read token response: %w", err)
	}
	a.Log.Response(resp, body)
	if resp.StatusCode != http.StatusOK {
		oe := &OAuthError{Status: resp.StatusCode}
		if json.Unmarshal(body, oe) != nil || oe.Code == "" {
			return fmt.Errorf("token request to %s: HTTP %d: %s", a.Server, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return oe
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode token response: %w", err)
	}
	return nil
}

func (a *Authority) token(ctx context.Context, form url.Values) (*TokenResponse, error) {
	form.Set("scope", ARMScope+" offline_access")
	var tr TokenResponse
	if err := a.post(ctx, "token", form, &tr); err != nil {
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, fmt.Errorf("token response from %s holds no access token", a.Server)
	}
	return &tr, nil
}

// Password signs a user in with the resource-owner password grant; otp is a
// TOTP code (the server's extra form field) and claims a claims request
// (decoded JSON) such as an MFA challenge's.
func (a *Authority) Password(ctx context.Context, user, password, otp, claims string) (*TokenResponse, error) {
	f := url.Values{"grant_type": {"password"}, "client_id": {CLIClientID}, "username": {user}, "password": {password}}
	setNonEmpty(f, "otp", otp)
	setNonEmpty(f, "claims", claims)
	return a.token(ctx, f)
}

// ClientCredentials signs a service principal in with its client secret.
func (a *Authority) ClientCredentials(ctx context.Context, clientID, secret string) (*TokenResponse, error) {
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	f.Set("scope", ARMScope)
	var tr TokenResponse
	if err := a.post(ctx, "token", f, &tr); err != nil {
		return nil, err
	}
	return &tr, nil
}

// Refresh redeems a refresh token (the server rotates it).
func (a *Authority) Refresh(ctx context.Context, refreshToken, claims string) (*TokenResponse, error) {
	f := url.Values{"grant_type": {"refresh_token"}, "client_id": {CLIClientID}, "refresh_token": {refreshToken}}
	setNonEmpty(f, "claims", claims)
	return a.token(ctx, f)
}

// DeviceCodeStart is the device-authorization answer the user acts on.
type DeviceCodeStart struct {
	DeviceCode      string `json:"device_code"`
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
	ExpiresIn       int64  `json:"expires_in"`
	Interval        int64  `json:"interval"`
	Message         string `json:"message"`
}

// DeviceCode runs the device authorization grant (RFC 8628): it shows the
// server's message through notify, then polls until the user has signed in.
func (a *Authority) DeviceCode(ctx context.Context, claims string, notify func(string)) (*TokenResponse, error) {
	f := url.Values{"client_id": {CLIClientID}, "scope": {ARMScope + " offline_access"}}
	setNonEmpty(f, "claims", claims)
	var dc DeviceCodeStart
	if err := a.post(ctx, "devicecode", f, &dc); err != nil {
		return nil, fmt.Errorf("start device code sign-in: %w", err)
	}
	notify(dc.Message)
	interval := time.Duration(max(dc.Interval, 1)) * time.Second
	deadline := time.Now().Add(time.Duration(dc.ExpiresIn) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		tr, err := a.token(ctx, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
			"client_id": {CLIClientID}, "device_code": {dc.DeviceCode}})
		if oe, ok := err.(*OAuthError); ok {
			switch oe.Code {
			case "authorization_pending":
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("device code sign-in: the code expired")
				}
				continue
			case "slow_down":
				interval += 5 * time.Second
				continue
			}
		}
		return tr, err
	}
}

// AuthCode redeems an authorization code obtained with PKCE.
func (a *Authority) AuthCode(ctx context.Context, code, verifier, redirectURI string) (*TokenResponse, error) {
	return a.token(ctx, url.Values{"grant_type": {"authorization_code"}, "client_id": {CLIClientID},
		"code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}})
}

// AuthorizeURL is the sign-in page URL for the authorization-code flow with
// PKCE (S256); claims asks for a step-up.
func (a *Authority) AuthorizeURL(redirectURI, state, challenge, claims string) string {
	q := url.Values{"client_id": {CLIClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {ARMScope + " offline_access"}, "state": {state},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	setNonEmpty(q, "claims", claims)
	return a.endpoint("authorize") + "?" + q.Encode()
}

// NewPKCE returns a fresh code verifier and its S256 challenge.
func NewPKCE() (verifier, challenge string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate PKCE verifier: %w", err)
	}
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func setNonEmpty(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}

// TokenClaims decodes the claims of a JWT without checking its signature:
// the CLI only reads its own token (tenant, expiry, name) from it.
func TokenClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the access token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("decode access token: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode access token: %w", err)
	}
	return m, nil
}
