package api

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"

	"github.com/palisade/palisade/identity"
)

type requestKey struct{}

// requestValues is what an ARM request carries in its context (one value,
// so one allocation).
type requestValues struct {
	principal *identity.Principal
	hierarchy *hierarchyCache
}

// WithPrincipal returns a context carrying the authenticated caller.
func WithPrincipal(ctx context.Context, p *identity.Principal) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestValues{principal: p})
}

// PrincipalFrom returns the authenticated caller of the request whose
// context this is, or nil outside an authenticated ARM request.
func PrincipalFrom(ctx context.Context) *identity.Principal {
	if v, _ := ctx.Value(requestKey{}).(*requestValues); v != nil {
		return v.principal
	}
	return nil
}

func hierarchyFrom(ctx context.Context) *hierarchyCache {
	if v, _ := ctx.Value(requestKey{}).(*requestValues); v != nil {
		return v.hierarchy
	}
	return nil
}

// Verifier checks a bearer token; *identity.Verifier implements it.
type Verifier interface {
	Verify(ctx context.Context, rawToken string) (*identity.Principal, error)
}

// newRequestID returns a GUID for x-ms-request-id: random like ARM's, from
// the runtime's fast per-thread generator (math/rand/v2) rather than the
// operating system's, as request ids are not secret and never name an
// object (see newGUID for that).
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
	return formatGUID(b)
}

// newGUID returns a random RFC 4122 version-4 GUID, for the ids of new
// objects (subscriptions, operations).
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatGUID(b)
}

func formatGUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// authenticate checks the Authorization header and returns the caller, or
// the 401 ARM answers: AuthenticationFailed when the header is missing and
// the identity package's code (InvalidAuthenticationToken,
// ExpiredAuthenticationToken, InvalidAuthenticationTokenAudience, …) when
// the token is refused, both with a WWW-Authenticate Bearer challenge.
func (h *Handler) authenticate(r *http.Request) (*identity.Principal, *Error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		e := Errorf(http.StatusUnauthorized, CodeAuthenticationFailed, "Authentication failed. The 'Authorization' header is missing.")
		e.Header = h.challenge("The authentication failed because of missing 'Authorization' header.")
		return nil, e
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		e := Errorf(http.StatusUnauthorized, CodeAuthenticationFailed,
			"Authentication failed. The 'Authorization' header is provided in an invalid format.")
		e.Header = h.challenge("The authentication failed because of an invalid 'Authorization' header.")
		return nil, e
	}
	p, err := h.cfg.Verifier.Verify(r.Context(), strings.TrimSpace(token))
	if err != nil {
		var ae *identity.AuthError
		e := Errorf(http.StatusUnauthorized, CodeInvalidToken, "The access token is invalid.")
		if errors.As(err, &ae) {
			e.Code, e.Message = ae.Code, ae.Message
		}
		e.Header = h.challenge(e.Message)
		return nil, e
	}
	return p, nil
}

// challenge builds the WWW-Authenticate header ARM sends with a 401.
func (h *Handler) challenge(desc string) http.Header {
	desc = strings.NewReplacer(`"`, `'`, "\r", " ", "\n", " ").Replace(desc)
	return http.Header{"Www-Authenticate": {fmt.Sprintf(`Bearer authorization_uri="%s", error="invalid_token", error_description="%s"`,
		h.cfg.AuthorizationURI, desc)}}
}

// readBody reads at most MaxBodyBytes of the request body; a larger body
// is refused with 413 RequestContentTooLarge, the code ARM uses when a
// request exceeds its size limit (seen in
// Azure/azure-api-management-devops-resource-kit#594).
func (h *Handler) readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := h.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, invalidContent("The request content could not be read: %v.", err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(limit)
	}
	return b, nil
}

func tooLarge(limit int64) *Error {
	return Errorf(http.StatusRequestEntityTooLarge, CodeRequestContentTooLarge,
		"The request content size exceeds the maximum size of %d bytes.", limit)
}

// isAPIVersion reports whether v has ARM's api-version shape:
// YYYY-MM-DD optionally followed by a suffix such as "-preview".
func isAPIVersion(v string) bool {
	if len(v) < 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		c := v[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	if len(v) == 10 {
		return true
	}
	if v[10] != '-' || len(v) == 11 {
		return false
	}
	for _, c := range v[11:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
