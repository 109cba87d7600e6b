package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// oidcScopes are scopes that ask for OpenID Connect artefacts rather than
// name a resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// resourceFromScope returns the resource (the future token audience) named
// by a space-separated v2.0 scope list: "https://management.core.windows.net//.default"
// names "https://management.core.windows.net/". Exactly one resource must be
// named, and it must be one this issuer serves.
func (s *Service) resourceFromScope(scope string) (string, *oauthError) {
	var resource string
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		i := strings.LastIndex(sc, "/")
		if i <= 0 || i == len(sc)-1 {
			return "", invalidScope("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc)
		}
		// "https://management.core.windows.net//.default" names
		// "https://management.core.windows.net/"; ".../user_impersonation" too.
		res := sc[:i]
		if resource != "" && !sameAudience(resource, res) {
			return "", invalidScope("The provided value for the input parameter 'scope' is not valid: scopes for more than one resource were requested.")
		}
		resource = res
	}
	if strings.TrimSpace(scope) == "" {
		return "", invalidRequest(aadMissingField, "The request body must contain the following parameter: 'scope'.")
	}
	if resource == "" {
		return "", invalidScope("The provided value for the input parameter 'scope' is not valid: no resource scope such as 'https://management.core.windows.net//.default' was requested.")
	}
	if !s.servesAudience(resource) {
		return "", newOAuthError(400, "invalid_resource", aadResourceNotFound,
			"The resource principal named %s was not found in the tenant named %s.", resource, s.cfg.TenantID)
	}
	return resource, nil
}

