package identity

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionType is the client_assertion_type of a certificate credential
// (RFC 7523).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the signature algorithms accepted on client assertions:
// MSAL signs with PS256 (x5t#S256 header), older clients with RS256 (x5t).
var assertionAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.RS256}

// decodeThumbprint accepts a thumbprint header in base64url (RFC 7515) or
// standard base64 (as MSAL writes it).
func decodeThumbprint(v any) []byte {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// verifyClientAssertion checks a client assertion as Entra does: signed by
// the key of a certificate registered on the application, iss and sub equal
// to the client id, aud naming this token endpoint, within its validity,
// and its jti not seen before.
func (s *Service) verifyClientAssertion(ctx context.Context, clientID, raw string) (*ServicePrincipal, error) {
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return nil, invalidClient(aadAssertionInvalid, "The client assertion is not a valid signed JWT: %v.", err)
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, invalidClient(aadAssertionInvalid, "The client assertion claims cannot be read: %v.", err)
	}
	if clientID == "" {
		clientID = unverified.Issuer
	}
	sp, err := s.cfg.Directory.GetServicePrincipal(ctx, clientID)
	if err != nil {
		return nil, newOAuthError(400, "unauthorized_client", aadClientNotFound,
			"Application with identifier '%s' was not found in the directory '%s'.", clientID, s.cfg.TenantID)
	}
	h := tok.Headers[0]
	x5t := decodeThumbprint(h.ExtraHeaders["x5t"])
	x5t256 := decodeThumbprint(h.ExtraHeaders["x5t#S256"])
	now := s.now()
	var claims jwt.Claims
	verified := false
	for _, c := range sp.Certificates {
		if now.After(c.Expires) {
			continue
		}
		s1, s256 := sha1.Sum(c.DER), sha256.Sum256(c.DER)
		if (x5t != nil && !bytes.Equal(x5t, s1[:])) || (x5t256 != nil && !bytes.Equal(x5t256, s256[:])) {
			continue
		}
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			continue
		}
		if err := tok.Claims(cert.PublicKey, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return sp, invalidClient(aadAssertionInvalid, "Client assertion failed signature validation: no unexpired certificate registered for application '%s' verifies it.", sp.AppID)
	}
	if claims.Issuer != sp.AppID || claims.Subject != sp.AppID {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion's iss and sub must both be the client id '%s'.", sp.AppID)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Time: now}, 5*time.Minute); err != nil {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion is not within its validity period: %v.", err)
	}
	if claims.Expiry == nil {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion has no exp claim.")
	}
	audOK := false
	for _, a := range claims.Audience {
		if sameAudience(a, s.TokenEndpoint()) || sameAudience(a, s.Issuer()) {
			audOK = true
		}
	}
	if !audOK {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion audience %v does not name the token endpoint %s.", []string(claims.Audience), s.TokenEndpoint())
	}
	if claims.ID == "" {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion has no jti claim.")
	}
	jtiKey := sp.AppID + ":" + claims.ID
	if _, err := s.cfg.Values.Get(ctx, "assertion-jti", jtiKey); err == nil {
		return sp, invalidClient(aadAssertionInvalid, "The client assertion (jti %q) has already been used.", claims.ID)
	} else if !errors.Is(err, ErrNotFound) {
		return sp, fmt.Errorf("check assertion jti: %w", err)
	}
	if err := s.cfg.Values.Put(ctx, "assertion-jti", jtiKey, []byte{1}, claims.Expiry.Time().Add(5*time.Minute)); err != nil {
		return sp, fmt.Errorf("remember assertion jti: %w", err)
	}
	return sp, nil
}
