package identity

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// ExternalIssuer is an OIDC issuer (for example a real Entra tenant, or a
// company IdP) whose access tokens Palisade accepts.
type ExternalIssuer struct {
	// IssuerURL is the exact iss value; its discovery document is
	// IssuerURL + "/.well-known/openid-configuration".
	IssuerURL string
	// Audiences accepted in aud.
	Audiences []string
	// ClaimMap renames claims: key is the Entra claim name Palisade uses
	// (oid, upn, amr, idtyp, …), value the claim name in this issuer's
	// tokens (e.g. "oid": "sub", "upn": "email"). A mapped claim is only
	// filled when the token lacks the Entra name itself.
	ClaimMap map[string]string
	// JWKSURL, when set, is used instead of discovery: tokens are checked
	// against this key set and IssuerURL. Needed for issuers whose
	// discovery document names a different issuer (Entra v1 tokens say
	// https://sts.windows.net/{tid}/).
	JWKSURL string
	// HTTPClient fetches discovery and keys; http.DefaultClient when nil.
	HTTPClient *http.Client
}

// externalVerifier verifies tokens of one external issuer with go-oidc,
// which caches the JWKS and refetches it when a token names an unknown key
// (key rotation).
type externalVerifier struct {
	cfg ExternalIssuer
	now func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	lastTry  time.Time
	lastErr  error
}

func newExternalVerifier(cfg ExternalIssuer, now func() time.Time) *externalVerifier {
	return &externalVerifier{cfg: cfg, now: now}
}

// get returns the go-oidc verifier, running discovery on first use and
// retrying a failed discovery at most every 10 seconds.
func (e *externalVerifier) get(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.verifier != nil {
		return e.verifier, nil
	}
	if e.lastErr != nil && e.now().Sub(e.lastTry) < 10*time.Second {
		return nil, e.lastErr
	}
	e.lastTry = e.now()
	// the provider keeps this context for later key fetches, so it must
	// not be the request's
	pctx := context.WithoutCancel(ctx)
	if e.cfg.HTTPClient != nil {
		pctx = oidc.ClientContext(pctx, e.cfg.HTTPClient)
	}
	// Audience, expiry and nbf are checked by the Verifier itself, with the
	// same rules and messages as for the built-in issuer.
	cfg := &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, SupportedSigningAlgs: []string{oidc.RS256}}
	if e.cfg.JWKSURL != "" {
		e.verifier = oidc.NewVerifier(e.cfg.IssuerURL, oidc.NewRemoteKeySet(pctx, e.cfg.JWKSURL), cfg)
		return e.verifier, nil
	}
	provider, err := oidc.NewProvider(pctx, e.cfg.IssuerURL)
	if err != nil {
		e.lastErr = fmt.Errorf("discovery: %w", err)
		return nil, e.lastErr
	}
	e.verifier = provider.Verifier(cfg)
	e.lastErr = nil
	return e.verifier, nil
}

// verify checks the signature and issuer and returns the mapped claims.
func (e *externalVerifier) verify(ctx context.Context, raw string) (map[string]any, error) {
	v, err := e.get(ctx)
	if err != nil {
		return nil, err
	}
	if e.cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, e.cfg.HTTPClient)
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("decode claims: %w", err)
	}
	for entra, theirs := range e.cfg.ClaimMap {
		if _, has := claims[entra]; has {
			continue
		}
		if val, ok := claims[theirs]; ok {
			claims[entra] = val
		}
	}
	return claims, nil
}
