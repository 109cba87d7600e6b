package identity

import (
	"strings"
	"time"
)

// PrincipalKind classifies a caller the way ARM does in systemData's
// createdByType: a user, an application (service principal) or a managed
// identity.
type PrincipalKind string

// Principal kinds.
const (
	KindUser             PrincipalKind = "User"
	KindServicePrincipal PrincipalKind = "ServicePrincipal"
	KindManagedIdentity  PrincipalKind = "ManagedIdentity"
)

// Principal is a verified caller. Claims and the identity object are shared
// with the verification cache and must be treated as read-only.
type Principal struct {
	Kind PrincipalKind
	// ObjectID is the oid claim.
	ObjectID string
	// TenantID is the tid claim.
	TenantID string
	// AppID is the client application (appid, or azp in v2 tokens).
	AppID string
	// UPN is the user principal name (upn, unique_name or
	// preferred_username); empty for applications.
	UPN string
	// Name is the display name claim.
	Name string
	// Issuer is the iss claim.
	Issuer string
	// Audience is the aud claim that matched.
	Audience string
	// ExpiresAt is the token's expiry.
	ExpiresAt time.Time
	// Claims are the token's claims as decoded from JSON.
	Claims map[string]any

	identity map[string]any
}

// Caller returns what ARM records as the caller: the UPN for users, the
// application id for applications.
func (p *Principal) Caller() string {
	if p.Kind == KindUser && p.UPN != "" {
		return p.UPN
	}
	if p.AppID != "" && p.Kind != KindUser {
		return p.AppID
	}
	return p.ObjectID
}

// MFA reports whether the token proves a second factor in its sign-in: amr
// contains "mfa" or acrs contains "p1", the two signals Azure's MFA policy
// definitions accept.
func (p *Principal) MFA() bool {
	return claimHas(p.Claims["amr"], "mfa") || claimHas(p.Claims["acrs"], "p1")
}

// RequestIdentity returns the object Azure Policy's requestContext().identity
// yields for this caller: the token claims keyed and formatted as ARM
// exposes them (see ClaimsObject). The map is shared; do not modify it.
func (p *Principal) RequestIdentity() map[string]any {
	if p.identity == nil {
		return ClaimsObject(p.Claims)
	}
	return p.identity
}

func claimHas(v any, want string) bool {
	switch t := v.(type) {
	case string:
		for _, part := range strings.Split(t, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && strings.EqualFold(s, want) {
				return true
			}
		}
	case []string:
		for _, s := range t {
			if strings.EqualFold(s, want) {
				return true
			}
		}
	}
	return false
}

// principalFromClaims classifies verified claims. idtyp decides when
// present; otherwise a token with scp or a user name is delegated (a user),
// and an app-only token with xms_mirid is a managed identity.
func principalFromClaims(c map[string]any) *Principal {
	str := func(k string) string { s, _ := c[k].(string); return s }
	p := &Principal{
		ObjectID: str("oid"), TenantID: str("tid"), AppID: str("appid"), Name: str("name"),
		Issuer: str("iss"), Claims: c,
	}
	if p.AppID == "" {
		p.AppID = str("azp")
	}
	for _, k := range []string{"upn", "unique_name", "preferred_username"} {
		if p.UPN = str(k); p.UPN != "" {
			break
		}
	}
	if exp, ok := numericClaim(c["exp"]); ok {
		p.ExpiresAt = time.Unix(exp, 0)
	}
	switch idtyp := strings.ToLower(str("idtyp")); {
	case idtyp == "user":
		p.Kind = KindUser
	case idtyp == "app" && str("xms_mirid") != "":
		p.Kind = KindManagedIdentity
	case idtyp == "app":
		p.Kind = KindServicePrincipal
	case str("scp") != "" || p.UPN != "":
		p.Kind = KindUser
	case str("xms_mirid") != "":
		p.Kind = KindManagedIdentity
	default:
		p.Kind = KindServicePrincipal
	}
	if p.Kind != KindUser {
		p.UPN = ""
	}
	p.identity = ClaimsObject(c)
	return p
}
