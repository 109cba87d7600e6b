package identity

import (
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

//go:embed templates/signin.html
var templateFS embed.FS

var signinTemplate = template.Must(template.ParseFS(templateFS, "templates/signin.html"))

// pageData fills the sign-in template.
type pageData struct {
	Page        string // code, password, otp, done, error
	Action      string
	CSRF        string
	Flow        string
	UserName    string
	Purpose     string
	MFARequired bool
	Error       string
}

// pendingSignIn is an interactive sign-in in progress, for an
// authorization request or a device code.
type pendingSignIn struct {
	CSRF string `json:"csrf"`
	// Device is the digest of the device code when signing in a device.
	Device string `json:"device,omitempty"`
	// Authorization request (code flow).
	ClientID    string   `json:"client_id"`
	RedirectURI string   `json:"redirect_uri,omitempty"`
	State       string   `json:"state,omitempty"`
	Challenge   string   `json:"challenge,omitempty"`
	Resource    string   `json:"resource"`
	Nonce       string   `json:"nonce,omitempty"`
	ACRS        []string `json:"acrs,omitempty"`
	// UserID is set once the password has been verified and a second
	// factor is awaited.
	UserID string `json:"user_id,omitempty"`
}

// signinTTL bounds how long an interactive sign-in may take.
const signinTTL = 10 * time.Minute

const csrfCookie = "palisade_signin_csrf"

// csrfToken returns the browser's CSRF token, setting the cookie when the
// browser has none. The same value must come back in each form (double
// submit), and it is also bound to the pending sign-in.
func (s *Service) csrfToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, nil
	}
	tok, err := randomToken(32)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return tok, nil
}

// csrfOK checks the double-submitted token against the cookie and want.
func csrfOK(r *http.Request, want string) bool {
	c, err := r.Cookie(csrfCookie)
	form := r.PostForm.Get("csrf")
	return err == nil && form != "" &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) == 1 &&
		subtle.ConstantTimeCompare([]byte(form), []byte(want)) == 1
}

func (s *Service) renderPage(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = signinTemplate.Execute(w, d)
}

func (s *Service) errorPage(w http.ResponseWriter, status int, msg string) {
	s.renderPage(w, status, pageData{Page: "error", Error: msg})
}

// redirectAllowed accepts loopback redirect URIs on any port (RFC 8252
// §7.3, as Entra does for public clients) and the configured ones.
func (s *Service) redirectAllowed(raw string) bool {
	for _, ok := range s.cfg.RedirectURIs {
		if raw == ok {
			return true
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// redirectError sends an OAuth error back to the client's redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, desc string) {
	u, _ := url.Parse(redirectURI)
	q := u.Query()
	q.Set("error", code)
	q.Set("error_description", desc)
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// handleAuthorize validates an authorization request and shows the
// sign-in form.
func (s *Service) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	if clientID != CLIClientID {
		s.errorPage(w, http.StatusBadRequest, "AADSTS700016: Application with identifier '"+clientID+"' was not found in the directory.")
		return
	}
	if !s.redirectAllowed(redirectURI) {
		s.errorPage(w, http.StatusBadRequest, "AADSTS50011: The redirect URI '"+redirectURI+"' specified in the request does not match the redirect URIs configured for the application '"+clientID+"'.")
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		redirectError(w, r, redirectURI, state, "unsupported_response_type", "AADSTS700054: response_type '"+rt+"' is not enabled for the application; use 'code'.")
		return
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		redirectError(w, r, redirectURI, state, "invalid_request", "AADSTS9002325: Proof Key for Code Exchange with code_challenge_method S256 is required for public clients.")
		return
	}
	resource, e := s.resourceFromScope(q.Get("scope"))
	if e != nil {
		redirectError(w, r, redirectURI, state, e.code, "AADSTS"+strconv.Itoa(e.aadsts)+": "+e.desc)
		return
	}
	creq, err := parseClaimsRequest(q.Get("claims"))
	if err != nil {
		redirectError(w, r, redirectURI, state, "invalid_request", "AADSTS9002313: The claims parameter is invalid: "+err.Error())
		return
	}
	p := pendingSignIn{ClientID: clientID, RedirectURI: redirectURI, State: state, Challenge: q.Get("code_challenge"),
		Resource: resource, Nonce: q.Get("nonce"), ACRS: creq.acrs}
	s.startSignIn(w, r, p, "")
}

// startSignIn stores a pending sign-in and renders the password page.
func (s *Service) startSignIn(w http.ResponseWriter, r *http.Request, p pendingSignIn, purpose string) {
	csrf, err := s.csrfToken(w, r)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The sign-in could not be started.")
		return
	}
	flow, err := randomToken(24)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The sign-in could not be started.")
		return
	}
	p.CSRF = csrf
	if err := s.putJSON(r.Context(), "signin", flow, p, s.now().Add(signinTTL)); err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The sign-in could not be started.")
		return
	}
	s.renderPage(w, http.StatusOK, pageData{Page: "password", Action: r.URL.Path, CSRF: csrf, Flow: flow,
		Purpose: purpose, MFARequired: len(p.ACRS) > 0, UserName: r.URL.Query().Get("login_hint")})
}

