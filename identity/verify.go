package identity

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ARM error codes for bad bearer tokens; the ARM layer answers 401 with
// these codes.
const (
	CodeInvalidToken    = "InvalidAuthenticationToken"
	CodeExpiredToken    = "ExpiredAuthenticationToken"
	CodeInvalidAudience = "InvalidAuthenticationTokenAudience"
	CodeInvalidTenant   = "InvalidAuthenticationTokenTenant"
)

// AuthError is a refused bearer token. Code is one of the Code* constants
// and Message the ARM-style text to return to the caller.
type AuthError struct {
	Code    string
	Message string
	Err     error
}

// Error returns the code, the message and the underlying cause.
func (e *AuthError) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *AuthError) Unwrap() error { return e.Err }

func invalidToken(err error) *AuthError {
	return &AuthError{Code: CodeInvalidToken, Message: "The access token is invalid.", Err: err}
}

// armTime formats times as ARM's ExpiredAuthenticationToken message does
// ("11/26/2026 1:02:03 AM").
func armTime(t time.Time) string { return t.UTC().Format("1/2/2006 3:04:05 PM") }

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Builtin is the built-in issuer whose tokens are verified with local
	// keys; optional.
	Builtin *Service
	// External are further OIDC issuers whose tokens are accepted.
	External []ExternalIssuer
	// Audiences accepted for tokens of the built-in issuer; DefaultAudiences
	// when empty.
	Audiences []string
	// ClockSkew tolerated on exp and nbf; 5 minutes when zero (as ARM and
	// the .NET token handler allow).
	ClockSkew time.Duration
	// Recorder receives refused tokens; optional.
	Recorder SignInRecorder
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// CacheSize bounds the verified-token cache; 10000 when zero, negative
	// disables caching.
	CacheSize int
}

// Verifier checks bearer tokens and returns the calling Principal. It is
// safe for concurrent use. Successful verifications are cached by token
// digest until the token expires, so a client reusing its token (as every
// SDK does for an hour) pays for the RSA check once.
type Verifier struct {
	cfg       VerifierConfig
	rec       SignInRecorder
	now       func() time.Time
	external  map[string]*externalVerifier // by issuer
	audiences []string

	mu    sync.RWMutex
	cache map[[32]byte]*Principal
}

// NewVerifier returns a Verifier for the built-in issuer and the external
// issuers in cfg. External issuers' discovery documents are fetched lazily,
// on the first token that names them.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	v := &Verifier{cfg: cfg, rec: cfg.Recorder, now: cfg.Now, external: map[string]*externalVerifier{}, cache: map[[32]byte]*Principal{}}
	if v.rec == nil {
		v.rec = nopRecorder{}
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.cfg.ClockSkew == 0 {
		v.cfg.ClockSkew = 5 * time.Minute
	}
	if v.cfg.CacheSize == 0 {
		v.cfg.CacheSize = 10000
	}
	v.audiences = cfg.Audiences
	if len(v.audiences) == 0 {
		v.audiences = DefaultAudiences
	}
	for _, e := range cfg.External {
		if e.IssuerURL == "" || len(e.Audiences) == 0 {
			return nil, fmt.Errorf("external issuer %q: IssuerURL and Audiences are required", e.IssuerURL)
		}
		v.external[strings.TrimRight(e.IssuerURL, "/")] = newExternalVerifier(e, v.now)
	}
	return v, nil
}

// tokenAlgs are the only signature algorithms accepted on access tokens.
// Naming them rejects "alg":"none" and HS256 tokens forged with the RSA
// public key as an HMAC secret before any key is consulted.
var tokenAlgs = []jose.SignatureAlgorithm{jose.RS256}

// Verify checks rawToken (without the "Bearer " prefix) and returns the
// caller. Errors are *AuthError.
func (v *Verifier) Verify(ctx context.Context, rawToken string) (*Principal, error) {
	key := sha256.Sum256([]byte(rawToken))
	now := v.now()
	if v.cfg.CacheSize > 0 {
		v.mu.RLock()
		p, ok := v.cache[key]
		v.mu.RUnlock()
		if ok && now.Before(p.ExpiresAt.Add(v.cfg.ClockSkew)) {
			return p, nil
		}
	}
	p, err := v.verify(ctx, rawToken, now)
	if err != nil {
		var ae *AuthError
		if !errors.As(err, &ae) {
			ae = invalidToken(err)
		}
		v.recordFailure(ctx, rawToken, ae)
		return nil, ae
	}
	if v.cfg.CacheSize > 0 {
		v.mu.Lock()
		if len(v.cache) >= v.cfg.CacheSize {
			v.evict(now)
		}
		v.cache[key] = p
		v.mu.Unlock()
	}
	return p, nil
}

// evict drops expired entries, or everything if none has expired; called
// with mu held.
func (v *Verifier) evict(now time.Time) {
	for k, p := range v.cache {
		if !now.Before(p.ExpiresAt.Add(v.cfg.ClockSkew)) {
			delete(v.cache, k)
		}
	}
	if len(v.cache) >= v.cfg.CacheSize {
		clear(v.cache)
	}
}

