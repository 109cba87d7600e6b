package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie. It holds only a random identifier; the
// session's tokens stay on the server.
const cookieName = "palisade_portal"

// pendingSignIn is a sign-in between its password and its second-factor
// step. The password is held in memory only, for at most signInWindow, so
// the token request that carries the TOTP code can be made; it is never
// written anywhere.
type pendingSignIn struct {
	user     string
	password string
	enrol    bool // the user has no authenticator and is enrolling one
	secret   string
	qrPNG    []byte
	started  time.Time
	stepUp   bool // an MFA step-up for a signed-in session
}

// retry is an ARM request refused for want of MFA, kept to be sent again
// after the step-up sign-in.
type retry struct {
	method, path, label string
	body                []byte
	back                string // page to return to
}

// session is one browser's state: who is signed in and with which tokens.
type session struct {
	id      string
	csrf    string
	created time.Time
	seen    time.Time

	user        string // sign-in name; empty before sign-in
	displayName string
	mfa         bool
	token       string
	refresh     string
	expires     time.Time

	pending *pendingSignIn
	retry   *retry
	flash   *notice
}

// notice is the notification shown once at the top of the next page.
type notice struct {
	Kind    string // "success", "error", "info"
	Title   string
	Message string
	// StepUp offers "Sign in with MFA and retry".
	StepUp bool
	// Details is the raw ARM error, shown folded.
	Details string
}

// sessions is the in-memory session table. Sessions are per process: with
// several replicas, the load balancer must keep a browser on one replica.
type sessions struct {
	mu       sync.Mutex
	byID     map[string]*session
	idle     time.Duration
	lifetime time.Duration
	now      func() time.Time
}

func newSessions(idle, lifetime time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, idle: idle, lifetime: lifetime, now: now}
}

// randomID returns n random bytes in URL-safe base64.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("portal: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the request's live session, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.byID[c.Value]
	if se == nil {
		return nil
	}
	now := s.now()
	if now.Sub(se.seen) > s.idle || now.Sub(se.created) > s.lifetime {
		delete(s.byID, se.id)
		return nil
	}
	se.seen = now
	return se
}

// create starts a new session (replacing old, if any, so a sign-in never
// keeps an identifier chosen before it) and sets its cookie.
func (s *sessions) create(w http.ResponseWriter, r *http.Request, prefix string, secure bool, old *session) *session {
	now := s.now()
	se := &session{id: randomID(32), csrf: randomID(32), created: now, seen: now}
	s.mu.Lock()
	if old != nil {
		delete(s.byID, old.id)
	}
	// Drop expired sessions now and then so the table does not grow.
	if len(s.byID)%64 == 0 {
		for id, o := range s.byID {
			if now.Sub(o.seen) > s.idle || now.Sub(o.created) > s.lifetime {
				delete(s.byID, id)
			}
		}
	}
	s.byID[se.id] = se
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: se.id, Path: prefix, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
	return se
}

// destroy ends a session and clears its cookie.
func (s *sessions) destroy(w http.ResponseWriter, se *session, prefix string, secure bool) {
	if se != nil {
		s.mu.Lock()
		delete(s.byID, se.id)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: prefix, MaxAge: -1, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

// update runs f with the session table locked, for changes to a session's
// fields that other requests of the same browser may read.
func (s *sessions) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// csrfOK reports whether the form's csrf field matches the session's token.
func csrfOK(se *session, r *http.Request) bool {
	if se == nil {
		return false
	}
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(se.csrf)) == 1
}
