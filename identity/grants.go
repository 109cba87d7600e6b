package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxFormBytes bounds token-endpoint and sign-in form bodies.
const maxFormBytes = 64 << 10

// tokenResponse is the token endpoint's success body, as Entra sends it.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ClientInfo   string `json:"client_info,omitempty"`
}

// clientIP returns the caller's address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handleToken serves POST /{tenant}/oauth2/v2.0/token.
func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, invalidRequest(aadMalformedRequest, "Invalid request. Request is malformed or invalid: %v.", err))
		return
	}
	var e *oauthError
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		e = s.grantClientCredentials(w, r)
	case "password":
		e = s.grantPassword(w, r)
	case "authorization_code":
		e = s.grantAuthorizationCode(w, r)
	case "refresh_token":
		e = s.grantRefreshToken(w, r)
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
		// MSAL sends the short name, which Entra accepts as well
		e = s.grantDeviceCode(w, r)
	case "":
		e = invalidRequest(aadMissingField, "The request body must contain the following parameter: 'grant_type'.")
	default:
		e = newOAuthError(400, "unsupported_grant_type", aadUnsupportedGrant, "The provided value for the input parameter 'grant_type' is not valid: %q is not supported.", gt)
	}
	if e != nil {
		s.writeOAuthError(w, r, e)
	}
}

// clientSecretFromRequest returns client_id and client_secret from the form
// (client_secret_post) or from HTTP Basic authentication.
func clientSecretFromRequest(r *http.Request) (id, secret string) {
	id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsec, ok := r.BasicAuth(); ok {
		if id == "" {
			id = bid
		}
		if secret == "" {
			secret = bsec
		}
	}
	return id, secret
}