// sameAudience compares audiences ignoring case and a trailing slash.
func sameAudience(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

func (s *Service) servesAudience(aud string) bool {
	for _, a := range DefaultAudiences {
		if sameAudience(a, aud) {
			return true
		}
	}
	for _, a := range s.cfg.ExtraAudiences {
		if sameAudience(a, aud) {
			return true
		}
	}
	return false
}

// claimsRequest is the part of an OIDC "claims" request parameter Palisade
// acts on: a demand for authentication-context class references.
type claimsRequest struct {
	// acrs are the requested contexts this issuer can satisfy ("p1"); any of
	// them requires a verified second factor.
	acrs []string
}

func (c claimsRequest) requiresMFA() bool { return len(c.acrs) > 0 }

// supportedACRS are authentication contexts the issuer knows: "p1" is the
// context ARM's MFA claims challenge asks for, satisfied by a second factor.
var supportedACRS = map[string]bool{"p1": true}

// parseClaimsRequest reads the claims request parameter, e.g.
// {"access_token":{"acrs":{"essential":true,"values":["p1"]}}}. Other claims
// (such as xms_cc, which CAE-capable clients send) are accepted and ignored.
func parseClaimsRequest(raw string) (claimsRequest, error) {
	var out claimsRequest
	if strings.TrimSpace(raw) == "" {
		return out, nil
	}
	var doc map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return out, fmt.Errorf("claims parameter is not a JSON object of objects: %w", err)
	}
	for target, claims := range doc {
		if !strings.EqualFold(target, "access_token") && !strings.EqualFold(target, "id_token") {
			continue
		}
		rawACRS, ok := claims["acrs"]
		if !ok || string(rawACRS) == "null" {
			continue
		}
		var req struct {
			Essential bool     `json:"essential"`
			Value     string   `json:"value"`
			Values    []string `json:"values"`
		}
		if err := json.Unmarshal(rawACRS, &req); err != nil {
			return out, fmt.Errorf("claims parameter: %s.acrs: %w", target, err)
		}
		vals := req.Values
		if req.Value != "" {
			vals = append(vals, req.Value)
		}
		for _, v := range vals {
			v = strings.ToLower(v)
			if supportedACRS[v] && !contains(out.acrs, v) {
				out.acrs = append(out.acrs, v)
			}
		}
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// session is what a user sign-in established; it travels with
// authorization codes, device codes and refresh tokens so later tokens
// carry the same authentication facts.
type session struct {
	UserID   string   `json:"uid"`
	ClientID string   `json:"cid"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
}

func (se session) mfa() bool { return contains(se.AMR, "mfa") }

// amrFor returns the authentication methods of a sign-in.
func amrFor(mfa bool) []string {
	if mfa {
		return []string{"pwd", "mfa"}
	}
	return []string{"pwd"}
}

// pairwiseSub derives the per-application subject identifier.
func pairwiseSub(oid, appID, tenant string) string {
	sum := sha256.Sum256([]byte(tenant + "|" + appID + "|" + oid))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:43]
}

// baseClaims are the claims every access token carries.
func (s *Service) baseClaims(aud, oid, sub, appID, appidacr, idtyp string, now time.Time) map[string]any {
	return map[string]any{
		"aud":      aud,
		"iss":      s.Issuer(),
		"iat":      now.Unix(),
		"nbf":      now.Unix(),
		"exp":      now.Add(s.cfg.TokenLifetime).Unix(),
		"ver":      "2.0",
		"tid":      s.cfg.TenantID,
		"oid":      oid,
		"sub":      sub,
		"uti":      uti(),
		"idtyp":    idtyp,
		"appid":    appID,
		"appidacr": appidacr,
	}
}

// userAccessToken signs a delegated token for u.
func (s *Service) userAccessToken(u *User, se session, aud string, acrs []string) (string, time.Time, error) {
	now := s.now()
	c := s.baseClaims(aud, u.ObjectID, pairwiseSub(u.ObjectID, se.ClientID, s.cfg.TenantID), se.ClientID, "0", "user", now)
	c["scp"] = "user_impersonation"
	c["upn"] = s.upn(u.Name)
	c["unique_name"] = s.upn(u.Name)
	c["name"] = u.DisplayName
	c["amr"] = se.AMR
	if len(acrs) > 0 {
		c["acrs"] = acrs
	}
	if s.cfg.GroupsOf != nil {
		groups, err := s.cfg.GroupsOf(context.Background(), u.ObjectID)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("groups of %q: %w", u.Name, err)
		}
		if len(groups) > 0 {
			c["groups"] = groups
		}
	}
	tok, err := s.keys.sign(c)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("user token for %q: %w", u.Name, err)
	}
	return tok, time.Unix(c["exp"].(int64), 0), nil
}

// appAccessToken signs an app-only token for a service principal. appidacr
// is "1" for a secret and "2" for a certificate, as Entra sets it.
func (s *Service) appAccessToken(sp *ServicePrincipal, aud, appidacr string) (string, time.Time, error) {
	now := s.now()
	c := s.baseClaims(aud, sp.ObjectID, sp.ObjectID, sp.AppID, appidacr, "app", now)
	tok, err := s.keys.sign(c)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("app token for %q: %w", sp.AppID, err)
	}
	return tok, time.Unix(c["exp"].(int64), 0), nil
}

// idToken signs an OpenID Connect ID token (v2.0 shape) for the client.
func (s *Service) idToken(u *User, se session, nonce string) (string, error) {
	now := s.now()
	c := map[string]any{
		"aud": se.ClientID, "iss": s.Issuer(), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(s.cfg.TokenLifetime).Unix(), "ver": "2.0", "tid": s.cfg.TenantID,
		"oid": u.ObjectID, "sub": pairwiseSub(u.ObjectID, se.ClientID, s.cfg.TenantID),
		"name": u.DisplayName, "preferred_username": s.upn(u.Name), "uti": uti(),
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return s.keys.sign(c)
}

// clientInfo is MSAL's client_info: base64url JSON of uid and utid, used
// to key its account cache.
func (s *Service) clientInfo(u *User) string {
	b, _ := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": s.cfg.TenantID})
	return base64.RawURLEncoding.EncodeToString(b)
}
