package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/identity"
)

// armScope is the scope the portal's tokens are issued for: Azure Resource
// Manager, as the Azure portal asks for.
const armScope = "https://management.core.windows.net//.default"

// signInWindow bounds the time between the password and the second factor.
const signInWindow = 5 * time.Minute

// tokenResult is the identity issuer's answer to a token request.
type tokenResult struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
	Codes        []int  `json:"error_codes"`
}

// tokenRequest posts a form to the issuer's token endpoint in-process.
func (p *Portal) tokenRequest(ctx context.Context, form url.Values) (*tokenResult, error) {
	form.Set("client_id", identity.CLIClientID)
	form.Set("scope", armScope)
	ep, err := url.Parse(p.cfg.Identity.TokenEndpoint())
	if err != nil {
		return nil, fmt.Errorf("token endpoint: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://palisade.internal"+ep.Path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:0"
	w := &recorder{header: http.Header{}}
	p.cfg.Identity.Handler().ServeHTTP(w, req)
	var res tokenResult
	if err := json.Unmarshal(w.body.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("decode token response (%d): %w", w.status, err)
	}
	if res.AccessToken == "" && res.Error == "" {
		return nil, fmt.Errorf("token response %d without a token", w.status)
	}
	return &res, nil
}

// friendly turns an issuer error into the sentence shown on the sign-in
// page, without its AADSTS prefix.
func (t *tokenResult) friendly() string {
	d := t.Description
	if i := strings.Index(d, ": "); strings.HasPrefix(d, "AADSTS") && i > 0 {
		d = d[i+2:]
	}
	if i := strings.Index(d, "\r\n"); i > 0 {
		d = d[:i]
	}
	if d == "" {
		d = "Sign-in failed (" + t.Error + ")."
	}
	return d
}

// passwordGrant signs a user in; otpCode adds the second factor.
func (p *Portal) passwordGrant(ctx context.Context, user, password, otpCode string) (*tokenResult, error) {
	f := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
	if otpCode != "" {
		f.Set("otp", otpCode)
	}
	return p.tokenRequest(ctx, f)
}

// ensureToken refreshes the session's access token when it is about to
// expire; it reports false when the session can no longer call ARM.
func (p *Portal) ensureToken(r *http.Request, se *session) bool {
	var refresh string
	var expires time.Time
	p.sessions.update(func() { refresh, expires = se.refresh, se.expires })
	if p.cfg.Now().Before(expires.Add(-2 * time.Minute)) {
		return true
	}
	if refresh == "" {
		return false
	}
	res, err := p.tokenRequest(r.Context(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if err != nil || res.AccessToken == "" {
		return false
	}
	p.sessions.update(func() {
		se.token, se.refresh = res.AccessToken, res.RefreshToken
		se.expires = p.cfg.Now().Add(time.Duration(res.ExpiresIn) * time.Second)
	})
	return true
}

// signInData is the sign-in page's model.
type signInData struct {
	CSRF, Next, User, Error string
	Step                    string // "password", "code", "enrol"
	StepUp                  bool
	Secret                  string
	Prefix                  string
}

func (p *Portal) signInPage(w http.ResponseWriter, r *http.Request, se *session) {
	if se.user != "" && r.URL.Query().Get("next") == "" {
		http.Redirect(w, r, p.cfg.Prefix, http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "signin", se, signInData{CSRF: se.csrf, Next: safeNext(r.URL.Query().Get("next"), p.cfg.Prefix), Step: "password", Prefix: p.cfg.Prefix})
}

// safeNext keeps a post-sign-in redirect inside the portal.
func safeNext(next, prefix string) string {
	if strings.HasPrefix(next, prefix) && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return prefix
}

func (p *Portal) signInPost(w http.ResponseWriter, r *http.Request, se *session) {
	user := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"), p.cfg.Prefix)
	d := signInData{CSRF: se.csrf, Next: next, User: user, Step: "password", Prefix: p.cfg.Prefix}
	if user == "" || password == "" {
		d.Error = "Enter your user name and password."
		p.render(w, r, http.StatusBadRequest, "signin", se, d)
		return
	}
	res, err := p.passwordGrant(r.Context(), user, password, "")
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if res.AccessToken == "" {
		d.Error = res.friendly()
		p.render(w, r, http.StatusUnauthorized, "signin", se, d)
		return
	}
	if err := p.startSecondFactor(r.Context(), se, user, password, false); err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.sessions.update(func() { se.pending.started = p.cfg.Now() })
	http.Redirect(w, r, p.cfg.Prefix+"signin/verify?next="+urlQueryEscape(next), http.StatusSeeOther)
}

// startSecondFactor records a sign-in whose password was accepted: the
// user is asked for a TOTP code, or to enrol an authenticator when they
// have none.
func (p *Portal) startSecondFactor(ctx context.Context, se *session, user, password string, stepUp bool) error {
	u, err := p.cfg.Identity.GetUser(ctx, user)
	if err != nil {
		return fmt.Errorf("sign-in of %q: %w", user, err)
	}
	pend := &pendingSignIn{user: u.Name, password: password, stepUp: stepUp, started: p.cfg.Now()}
	if !u.HasTOTP() {
		en, err := p.cfg.Identity.EnrollTOTP(ctx, u.Name)
		if err != nil {
			return fmt.Errorf("start authenticator enrolment: %w", err)
		}
		pend.enrol, pend.secret, pend.qrPNG = true, en.Secret, en.QRPNG
	}
	p.sessions.update(func() { se.pending = pend })
	return nil
}

// livePending returns the session's sign-in in progress, or nil when there
// is none or it is too old.
func (p *Portal) livePending(se *session) *pendingSignIn {
	var pend *pendingSignIn
	p.sessions.update(func() {
		if se.pending != nil && p.cfg.Now().Sub(se.pending.started) > signInWindow {
			se.pending = nil
		}
		pend = se.pending
	})
	return pend
}

func (p *Portal) verifyPage(w http.ResponseWriter, r *http.Request, se *session) {
	pend := p.livePending(se)
	if pend == nil {
		http.Redirect(w, r, p.cfg.Prefix+"signin", http.StatusSeeOther)
		return
	}
	d := signInData{CSRF: se.csrf, Next: safeNext(r.URL.Query().Get("next"), p.cfg.Prefix), User: pend.user, Step: "code", StepUp: pend.stepUp, Prefix: p.cfg.Prefix}
	if pend.enrol {
		d.Step, d.Secret = "enrol", pend.secret
	}
	p.render(w, r, http.StatusOK, "signin", se, d)
}

// enrolQR serves the QR code of the authenticator being enrolled.
func (p *Portal) enrolQR(w http.ResponseWriter, r *http.Request, se *session) {
	pend := p.livePending(se)
	if pend == nil || !pend.enrol {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(pend.qrPNG)
}

func (p *Portal) verifyPost(w http.ResponseWriter, r *http.Request, se *session) {
	pend := p.livePending(se)
	if pend == nil {
		http.Redirect(w, r, p.cfg.Prefix+"signin", http.StatusSeeOther)
		return
	}
	next := safeNext(r.PostFormValue("next"), p.cfg.Prefix)
	d := signInData{CSRF: se.csrf, Next: next, User: pend.user, Step: "code", StepUp: pend.stepUp, Prefix: p.cfg.Prefix}
	if pend.enrol {
		d.Step, d.Secret = "enrol", pend.secret
	}
	ctx := r.Context()
	var res *tokenResult
	var err error
	switch {
	case r.PostFormValue("skip") != "" && pend.enrol && !pend.stepUp:
		// "Skip for now": a password-only sign-in, as Entra's registration
		// campaign allows; the user can step up later.
		res, err = p.passwordGrant(ctx, pend.user, pend.password, "")
	default:
		code := strings.TrimSpace(r.PostFormValue("code"))
		if len(code) != 6 {
			d.Error = "Enter the 6-digit code from your authenticator app."
			p.render(w, r, http.StatusBadRequest, "signin", se, d)
			return
		}
		if pend.enrol {
			if err := p.cfg.Identity.ConfirmTOTP(ctx, pend.user, code); err != nil {
				d.Error = "That code didn't work. Check the time on your device and enter the current code."
				p.render(w, r, http.StatusUnauthorized, "signin", se, d)
				return
			}
			// The user's code is now spent; the portal, which holds the
			// secret it just showed, completes the sign-in with another step's code.
			code, err = otherStepCode(pend.secret, code, p.cfg.Now())
			if err != nil {
				p.fail(w, r, se, err)
				return
			}
		}
		res, err = p.passwordGrant(ctx, pend.user, pend.password, code)
	}
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if res.AccessToken == "" {
		d.Error = res.friendly()
		if pend.enrol {
			d.Error = "Your authenticator is registered, but the sign-in failed: " + d.Error
		}
		p.render(w, r, http.StatusUnauthorized, "signin", se, d)
		return
	}
	p.completeSignIn(w, r, se, pend, res, next)
}

// otherStepCode returns the TOTP code of a time step near now other than
// the one the user's code belongs to.
func otherStepCode(secret, used string, now time.Time) (string, error) {
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, d := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		c, err := totp.GenerateCodeCustom(secret, now.Add(d), opts)
		if err != nil {
			return "", fmt.Errorf("authenticator code: %w", err)
		}
		if c != used {
			return c, nil
		}
	}
	return "", errors.New("authenticator code: no unused step")
}

// completeSignIn stores the tokens: a new session for a sign-in, the same
// one (with its retry) for a step-up.
func (p *Portal) completeSignIn(w http.ResponseWriter, r *http.Request, se *session, pend *pendingSignIn, res *tokenResult, next string) {
	u, err := p.cfg.Identity.GetUser(r.Context(), pend.user)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	mfa := !(pend.enrol && r.PostFormValue("skip") != "")
	target := se
	if !pend.stepUp {
		target = p.sessions.create(w, r, p.cfg.Prefix, p.secure(r), se)
	}
	var rt *retry
	p.sessions.update(func() {
		target.pending = nil
		target.user, target.displayName, target.mfa = u.Name, u.DisplayName, mfa
		target.token, target.refresh = res.AccessToken, res.RefreshToken
		target.expires = p.cfg.Now().Add(time.Duration(res.ExpiresIn) * time.Second)
		rt, target.retry = target.retry, nil
	})
	if pend.stepUp && rt != nil {
		p.runRetry(w, r, target, rt)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// runRetry sends a refused request again with the stepped-up token and
// shows its outcome on the page it came from.
func (p *Portal) runRetry(w http.ResponseWriter, r *http.Request, se *session, rt *retry) {
	resp, err := p.call(r.Context(), se.token, rt.method, rt.path, rt.body)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.notify(se, resp, rt)
	http.Redirect(w, r, rt.back, http.StatusSeeOther)
}

func (p *Portal) stepUpPage(w http.ResponseWriter, r *http.Request, se *session) {
	p.render(w, r, http.StatusOK, "signin", se, signInData{CSRF: se.csrf, User: se.user, Step: "password", StepUp: true, Prefix: p.cfg.Prefix})
}

// stepUpPost checks the password again and continues to the second
// factor; the refused request waits in the session.
func (p *Portal) stepUpPost(w http.ResponseWriter, r *http.Request, se *session) {
	password := r.PostFormValue("password")
	res, err := p.passwordGrant(r.Context(), se.user, password, "")
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if res.AccessToken == "" {
		p.render(w, r, http.StatusUnauthorized, "signin", se, signInData{CSRF: se.csrf, User: se.user, Step: "password", StepUp: true, Error: res.friendly(), Prefix: p.cfg.Prefix})
		return
	}
	if err := p.startSecondFactor(r.Context(), se, se.user, password, true); err != nil {
		p.fail(w, r, se, err)
		return
	}
	http.Redirect(w, r, p.cfg.Prefix+"signin/verify", http.StatusSeeOther)
}

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request, se *session) {
	p.sessions.destroy(w, se, p.cfg.Prefix, p.secure(r))
	http.Redirect(w, r, p.cfg.Prefix+"signin", http.StatusSeeOther)
}

// urlQueryEscape escapes a query value.
func urlQueryEscape(s string) string { return url.QueryEscape(s) }
