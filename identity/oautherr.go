package identity

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// oauthError is a token-endpoint error in Entra's shape: an RFC 6749 error
// code plus an AADSTS number and description.
type oauthError struct {
	status   int
	code     string // invalid_grant, invalid_client, …
	aadsts   int
	desc     string
	suberror string
	claims   string
}

// Error returns the OAuth code with the AADSTS number and description.
func (e *oauthError) Error() string {
	return fmt.Sprintf("%s: AADSTS%d: %s", e.code, e.aadsts, e.desc)
}

// AADSTS codes used by the token endpoint and sign-in pages. Numbers and
// meanings follow Entra's published error-code list
// (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
const (
	aadInvalidCredentials  = 50126  // invalid username or password
	aadAccountLocked       = 50053  // locked after too many failed sign-ins
	aadUserDisabled        = 50057  // account disabled
	aadMFARequired         = 50076  // MFA required to access the resource
	aadMFAEnrollRequired   = 50079  // user must enrol for MFA
	aadStrongAuthFailed    = 500121 // second factor failed
	aadInvalidClientSecret = 7000215
	aadClientNotFound      = 700016
	aadAssertionInvalid    = 700027
	aadMissingSecret       = 7000218
	aadBadCodeOrToken      = 70000 // invalid/expired/ malformed grant
	aadCodeRedeemed        = 54005
	aadExpiredGrant        = 70008
	aadPKCEMismatch        = 501481
	aadPKCERequired        = 9002325
	aadPending             = 70016
	aadDeviceExpired       = 70019
	aadSlowDown            = 70016
	aadRevokedGrant        = 50173
	aadInvalidScope        = 70011
	aadResourceNotFound    = 500011
	aadMissingField        = 900144
	aadUnsupportedGrant    = 70003
	aadBadRedirect         = 50011
	aadMalformedRequest    = 9002313
)

func newOAuthError(status int, code string, aadsts int, format string, args ...any) *oauthError {
	return &oauthError{status: status, code: code, aadsts: aadsts, desc: fmt.Sprintf(format, args...)}
}

func invalidGrant(aadsts int, format string, args ...any) *oauthError {
	return newOAuthError(http.StatusBadRequest, "invalid_grant", aadsts, format, args...)
}

func invalidRequest(aadsts int, format string, args ...any) *oauthError {
	return newOAuthError(http.StatusBadRequest, "invalid_request", aadsts, format, args...)
}

// invalidScope is Entra's answer to a scope it cannot grant: error
// invalid_scope with AADSTS70011, HTTP 400.
func invalidScope(format string, args ...any) *oauthError {
	return newOAuthError(http.StatusBadRequest, "invalid_scope", aadInvalidScope, format, args...)
}

func invalidClient(aadsts int, format string, args ...any) *oauthError {
	return newOAuthError(http.StatusUnauthorized, "invalid_client", aadsts, format, args...)
}

// writeOAuthError writes the error as Entra does:
// {"error","error_description","error_codes","timestamp","trace_id","correlation_id","error_uri"},
// the description being "AADSTS<n>: <text>" followed by CRLF-separated
// Trace ID, Correlation ID and Timestamp lines.
func (s *Service) writeOAuthError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	trace, corr := newGUID(), r.Header.Get("client-request-id")
	if corr == "" {
		corr = newGUID()
	}
	ts := s.now().UTC().Format("2006-01-02 15:04:05Z")
	body := map[string]any{
		"error":             e.code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.aadsts, e.desc, trace, corr, ts),
		"error_codes":       []int{e.aadsts},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         fmt.Sprintf("%s/error?code=%d", s.cfg.BaseURL, e.aadsts),
	}
	if e.suberror != "" {
		body["suberror"] = e.suberror
	}
	if e.claims != "" {
		body["claims"] = e.claims
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshalJSON is json.Marshal, named for token payloads.
func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

// uti returns a 22-character unique token identifier like Entra's uti.
func uti() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
