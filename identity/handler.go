package identity

import (
	"net/http"
	"strings"
	"time"
)

// Handler returns the issuer's HTTP endpoints, at Entra ID v2.0 paths
// ({tenant} is the tenant id; "organizations" and "common" are accepted as
// aliases because Azure tools default to them):
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /{tenant}/discovery/v2.0/keys
//	POST /{tenant}/oauth2/v2.0/token
//	GET  /{tenant}/oauth2/v2.0/authorize   (+ POST: the sign-in form)
//	POST /{tenant}/oauth2/v2.0/devicecode
//	GET  /{tenant}/oauth2/deviceauth       (+ POST: code entry and sign-in)
//	GET  /common/UserRealm/{user}          (MSAL's realm lookup before ROPC)
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.tenantOnly(s.handleDiscovery))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.tenantOnly(s.handleKeys))
	mux.HandleFunc("GET /{tenant}/discovery/keys", s.tenantOnly(s.handleKeys))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.tenantOnly(s.handleToken))
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.tenantOnly(s.handleAuthorize))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", s.tenantOnly(s.handleSignInPost))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", s.tenantOnly(s.handleDeviceCode))
	mux.HandleFunc("GET /{tenant}/oauth2/deviceauth", s.tenantOnly(s.handleDevicePage))
	mux.HandleFunc("POST /{tenant}/oauth2/deviceauth", s.tenantOnly(s.handleSignInPost))
	mux.HandleFunc("GET /{tenant}/UserRealm/{user}", s.tenantOnly(s.handleUserRealm))
	return mux
}

// tenantOnly refuses paths naming another tenant, as Entra answers an
// unknown tenant with AADSTS90002.
func (s *Service) tenantOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := r.PathValue("tenant")
		if !strings.EqualFold(t, s.cfg.TenantID) && !strings.EqualFold(t, "organizations") && !strings.EqualFold(t, "common") {
			s.writeOAuthError(w, r, newOAuthError(http.StatusBadRequest, "invalid_tenant", 90002,
				"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
			return
		}
		h(w, r)
	}
}

// handleDiscovery serves the OpenID Connect discovery document. MSAL reads
// authorization_endpoint, token_endpoint and issuer from it and checks that
// the issuer's host is the authority's host.
func (s *Service) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.Issuer(),
		"authorization_endpoint":                s.AuthorizeEndpoint(),
		"token_endpoint":                        s.TokenEndpoint(),
		"device_authorization_endpoint":         s.DeviceAuthorizationEndpoint(),
		"jwks_uri":                              s.JWKSURL(),
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported": []string{"authorization_code", "refresh_token", "client_credentials", "password",
			"urn:ietf:params:oauth:grant-type:device_code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_parameter_supported":            true,
		"request_uri_parameter_supported":       false,
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "upn", "unique_name",
			"name", "amr", "acrs", "idtyp", "appid", "appidacr", "scp", "uti", "ver", "preferred_username", "nonce"},
		"tenant_region_scope": nil,
		"cloud_instance_name": strings.TrimPrefix(strings.TrimPrefix(s.cfg.BaseURL, "https://"), "http://"),
	})
}

// handleKeys serves the JWKS: the current and the previous signing key.
func (s *Service) handleKeys(w http.ResponseWriter, r *http.Request) {
	s.keys.refreshIfStale(r.Context(), 5*time.Minute)
	w.Header().Set("Cache-Control", "public, max-age=300")
	b, err := marshalJSON(s.keys.jwks())
	if err != nil {
		http.Error(w, "encode keys", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// handleUserRealm answers MSAL's home-realm discovery, which it calls before
// the password grant: every account here is a managed (not federated) one.
func (s *Service) handleUserRealm(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimPrefix(strings.TrimPrefix(s.cfg.BaseURL, "https://"), "http://")
	writeJSON(w, http.StatusOK, map[string]any{
		"ver":                 "1.0",
		"account_type":        "Managed",
		"domain_name":         s.cfg.Domain,
		"cloud_instance_name": host,
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	})
}
