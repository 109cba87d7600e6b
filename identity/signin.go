package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// signInMeta describes the request a sign-in attempt came from.
type signInMeta struct {
	ip     string
	appID  string
	method string
}

// failureLog holds the times of an account's recent failed sign-ins
// (a sliding window).
type failureLog struct {
	Times []time.Time `json:"times"`
}

// dummyHash is compared against when the user does not exist, so that an
// unknown name costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("not a password", DefaultArgon2)
	if err != nil {
		panic(err)
	}
	return h
})

func (s *Service) record(ctx context.Context, ev SignInEvent) {
	ev.Time = s.now().UTC()
	s.rec.RecordSignIn(ctx, ev)
}

func (s *Service) recordUserFailure(ctx context.Context, name string, u *User, meta signInMeta, e *oauthError) {
	ev := SignInEvent{Kind: KindUser, UserName: name, AppID: meta.appID, Method: meta.method, Result: SignInFailure,
		ErrorCode: fmt.Sprintf("AADSTS%d", e.aadsts), Reason: e.desc, IP: meta.ip}
	if u != nil {
		ev.ObjectID = u.ObjectID
	}
	s.record(ctx, ev)
}

// lockKey is the per-account key of the lockout records.
func lockKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// checkLocked refuses sign-in while an account is locked.
func (s *Service) checkLocked(ctx context.Context, name string) *oauthError {
	if _, err := s.cfg.Values.Get(ctx, "signin-lock", lockKey(name)); err == nil {
		return invalidGrant(aadAccountLocked, "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password. Try again in %d minutes.", int(s.cfg.Lockout.Duration/time.Minute))
	}
	return nil
}

// noteFailure records a failed attempt and locks the account when the
// window holds MaxFailures failures.
func (s *Service) noteFailure(ctx context.Context, name string) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	key := lockKey(name)
	now := s.now()
	var fl failureLog
	_ = s.getJSON(ctx, "signin-fail", key, &fl, false) // absent: no failures yet
	recent := fl.Times[:0]
	for _, t := range fl.Times {
		if now.Sub(t) < s.cfg.Lockout.Window {
			recent = append(recent, t)
		}
	}
	fl.Times = append(recent, now)
	if len(fl.Times) >= s.cfg.Lockout.MaxFailures {
		_ = s.cfg.Values.Put(ctx, "signin-lock", key, []byte{1}, now.Add(s.cfg.Lockout.Duration))
		_, _ = s.cfg.Values.Take(ctx, "signin-fail", key)
		return
	}
	_ = s.putJSON(ctx, "signin-fail", key, fl, now.Add(s.cfg.Lockout.Window))
}

// clearFailures forgets failed attempts after a successful sign-in.
func (s *Service) clearFailures(ctx context.Context, name string) {
	_, _ = s.cfg.Values.Take(ctx, "signin-fail", lockKey(name))
}

// checkPassword verifies the first factor. Failures are counted, recorded
// and returned as Entra-style errors.
func (s *Service) checkPassword(ctx context.Context, name, password string, meta signInMeta) (*User, *oauthError) {
	if strings.TrimSpace(name) == "" {
		e := invalidRequest(aadMissingField, "The request body must contain the following parameter: 'username'.")
		s.recordUserFailure(ctx, name, nil, meta, e)
		return nil, e
	}
	if e := s.checkLocked(ctx, name); e != nil {
		s.recordUserFailure(ctx, name, nil, meta, e)
		return nil, e
	}
	u, err := s.lookupUser(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		e := newOAuthError(500, "server_error", 90033, "The directory could not be read.")
		s.recordUserFailure(ctx, name, nil, meta, e)
		return nil, e
	}
	hash := dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	ok, _ := CheckPassword(hash, password)
	if u == nil || !ok {
		s.noteFailure(ctx, name)
		e := invalidGrant(aadInvalidCredentials, "Error validating credentials due to invalid username or password.")
		s.recordUserFailure(ctx, name, u, meta, e)
		return nil, e
	}
	if u.Disabled {
		e := invalidGrant(aadUserDisabled, "The user account is disabled.")
		s.recordUserFailure(ctx, name, u, meta, e)
		return nil, e
	}
	return u, nil
}

// checkSecondFactor verifies a TOTP code for a user whose password has been
// checked. Wrong and replayed codes count as failed sign-ins.
func (s *Service) checkSecondFactor(ctx context.Context, u *User, code string, meta signInMeta) *oauthError {
	if !u.HasTOTP() {
		e := invalidGrant(aadMFAEnrollRequired, "The user is required to use multi-factor authentication but has no authenticator registered. Enrol a TOTP authenticator first.")
		e.suberror = "basic_action"
		s.recordUserFailure(ctx, u.Name, u, meta, e)
		return e
	}
	if e := s.checkLocked(ctx, u.Name); e != nil {
		s.recordUserFailure(ctx, u.Name, u, meta, e)
		return e
	}
	if err := s.checkTOTP(ctx, u.ObjectID, u.TOTPSecret, code); err != nil {
		s.noteFailure(ctx, u.Name)
		desc := "Authentication failed during strong authentication request: the verification code is not valid."
		if errors.Is(err, ErrTOTPReplayed) {
			desc = "Authentication failed during strong authentication request: the verification code has already been used."
		}
		e := invalidGrant(aadStrongAuthFailed, "%s", desc)
		s.recordUserFailure(ctx, u.Name, u, meta, e)
		return e
	}
	return nil
}

// mfaRequiredError is the grant error when the claims parameter demands a
// second factor the sign-in did not provide.
func mfaRequiredError(interaction bool, resource string) *oauthError {
	code := "invalid_grant"
	if interaction {
		code = "interaction_required"
	}
	e := newOAuthError(400, code, aadMFARequired,
		"Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '%s'.", resource)
	e.suberror = "basic_action"
	return e
}

// recordSuccess records a completed user sign-in.
func (s *Service) recordUserSuccess(ctx context.Context, u *User, meta signInMeta) {
	s.clearFailures(ctx, u.Name)
	s.record(ctx, SignInEvent{Kind: KindUser, UserName: u.Name, ObjectID: u.ObjectID, AppID: meta.appID,
		Method: meta.method, Result: SignInSuccess, IP: meta.ip})
}
