package identity

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Directory, Values and KeyStore implementations
// when the requested item does not exist (or has expired).
var ErrNotFound = errors.New("identity: not found")

// User is a person who signs in with a password and, optionally, a TOTP
// authenticator. Only hashes and the TOTP seed are kept; see TOTPSecret.
type User struct {
	// ObjectID is the user's immutable object id (a GUID), the token's oid.
	ObjectID string `json:"objectId"`
	// Name is the sign-in name, unique case-insensitively ("admin").
	Name string `json:"name"`
	// DisplayName is the human name placed in the token's name claim.
	DisplayName string `json:"displayName"`
	// PasswordHash is the PHC-encoded argon2id hash of the password.
	PasswordHash string `json:"passwordHash"`
	// TOTPSecret is the base32 RFC 6238 seed of a confirmed authenticator.
	// It must be stored to verify codes, but it is never returned by the
	// Service after enrolment.
	TOTPSecret string `json:"totpSecret,omitempty"`
	// PendingTOTPSecret is an enrolment that has not been confirmed yet.
	PendingTOTPSecret string `json:"pendingTotpSecret,omitempty"`
	// Disabled users cannot sign in.
	Disabled bool `json:"disabled,omitempty"`
	// Created is when the user was created.
	Created time.Time `json:"created"`
}

// HasTOTP reports whether the user has a confirmed TOTP authenticator.
func (u *User) HasTOTP() bool { return u.TOTPSecret != "" }

// ServicePrincipal is a workload identity that signs in with the
// client-credentials grant. Its tokens are app tokens and never carry MFA.
type ServicePrincipal struct {
	// AppID is the application (client) id, a GUID; the token's appid.
	AppID string `json:"appId"`
	// ObjectID is the service principal's object id; the token's oid.
	ObjectID string `json:"objectId"`
	// DisplayName is a human-readable name.
	DisplayName string `json:"displayName"`
	// Secrets are the client secrets, stored as digests only.
	Secrets []SecretCredential `json:"secrets,omitempty"`
	// Certificates are registered certificates whose keys may sign client
	// assertions.
	Certificates []CertificateCredential `json:"certificates,omitempty"`
	// Created is when the service principal was created.
	Created time.Time `json:"created"`
}

// SecretCredential is one client secret of a service principal. The secret
// itself is shown once at creation; only its digest and a short hint remain.
type SecretCredential struct {
	// KeyID identifies the secret (a GUID), as Entra's passwordCredentials do.
	KeyID string `json:"keyId"`
	// Hint is the first three characters of the secret, for people to
	// recognise which secret is which.
	Hint string `json:"hint"`
	// Hash is "sha256$" followed by the base64url SHA-256 digest.
	Hash string `json:"hash"`
	// Expires is when the secret stops working.
	Expires time.Time `json:"expires"`
}

// CertificateCredential is a certificate registered on a service principal.
type CertificateCredential struct {
	// KeyID identifies the credential (a GUID).
	KeyID string `json:"keyId"`
	// DER is the X.509 certificate in DER form (public data).
	DER []byte `json:"der"`
	// Expires is when the credential stops working (the certificate's
	// NotAfter unless set earlier).
	Expires time.Time `json:"expires"`
}

// Directory stores users and service principals. Implementations return
// ErrNotFound (possibly wrapped) for missing entries and must look names up
// case-insensitively.
type Directory interface {
	// GetUser finds a user by sign-in name.
	GetUser(ctx context.Context, name string) (*User, error)
	// GetUserByID finds a user by object id (refresh tokens and codes
	// refer to users by id, which survives a rename).
	GetUserByID(ctx context.Context, objectID string) (*User, error)
	// PutUser creates or replaces the user with u.Name.
	PutUser(ctx context.Context, u *User) error
	// DeleteUser removes a user by sign-in name.
	DeleteUser(ctx context.Context, name string) error
	// ListUsers returns every user.
	ListUsers(ctx context.Context) ([]*User, error)
	// GetServicePrincipal finds a service principal by application id.
	GetServicePrincipal(ctx context.Context, appID string) (*ServicePrincipal, error)
	// PutServicePrincipal creates or replaces the one with sp.AppID.
	PutServicePrincipal(ctx context.Context, sp *ServicePrincipal) error
	// DeleteServicePrincipal removes a service principal by application id.
	DeleteServicePrincipal(ctx context.Context, appID string) error
	// ListServicePrincipals returns every service principal.
	ListServicePrincipals(ctx context.Context) ([]*ServicePrincipal, error)
}

// Values stores one-time and expiring values in namespaces: authorization
// codes, device codes, refresh tokens, used TOTP steps, failure counters.
// Get and Take return ErrNotFound once a value has expired.
type Values interface {
	// Put stores v under ns/key until expires, replacing any value.
	Put(ctx context.Context, ns, key string, v []byte, expires time.Time) error
	// Get returns the unexpired value under ns/key.
	Get(ctx context.Context, ns, key string) ([]byte, error)
	// Take atomically returns and deletes the value, so that a one-time
	// value can be redeemed only once even by concurrent requests.
	Take(ctx context.Context, ns, key string) ([]byte, error)
}

// StoredKey is one persisted token-signing key.
type StoredKey struct {
	// KID is the key id published in the JWKS and in token headers.
	KID string `json:"kid"`
	// PKCS8 is the private key in PKCS #8 DER form.
	PKCS8 []byte `json:"pkcs8"`
	// Created is when the key was generated; the newest key signs.
	Created time.Time `json:"created"`
}

// KeyStore persists the signing keys so that tokens stay valid across a
// restart and are shared between replicas.
type KeyStore interface {
	// LoadKeys returns the saved keys (none on first start).
	LoadKeys(ctx context.Context) ([]StoredKey, error)
	// SaveKeys replaces the saved keys with keys.
	SaveKeys(ctx context.Context, keys []StoredKey) error
}

// SignInResult says whether a sign-in attempt succeeded.
type SignInResult string

// Sign-in results.
const (
	SignInSuccess SignInResult = "success"
	SignInFailure SignInResult = "failure"
)

// SignInEvent describes one sign-in attempt or token presentation.
type SignInEvent struct {
	Time time.Time
	// Kind is User or ServicePrincipal (empty when unknown).
	Kind PrincipalKind
	// UserName and ObjectID identify the user or service principal when known.
	UserName string
	ObjectID string
	// AppID is the client application used (palisade-cli for users).
	AppID string
	// Method is how the caller authenticated: "password", "password+totp",
	// "client_secret", "client_assertion", "refresh_token",
	// "authorization_code", "device_code" or "bearer".
	Method string
	Result SignInResult
	// ErrorCode is the AADSTS code or ARM error code of a failure.
	ErrorCode string
	// Reason is a human-readable explanation of a failure.
	Reason string
	// IP is the client address.
	IP string
}

// SignInRecorder receives every sign-in attempt, success or failure, so the
// server can record it. Implementations must be safe for concurrent use and
// should not block.
type SignInRecorder interface {
	RecordSignIn(ctx context.Context, ev SignInEvent)
}

// SignInRecorderFunc adapts a function to SignInRecorder.
type SignInRecorderFunc func(ctx context.Context, ev SignInEvent)

// RecordSignIn calls f.
func (f SignInRecorderFunc) RecordSignIn(ctx context.Context, ev SignInEvent) { f(ctx, ev) }

// nopRecorder drops events when no recorder is configured.
type nopRecorder struct{}

// RecordSignIn does nothing.
func (nopRecorder) RecordSignIn(context.Context, SignInEvent) {}