// handleSignInPost runs the steps of the sign-in form (and the device-code
// entry form): password, then a TOTP code when required or chosen.
func (s *Service) handleSignInPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ctx := r.Context()
	if r.PostForm.Get("step") == "code" {
		s.handleUserCode(w, r)
		return
	}
	flow := r.PostForm.Get("flow")
	var p pendingSignIn
	if flow == "" || s.getJSON(ctx, "signin", flow, &p, false) != nil {
		s.errorPage(w, http.StatusBadRequest, "This sign-in has expired or is not valid. Start again from your application.")
		return
	}
	if !csrfOK(r, p.CSRF) {
		s.errorPage(w, http.StatusForbidden, "The request could not be verified (CSRF check failed). Start again from your application.")
		return
	}
	method := "authorization_code"
	if p.Device != "" {
		method = "device_code"
	}
	meta := signInMeta{ip: clientIP(r), appID: p.ClientID, method: method}
	page := pageData{Action: r.URL.Path, CSRF: p.CSRF, Flow: flow, MFARequired: len(p.ACRS) > 0}
	switch r.PostForm.Get("step") {
	case "password":
		name := r.PostForm.Get("username")
		u, e := s.checkPassword(ctx, name, r.PostForm.Get("password"), meta)
		if e != nil {
			page.Page, page.UserName, page.Error = "password", name, "AADSTS"+strconv.Itoa(e.aadsts)+": "+e.desc
			s.renderPage(w, http.StatusOK, page)
			return
		}
		needMFA := len(p.ACRS) > 0 || (r.PostForm.Get("mfa") == "1" && u.HasTOTP())
		if !needMFA {
			s.completeSignIn(ctx, w, r, flow, p, u, meta, false)
			return
		}
		if !u.HasTOTP() {
			e := invalidGrant(aadMFAEnrollRequired, "Multi-factor authentication is required, but no authenticator is registered for %s. Ask an administrator to enrol one.", s.upn(u.Name))
			s.recordUserFailure(ctx, u.Name, u, meta, e)
			s.errorPage(w, http.StatusOK, "AADSTS"+strconv.Itoa(e.aadsts)+": "+e.desc)
			return
		}
		p.UserID = u.ObjectID
		if err := s.putJSON(ctx, "signin", flow, p, s.now().Add(signinTTL)); err != nil {
			s.errorPage(w, http.StatusInternalServerError, "The sign-in could not be continued.")
			return
		}
		page.Page, page.UserName = "otp", s.upn(u.Name)
		s.renderPage(w, http.StatusOK, page)
	case "otp":
		if p.UserID == "" {
			s.errorPage(w, http.StatusBadRequest, "Sign in with your password first.")
			return
		}
		u, err := s.cfg.Directory.GetUserByID(ctx, p.UserID)
		if err != nil {
			s.errorPage(w, http.StatusBadRequest, "The user no longer exists.")
			return
		}
		meta.method += "+totp"
		if e := s.checkSecondFactor(ctx, u, r.PostForm.Get("otp"), meta); e != nil {
			page.Page, page.UserName, page.Error = "otp", s.upn(u.Name), "AADSTS"+strconv.Itoa(e.aadsts)+": "+e.desc
			s.renderPage(w, http.StatusOK, page)
			return
		}
		s.completeSignIn(ctx, w, r, flow, p, u, meta, true)
	default:
		s.errorPage(w, http.StatusBadRequest, "Unknown sign-in step.")
	}
}

// completeSignIn finishes an interactive sign-in: a code redirect for the
// authorization flow, or approval of the device code.
func (s *Service) completeSignIn(ctx context.Context, w http.ResponseWriter, r *http.Request, flow string, p pendingSignIn, u *User, meta signInMeta, mfa bool) {
	if _, err := s.cfg.Values.Take(ctx, "signin", flow); err != nil {
		s.errorPage(w, http.StatusBadRequest, "This sign-in has already been completed.")
		return
	}
	s.recordUserSuccess(ctx, u, meta)
	se := session{UserID: u.ObjectID, ClientID: p.ClientID, AMR: amrFor(mfa), AuthTime: s.now().Unix()}
	if p.Device != "" {
		if err := s.approveDevice(ctx, p.Device, se); err != nil {
			s.errorPage(w, http.StatusBadRequest, "The device code has expired. Start again on your device.")
			return
		}
		s.renderPage(w, http.StatusOK, pageData{Page: "done"})
		return
	}
	code, err := randomToken(32)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The authorization code could not be created.")
		return
	}
	rec := codeRecord{Session: se, RedirectURI: p.RedirectURI, Challenge: p.Challenge, Resource: p.Resource, ACRS: p.ACRS, Nonce: p.Nonce}
	if err := s.putJSON(ctx, "authcode", digest(code), rec, s.now().Add(10*time.Minute)); err != nil {
		s.errorPage(w, http.StatusInternalServerError, "The authorization code could not be stored.")
		return
	}
	target, _ := url.Parse(p.RedirectURI)
	q := target.Query()
	q.Set("code", code)
	if p.State != "" {
		q.Set("state", p.State)
	}
	target.RawQuery = q.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}