// grantClientCredentials issues an app token to a service principal that
// proves itself with a client secret or a certificate-signed assertion.
func (s *Service) grantClientCredentials(w http.ResponseWriter, r *http.Request) *oauthError {
	ctx := r.Context()
	clientID, secret := clientSecretFromRequest(r)
	assertion := r.PostForm.Get("client_assertion")
	meta := signInMeta{ip: clientIP(r), appID: clientID, method: "client_secret"}
	if assertion != "" {
		meta.method = "client_assertion"
	}
	fail := func(sp *ServicePrincipal, e *oauthError) *oauthError {
		ev := SignInEvent{Kind: KindServicePrincipal, AppID: meta.appID, Method: meta.method, Result: SignInFailure,
			ErrorCode: fmt.Sprintf("AADSTS%d", e.aadsts), Reason: e.desc, IP: meta.ip}
		if sp != nil {
			ev.ObjectID, ev.UserName = sp.ObjectID, sp.DisplayName
		}
		s.record(ctx, ev)
		return e
	}
	if clientID == "" && assertion == "" {
		return fail(nil, invalidRequest(aadMissingField, "The request body must contain the following parameter: 'client_id'."))
	}
	scope := r.PostForm.Get("scope")
	if strings.TrimSpace(scope) != "" && !onlyDefaultScopes(scope) {
		return fail(nil, invalidScope("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope))
	}
	resource, e := s.resourceFromScope(scope)
	if e != nil {
		return fail(nil, e)
	}
	if _, err := parseClaimsRequest(r.PostForm.Get("claims")); err != nil {
		return fail(nil, invalidRequest(aadMalformedRequest, "The claims parameter is invalid: %v.", err))
	}
	var sp *ServicePrincipal
	var appidacr string
	if assertion != "" {
		if t := r.PostForm.Get("client_assertion_type"); t != assertionType {
			return fail(nil, invalidRequest(aadMalformedRequest, "client_assertion_type must be %q, not %q.", assertionType, t))
		}
		var err error
		sp, err = s.verifyClientAssertion(ctx, clientID, assertion)
		if err != nil {
			var oe *oauthError
			if errors.As(err, &oe) {
				return fail(sp, oe)
			}
			return fail(sp, invalidClient(aadAssertionInvalid, "Client assertion failed signature validation: %v.", err))
		}
		meta.appID, appidacr = sp.AppID, "2"
	} else {
		var err error
		sp, err = s.cfg.Directory.GetServicePrincipal(ctx, clientID)
		if err != nil {
			return fail(nil, newOAuthError(400, "unauthorized_client", aadClientNotFound,
				"Application with identifier '%s' was not found in the directory '%s'.", clientID, s.cfg.TenantID))
		}
		if secret == "" {
			return fail(sp, invalidClient(aadMissingSecret, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."))
		}
		if !s.secretMatches(sp, secret) {
			return fail(sp, invalidClient(aadInvalidClientSecret, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", sp.AppID))
		}
		appidacr = "1"
	}
	tok, exp, err := s.appAccessToken(sp, resource, appidacr)
	if err != nil {
		return fail(sp, newOAuthError(500, "server_error", 90033, "The token could not be signed."))
	}
	s.record(ctx, SignInEvent{Kind: KindServicePrincipal, UserName: sp.DisplayName, ObjectID: sp.ObjectID, AppID: sp.AppID,
		Method: meta.method, Result: SignInSuccess, IP: meta.ip})
	writeJSON(w, http.StatusOK, tokenResponse{TokenType: "Bearer", ExpiresIn: int64(exp.Sub(s.now()).Seconds()),
		ExtExpiresIn: int64(exp.Sub(s.now()).Seconds()), AccessToken: tok})
	return nil
}

// onlyDefaultScopes reports whether every resource scope is a ".default"
// scope, as the client-credentials grant requires (MSAL adds openid,
// profile and offline_access, which are ignored).
func onlyDefaultScopes(scope string) bool {
	n := 0
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		if !strings.HasSuffix(sc, "/.default") {
			return false
		}
		n++
	}
	return n > 0
}

// secretMatches reports whether secret is an unexpired secret of sp.
func (s *Service) secretMatches(sp *ServicePrincipal, secret string) bool {
	ok := false
	now := s.now()
	for _, c := range sp.Secrets {
		if checkClientSecret(c.Hash, secret) && now.Before(c.Expires) {
			ok = true
		}
	}
	return ok
}

// requirePublicClient accepts only the built-in public client for user
// flows.
func requirePublicClient(clientID string) *oauthError {
	if clientID == "" {
		return invalidRequest(aadMissingField, "The request body must contain the following parameter: 'client_id'.")
	}
	if clientID != CLIClientID {
		return newOAuthError(400, "unauthorized_client", aadClientNotFound,
			"Application with identifier '%s' is not a public client that may sign users in.", clientID)
	}
	return nil
}

// grantPassword is the resource-owner password grant with Palisade's extra
// form field "otp" carrying a TOTP code.
func (s *Service) grantPassword(w http.ResponseWriter, r *http.Request) *oauthError {
	ctx := r.Context()
	f := r.PostForm
	clientID := f.Get("client_id")
	meta := signInMeta{ip: clientIP(r), appID: clientID, method: "password"}
	name := f.Get("username")
	if e := requirePublicClient(clientID); e != nil {
		s.recordUserFailure(ctx, name, nil, meta, e)
		return e
	}
	resource, e := s.resourceFromScope(f.Get("scope"))
	if e != nil {
		s.recordUserFailure(ctx, name, nil, meta, e)
		return e
	}
	creq, err := parseClaimsRequest(f.Get("claims"))
	if err != nil {
		e := invalidRequest(aadMalformedRequest, "The claims parameter is invalid: %v.", err)
		s.recordUserFailure(ctx, name, nil, meta, e)
		return e
	}
	u, e := s.checkPassword(ctx, name, f.Get("password"), meta)
	if e != nil {
		return e
	}
	code := strings.TrimSpace(f.Get("otp"))
	mfa := false
	switch {
	case code != "":
		meta.method = "password+totp"
		if e := s.checkSecondFactor(ctx, u, code, meta); e != nil {
			return e
		}
		mfa = true
	case creq.requiresMFA():
		e := mfaRequiredError(false, resource)
		if !u.HasTOTP() {
			e = invalidGrant(aadMFAEnrollRequired, "The user is required to use multi-factor authentication to access '%s' but has no authenticator registered. Register one by signing in to the portal, or ask an administrator to enrol one.", resource)
			e.suberror = "basic_action"
		}
		s.recordUserFailure(ctx, u.Name, u, meta, e)
		return e
	}
	s.recordUserSuccess(ctx, u, meta)
	se := session{UserID: u.ObjectID, ClientID: clientID, AMR: amrFor(mfa), AuthTime: s.now().Unix()}
	return s.issueUserTokens(ctx, w, r, u, se, resource, creq.acrs, "", "")
}

// refreshRecord is what a refresh token stands for.
type refreshRecord struct {
	Session session `json:"session"`
	Family  string  `json:"family"`
	// Resource is the audience of the token issued with it, used when a
	// refresh request names no scope (golang.org/x/oauth2 sends none).
	Resource string `json:"resource"`
	Expires  int64  `json:"expires"`
}

// issueUserTokens writes a token response with an access token, a rotated
// refresh token in the given family (a new family when empty), and an ID
// token (carrying nonce) and client_info when asked for.
func (s *Service) issueUserTokens(ctx context.Context, w http.ResponseWriter, r *http.Request, u *User, se session, resource string, acrs []string, family, nonce string) *oauthError {
	at, exp, err := s.userAccessToken(u, se, resource, acrs)
	if err != nil {
		return newOAuthError(500, "server_error", 90033, "The token could not be signed.")
	}
	resp := tokenResponse{TokenType: "Bearer", Scope: scopeEcho(r.PostForm.Get("scope"), resource), AccessToken: at,
		ExpiresIn: int64(exp.Sub(s.now()).Seconds()), ExtExpiresIn: int64(exp.Sub(s.now()).Seconds())}
	if family == "" {
		family = newGUID()
	}
	rt, err := randomToken(32)
	if err != nil {
		return newOAuthError(500, "server_error", 90033, "The refresh token could not be created.")
	}
	rexp := s.now().Add(s.cfg.RefreshLifetime)
	if err := s.putJSON(ctx, "refresh", digest(rt), refreshRecord{Session: se, Family: family, Resource: resource, Expires: rexp.Unix()}, rexp); err != nil {
		return newOAuthError(500, "server_error", 90033, "The refresh token could not be stored.")
	}
	resp.RefreshToken = rt
	if strings.Contains(" "+r.PostForm.Get("scope")+" ", " openid ") || nonce != "" {
		if resp.IDToken, err = s.idToken(u, se, nonce); err != nil {
			return newOAuthError(500, "server_error", 90033, "The ID token could not be signed.")
		}
	}
	if r.PostForm.Get("client_info") == "1" {
		resp.ClientInfo = s.clientInfo(u)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// scopeEcho returns the granted scopes: the requested ones, or the
// resource's user_impersonation scope when none were sent.
func scopeEcho(requested, resource string) string {
	if strings.TrimSpace(requested) != "" {
		return strings.Join(strings.Fields(requested), " ")
	}
	return strings.TrimRight(resource, "/") + "/user_impersonation"
}

// grantRefreshToken redeems a refresh token once and issues a new one in
// the same family. Presenting an already-rotated token revokes the family.
func (s *Service) grantRefreshToken(w http.ResponseWriter, r *http.Request) *oauthError {
	ctx := r.Context()
	f := r.PostForm
	clientID := f.Get("client_id")
	meta := signInMeta{ip: clientIP(r), appID: clientID, method: "refresh_token"}
	rt := f.Get("refresh_token")
	key := digest(rt)
	failure := func(u *User, e *oauthError) *oauthError {
		name := ""
		if u != nil {
			name = u.Name
		}
		s.recordUserFailure(ctx, name, u, meta, e)
		return e
	}
	if rt == "" {
		return failure(nil, invalidRequest(aadMissingField, "The request body must contain the following parameter: 'refresh_token'."))
	}
	var rec refreshRecord
	if err := s.getJSON(ctx, "refresh", key, &rec, false); err != nil {
		var family string
		if s.getJSON(ctx, "refresh-used", key, &family, false) == nil {
			_ = s.cfg.Values.Put(ctx, "refresh-revoked", family, []byte{1}, s.now().Add(s.cfg.RefreshLifetime))
			return failure(nil, invalidGrant(aadRevokedGrant, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The refresh token was already used; all tokens of this sign-in session are revoked."))
		}
		return failure(nil, invalidGrant(aadExpiredGrant, "The provided authorization code or refresh token has expired due to inactivity or is not valid. Send a new interactive authorization request for this user and resource."))
	}
	if _, err := s.cfg.Values.Get(ctx, "refresh-revoked", rec.Family); err == nil {
		return failure(nil, invalidGrant(aadRevokedGrant, "The provided grant has expired due to it being revoked, a fresh auth token is needed."))
	}
	if clientID != rec.Session.ClientID {
		return failure(nil, invalidGrant(aadBadCodeOrToken, "The refresh token was issued to a different client."))
	}
	u, err := s.cfg.Directory.GetUserByID(ctx, rec.Session.UserID)
	if err != nil || u.Disabled {
		return failure(nil, invalidGrant(aadUserDisabled, "The user account no longer exists or is disabled."))
	}
	resource := rec.Resource
	if f.Get("scope") != "" || resource == "" {
		var e *oauthError
		if resource, e = s.resourceFromScope(f.Get("scope")); e != nil {
			return failure(u, e)
		}
	}
	creq, err := parseClaimsRequest(f.Get("claims"))
	if err != nil {
		return failure(u, invalidRequest(aadMalformedRequest, "The claims parameter is invalid: %v.", err))
	}
	if creq.requiresMFA() && !rec.Session.mfa() {
		return failure(u, mfaRequiredError(true, resource))
	}
	// redeem: only one concurrent request can take the token
	if _, err := s.cfg.Values.Take(ctx, "refresh", key); err != nil {
		_ = s.cfg.Values.Put(ctx, "refresh-revoked", rec.Family, []byte{1}, s.now().Add(s.cfg.RefreshLifetime))
		return failure(u, invalidGrant(aadRevokedGrant, "The provided grant has expired due to it being revoked, a fresh auth token is needed."))
	}
	_ = s.putJSON(ctx, "refresh-used", key, rec.Family, time.Unix(rec.Expires, 0))
	s.recordUserSuccess(ctx, u, meta)
	return s.issueUserTokens(ctx, w, r, u, rec.Session, resource, creq.acrs, rec.Family, "")
}

// codeRecord is what an authorization code stands for.
type codeRecord struct {
	Session     session  `json:"session"`
	RedirectURI string   `json:"redirect_uri"`
	Challenge   string   `json:"code_challenge"`
	Resource    string   `json:"resource"`
	ACRS        []string `json:"acrs,omitempty"`
	Nonce       string   `json:"nonce,omitempty"`
}

// pkceS256 is the S256 transformation of RFC 7636 §4.2.
func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// grantAuthorizationCode redeems a one-time authorization code with its
// PKCE verifier.
func (s *Service) grantAuthorizationCode(w http.ResponseWriter, r *http.Request) *oauthError {
	ctx := r.Context()
	f := r.PostForm
	clientID := f.Get("client_id")
	meta := signInMeta{ip: clientIP(r), appID: clientID, method: "authorization_code"}
	failure := func(e *oauthError) *oauthError {
		s.recordUserFailure(ctx, "", nil, meta, e)
		return e
	}
	if e := requirePublicClient(clientID); e != nil {
		return failure(e)
	}
	code := f.Get("code")
	if code == "" {
		return failure(invalidRequest(aadMissingField, "The request body must contain the following parameter: 'code'."))
	}
	var rec codeRecord
	if err := s.getJSON(ctx, "authcode", digest(code), &rec, true); err != nil {
		if _, err := s.cfg.Values.Get(ctx, "authcode-used", digest(code)); err == nil {
			return failure(invalidGrant(aadCodeRedeemed, "The provided value for the 'code' parameter is not valid. The code has already been redeemed."))
		}
		return failure(invalidGrant(aadExpiredGrant, "The provided authorization code or refresh token has expired due to inactivity or is not valid."))
	}
	_ = s.cfg.Values.Put(ctx, "authcode-used", digest(code), []byte{1}, s.now().Add(time.Hour))
	if rec.Session.ClientID != clientID {
		return failure(invalidGrant(aadBadCodeOrToken, "The authorization code was issued to a different client."))
	}
	if f.Get("redirect_uri") != rec.RedirectURI {
		return failure(invalidGrant(aadBadRedirect, "The redirect URI '%s' does not match the one used in the authorization request.", f.Get("redirect_uri")))
	}
	verifier := f.Get("code_verifier")
	if verifier == "" {
		return failure(invalidRequest(aadPKCERequired, "The request body must contain the following parameter: 'code_verifier'. PKCE is required for public clients."))
	}
	if subtle.ConstantTimeCompare([]byte(pkceS256(verifier)), []byte(rec.Challenge)) != 1 {
		return failure(invalidGrant(aadPKCEMismatch, "The Code_Verifier does not match the code_challenge supplied in the authorization request."))
	}
	u, err := s.cfg.Directory.GetUserByID(ctx, rec.Session.UserID)
	if err != nil || u.Disabled {
		return failure(invalidGrant(aadUserDisabled, "The user account no longer exists or is disabled."))
	}
	resource := rec.Resource
	if sc := f.Get("scope"); sc != "" {
		res, e := s.resourceFromScope(sc)
		if e != nil {
			return failure(e)
		}
		resource = res
	}
	return s.issueUserTokens(ctx, w, r, u, rec.Session, resource, rec.ACRS, "", rec.Nonce)
}