func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (*Principal, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &AuthError{Code: CodeInvalidToken, Message: "The access token is missing."}
	}
	tok, err := jwt.ParseSigned(raw, tokenAlgs)
	if err != nil {
		return nil, invalidToken(fmt.Errorf("parse token: %w", err))
	}
	var unverified struct {
		Issuer string `json:"iss"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, invalidToken(fmt.Errorf("read claims: %w", err))
	}
	iss := strings.TrimRight(unverified.Issuer, "/")
	var claims map[string]any
	var audiences []string
	switch b := v.cfg.Builtin; {
	case b != nil && iss == b.Issuer():
		kid := tok.Headers[0].KeyID
		pub, ok := b.keys.publicKey(ctx, kid)
		if !ok {
			return nil, invalidToken(fmt.Errorf("unknown signing key %q", kid))
		}
		if err := tok.Claims(pub, &claims); err != nil {
			return nil, invalidToken(fmt.Errorf("signature: %w", err))
		}
		audiences = v.audiences
	case v.external[iss] != nil:
		ev := v.external[iss]
		if claims, err = ev.verify(ctx, raw); err != nil {
			return nil, invalidToken(fmt.Errorf("issuer %s: %w", iss, err))
		}
		audiences = ev.cfg.Audiences
	case b != nil && b.isTenantIssuer(iss):
		// ARM's wording (https://github.com/Azure/azure-sdk-for-python/issues/38382)
		return nil, &AuthError{Code: CodeInvalidTenant, Message: fmt.Sprintf(
			"The access token is from the wrong issuer '%s'. It must match the tenant '%s' associated with this subscription. Please use the authority (URL) '%s/%s' to get the token.",
			unverified.Issuer, b.Issuer(), b.cfg.BaseURL, b.cfg.TenantID)}
	default:
		return nil, invalidToken(fmt.Errorf("untrusted issuer %q", unverified.Issuer))
	}
	aud, err := checkAudience(claims["aud"], audiences)
	if err != nil {
		return nil, err
	}
	if err := v.checkTimes(claims, now); err != nil {
		return nil, err
	}
	if !hasAnyClaim(claims, "oid", "puid", "altsecid") {
		// ARM refuses tokens that name no principal, with this message
		return nil, &AuthError{Code: CodeInvalidToken, Message: "The received access token is not valid: at least one of the claims 'puid' or 'altsecid' or 'oid' should be present. If you are accessing as application please make sure service principal is properly created in the tenant."}
	}
	p := principalFromClaims(claims)
	p.Audience = aud
	return p, nil
}

// isTenantIssuer reports whether iss (without a trailing slash) has the
// shape of this issuer's tokens for some tenant: BaseURL/{tenant} (v1.0) or
// BaseURL/{tenant}/v2.0.
func (s *Service) isTenantIssuer(iss string) bool {
	rest, ok := strings.CutPrefix(iss, s.cfg.BaseURL+"/")
	if !ok {
		return false
	}
	rest = strings.TrimSuffix(rest, "/v2.0")
	return rest != "" && !strings.Contains(rest, "/")
}

// checkAudience returns the matching audience or an
// InvalidAuthenticationTokenAudience error listing the accepted ones.
func checkAudience(raw any, accepted []string) (string, error) {
	var auds []string
	switch t := raw.(type) {
	case string:
		auds = []string{t}
	case []any:
		for _, a := range t {
			if s, ok := a.(string); ok {
				auds = append(auds, s)
			}
		}
	}
	for _, a := range auds {
		for _, ok := range accepted {
			if a == ok {
				return a, nil
			}
		}
	}
	quoted := make([]string, len(accepted))
	for i, a := range accepted {
		quoted[i] = "'" + a + "'"
	}
	return "", &AuthError{Code: CodeInvalidAudience, Message: fmt.Sprintf(
		"The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences %s.",
		strings.Join(auds, ","), strings.Join(quoted, ","))}
}

// hasAnyClaim reports whether one of the names is a non-empty string claim.
func hasAnyClaim(c map[string]any, names ...string) bool {
	for _, n := range names {
		if s, ok := c[n].(string); ok && s != "" {
			return true
		}
	}
	return false
}

// numericClaim reads a NumericDate claim.
func numericClaim(v any) (int64, bool) {
	switch t := v.(type) {
	case float64:
		return int64(t), true
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	case int64:
		return t, true
	}
	return 0, false
}

// checkTimes enforces exp (required) and nbf with the configured skew.
func (v *Verifier) checkTimes(c map[string]any, now time.Time) error {
	exp, ok := numericClaim(c["exp"])
	if !ok {
		return invalidToken(errors.New("token has no exp claim"))
	}
	if expT := time.Unix(exp, 0); !now.Before(expT.Add(v.cfg.ClockSkew)) {
		return &AuthError{Code: CodeExpiredToken, Message: fmt.Sprintf(
			"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", armTime(expT), armTime(now))}
	}
	if nbf, ok := numericClaim(c["nbf"]); ok {
		if nbfT := time.Unix(nbf, 0); now.Add(v.cfg.ClockSkew).Before(nbfT) {
			return &AuthError{Code: CodeInvalidToken, Message: fmt.Sprintf(
				"The access token is not yet valid: its not-before UTC time '%s' is later than current UTC time '%s'.", armTime(nbfT), armTime(now))}
		}
	}
	return nil
}

// recordFailure reports a refused token, naming the caller from the
// unverified claims when they can be read.
func (v *Verifier) recordFailure(ctx context.Context, raw string, ae *AuthError) {
	ev := SignInEvent{Time: v.now().UTC(), Method: "bearer", Result: SignInFailure, ErrorCode: ae.Code, Reason: ae.Message}
	if ae.Err != nil {
		ev.Reason += " (" + ae.Err.Error() + ")"
	}
	if tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.HS256, jose.HS384, jose.HS512}); err == nil {
		var c map[string]any
		if tok.UnsafeClaimsWithoutVerification(&c) == nil {
			p := principalFromClaims(c)
			ev.Kind, ev.ObjectID, ev.AppID, ev.UserName = p.Kind, p.ObjectID, p.AppID, p.UPN
		}
	}
	v.rec.RecordSignIn(ctx, ev)
}
