package identity

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// deviceCodeTTL is how long a device code can be used (Entra: 15 minutes).
const deviceCodeTTL = 15 * time.Minute

// userCodeAlphabet avoids vowels and look-alike characters.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"

// deviceRecord is the state of one device authorization (RFC 8628).
type deviceRecord struct {
	ClientID  string   `json:"client_id"`
	Resource  string   `json:"resource"`
	Scope     string   `json:"scope"`
	ACRS      []string `json:"acrs,omitempty"`
	UserCode  string   `json:"user_code"`
	ExpiresAt int64    `json:"expires_at"`
	Interval  int64    `json:"interval"`
	LastPoll  int64    `json:"last_poll_ms,omitempty"`
	Session   *session `json:"session,omitempty"`
}

// handleDeviceCode serves POST /{tenant}/oauth2/v2.0/devicecode.
func (s *Service) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, invalidRequest(aadMalformedRequest, "Invalid request. Request is malformed or invalid: %v.", err))
		return
	}
	ctx := r.Context()
	clientID := r.PostForm.Get("client_id")
	if e := requirePublicClient(clientID); e != nil {
		s.writeOAuthError(w, r, e)
		return
	}
	resource, e := s.resourceFromScope(r.PostForm.Get("scope"))
	if e != nil {
		s.writeOAuthError(w, r, e)
		return
	}
	creq, err := parseClaimsRequest(r.PostForm.Get("claims"))
	if err != nil {
		s.writeOAuthError(w, r, invalidRequest(aadMalformedRequest, "The claims parameter is invalid: %v.", err))
		return
	}
	deviceCode, err := randomToken(32)
	if err != nil {
		s.writeOAuthError(w, r, newOAuthError(500, "server_error", 90033, "The device code could not be created."))
		return
	}
	userCode, err := randomString(9, userCodeAlphabet)
	if err != nil {
		s.writeOAuthError(w, r, newOAuthError(500, "server_error", 90033, "The user code could not be created."))
		return
	}
	now := s.now()
	exp := now.Add(deviceCodeTTL)
	interval := int64(s.cfg.DevicePollInterval / time.Second)
	if interval < 1 {
		interval = 1
	}
	rec := deviceRecord{ClientID: clientID, Resource: resource, Scope: r.PostForm.Get("scope"), ACRS: creq.acrs,
		UserCode: userCode, ExpiresAt: exp.Unix(), Interval: interval}
	key := digest(deviceCode)
	// kept an hour past expiry so a late poll learns "expired_token"
	// rather than "invalid_grant"
	if err := s.putJSON(ctx, "device", key, rec, exp.Add(time.Hour)); err != nil {
		s.writeOAuthError(w, r, newOAuthError(500, "server_error", 90033, "The device code could not be stored."))
		return
	}
	if err := s.cfg.Values.Put(ctx, "device-user", userCode, []byte(key), exp); err != nil {
		s.writeOAuthError(w, r, newOAuthError(500, "server_error", 90033, "The user code could not be stored."))
		return
	}
	verify := s.cfg.BaseURL + "/" + s.cfg.TenantID + "/oauth2/deviceauth"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        userCode,
		"device_code":      deviceCode,
		"verification_uri": verify,
		"expires_in":       int64(deviceCodeTTL / time.Second),
		"interval":         interval,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, userCode),
	})
}

// handleDevicePage shows the form where the user types the code shown on
// the device.
func (s *Service) handleDevicePage(w http.ResponseWriter, r *http.Request) {
	csrf, err := s.csrfToken(w, r)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The page could not be prepared.")
		return
	}
	s.renderPage(w, http.StatusOK, pageData{Page: "code", Action: r.URL.Path, CSRF: csrf})
}

// handleUserCode checks an entered user code and starts the sign-in.
func (s *Service) handleUserCode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := r.Cookie(csrfCookie)
	if err != nil || !csrfOK(r, c.Value) {
		s.errorPage(w, http.StatusForbidden, "The request could not be verified (CSRF check failed). Reload the page and try again.")
		return
	}
	code := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(r.PostForm.Get("user_code")))
	retry := pageData{Page: "code", Action: r.URL.Path, CSRF: c.Value,
		Error: "AADSTS70000: That code didn't work. Check the code and try again, or get a new code on your device."}
	key, err := s.cfg.Values.Get(ctx, "device-user", code)
	if err != nil {
		s.renderPage(w, http.StatusOK, retry)
		return
	}
	var rec deviceRecord
	if err := s.getJSON(ctx, "device", string(key), &rec, false); err != nil || rec.Session != nil || s.now().Unix() >= rec.ExpiresAt {
		s.renderPage(w, http.StatusOK, retry)
		return
	}
	p := pendingSignIn{Device: string(key), ClientID: rec.ClientID, Resource: rec.Resource, ACRS: rec.ACRS}
	s.startSignIn(w, r, p, "You're signing in to Palisade on another device.")
}

// approveDevice attaches a completed sign-in to a device code.
func (s *Service) approveDevice(ctx context.Context, key string, se session) error {
	var rec deviceRecord
	if err := s.getJSON(ctx, "device", key, &rec, false); err != nil {
		return fmt.Errorf("approve device: %w", err)
	}
	if s.now().Unix() >= rec.ExpiresAt {
		return fmt.Errorf("approve device: code expired")
	}
	rec.Session = &se
	_, _ = s.cfg.Values.Take(ctx, "device-user", rec.UserCode)
	return s.putJSON(ctx, "device", key, rec, time.Unix(rec.ExpiresAt, 0).Add(time.Hour))
}

// grantDeviceCode is the device-code token request (RFC 8628 §3.4–3.5).
func (s *Service) grantDeviceCode(w http.ResponseWriter, r *http.Request) *oauthError {
	ctx := r.Context()
	f := r.PostForm
	clientID := f.Get("client_id")
	dc := f.Get("device_code")
	if dc == "" {
		dc = f.Get("code") // Entra's v1 name
	}
	if e := requirePublicClient(clientID); e != nil {
		return e
	}
	if dc == "" {
		return invalidRequest(aadMissingField, "The request body must contain the following parameter: 'device_code'.")
	}
	key := digest(dc)
	var rec deviceRecord
	if s.getJSON(ctx, "device", key, &rec, false) != nil {
		// Entra's error for a device_code it does not recognise
		return newOAuthError(400, "bad_verification_code", aadBadCodeOrToken, "The provided value for the input parameter 'device_code' is not valid.")
	}
	if rec.ClientID != clientID {
		return invalidGrant(aadBadCodeOrToken, "The device code was issued to a different client.")
	}
	now := s.now()
	if now.Unix() >= rec.ExpiresAt {
		return newOAuthError(400, "expired_token", aadDeviceExpired, "Verification code expired. The user did not sign in before the device code expired.")
	}
	if rec.Session == nil {
		nowMS := now.UnixMilli()
		tooSoon := rec.LastPoll != 0 && nowMS-rec.LastPoll < rec.Interval*1000*4/5
		rec.LastPoll = nowMS
		// RFC 8628 §3.5: the client adds 5 s to its own interval on
		// slow_down; the announced interval stays what it was, so a client
		// with its own back-off (MSAL) is not penalised for ever.
		_ = s.putJSON(ctx, "device", key, rec, time.Unix(rec.ExpiresAt, 0).Add(time.Hour))
		if tooSoon {
			return newOAuthError(400, "slow_down", aadSlowDown, "OAuth 2.0 device flow error. Polling too frequently; slow down.")
		}
		return newOAuthError(400, "authorization_pending", aadPending, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	}
	if _, err := s.cfg.Values.Take(ctx, "device", key); err != nil {
		return invalidGrant(aadCodeRedeemed, "The device code has already been redeemed.")
	}
	u, err := s.cfg.Directory.GetUserByID(ctx, rec.Session.UserID)
	if err != nil || u.Disabled {
		return invalidGrant(aadUserDisabled, "The user account no longer exists or is disabled.")
	}
	if f.Get("scope") == "" {
		f.Set("scope", rec.Scope)
	}
	return s.issueUserTokens(ctx, w, r, u, *rec.Session, rec.Resource, rec.ACRS, "", "")
}
