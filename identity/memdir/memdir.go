// Package memdir holds in-memory implementations of the identity package's
// persistence interfaces (Directory, Values, KeyStore). They serve tests and
// single-process setups; nothing survives a restart.
package memdir

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/identity"
)

// Directory is an in-memory identity.Directory. Stored values are copied on
// the way in and out, so callers cannot alias them.
type Directory struct {
	mu    sync.Mutex
	users map[string]identity.User             // by lower-case name
	sps   map[string]identity.ServicePrincipal // by lower-case appId
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{users: map[string]identity.User{}, sps: map[string]identity.ServicePrincipal{}}
}

// GetUser returns the user with the given sign-in name (case-insensitive).
func (d *Directory) GetUser(_ context.Context, name string) (*identity.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("user %q: %w", name, identity.ErrNotFound)
	}
	return &u, nil
}

// GetUserByID returns the user with the given object id.
func (d *Directory) GetUserByID(_ context.Context, oid string) (*identity.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range d.users {
		if strings.EqualFold(u.ObjectID, oid) {
			return &u, nil
		}
	}
	return nil, fmt.Errorf("user %q: %w", oid, identity.ErrNotFound)
}

// PutUser creates or replaces a user.
func (d *Directory) PutUser(_ context.Context, u *identity.User) error {
	if u == nil || u.Name == "" {
		return fmt.Errorf("put user: empty name")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[strings.ToLower(u.Name)] = *u
	return nil
}

// DeleteUser removes a user.
func (d *Directory) DeleteUser(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := strings.ToLower(name)
	if _, ok := d.users[k]; !ok {
		return fmt.Errorf("user %q: %w", name, identity.ErrNotFound)
	}
	delete(d.users, k)
	return nil
}

// ListUsers returns all users sorted by name.
func (d *Directory) ListUsers(context.Context) ([]*identity.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*identity.User, 0, len(d.users))
	for _, u := range d.users {
		out = append(out, &u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// GetServicePrincipal returns the service principal with the given app id.
func (d *Directory) GetServicePrincipal(_ context.Context, appID string) (*identity.ServicePrincipal, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sp, ok := d.sps[strings.ToLower(appID)]
	if !ok {
		return nil, fmt.Errorf("service principal %q: %w", appID, identity.ErrNotFound)
	}
	return copySP(sp), nil
}

// PutServicePrincipal creates or replaces a service principal.
func (d *Directory) PutServicePrincipal(_ context.Context, sp *identity.ServicePrincipal) error {
	if sp == nil || sp.AppID == "" {
		return fmt.Errorf("put service principal: empty appId")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sps[strings.ToLower(sp.AppID)] = *copySP(*sp)
	return nil
}

// DeleteServicePrincipal removes a service principal.
func (d *Directory) DeleteServicePrincipal(_ context.Context, appID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := strings.ToLower(appID)
	if _, ok := d.sps[k]; !ok {
		return fmt.Errorf("service principal %q: %w", appID, identity.ErrNotFound)
	}
	delete(d.sps, k)
	return nil
}

// ListServicePrincipals returns all service principals sorted by app id.
func (d *Directory) ListServicePrincipals(context.Context) ([]*identity.ServicePrincipal, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*identity.ServicePrincipal, 0, len(d.sps))
	for _, sp := range d.sps {
		out = append(out, copySP(sp))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AppID < out[j].AppID })
	return out, nil
}

func copySP(sp identity.ServicePrincipal) *identity.ServicePrincipal {
	sp.Secrets = append([]identity.SecretCredential(nil), sp.Secrets...)
	sp.Certificates = append([]identity.CertificateCredential(nil), sp.Certificates...)
	return &sp
}

type entry struct {
	v       []byte
	expires time.Time
}

// Values is an in-memory identity.Values with expiry. Expired entries are
// treated as absent and removed lazily.
type Values struct {
	mu  sync.Mutex
	m   map[string]entry
	now func() time.Time
}

// NewValues returns an empty store; now is the clock (time.Now when nil),
// injectable so tests can move time forward.
func NewValues(now func() time.Time) *Values {
	if now == nil {
		now = time.Now
	}
	return &Values{m: map[string]entry{}, now: now}
}

func vkey(ns, key string) string { return ns + "\x00" + key }

// Put stores v under ns/key until expires.
func (s *Values) Put(_ context.Context, ns, key string, v []byte, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[vkey(ns, key)] = entry{v: append([]byte(nil), v...), expires: expires}
	return nil
}

// Get returns the value under ns/key.
func (s *Values) Get(_ context.Context, ns, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookup(ns, key, false)
}

// Take returns and deletes the value under ns/key atomically.
func (s *Values) Take(_ context.Context, ns, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookup(ns, key, true)
}

func (s *Values) lookup(ns, key string, del bool) ([]byte, error) {
	k := vkey(ns, key)
	e, ok := s.m[k]
	if ok && !s.now().Before(e.expires) {
		delete(s.m, k)
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("value %s/%s: %w", ns, key, identity.ErrNotFound)
	}
	if del {
		delete(s.m, k)
	}
	return append([]byte(nil), e.v...), nil
}

// KeyStore is an in-memory identity.KeyStore.
type KeyStore struct {
	mu   sync.Mutex
	keys []identity.StoredKey
}

// LoadKeys returns the saved keys (none at first).
func (k *KeyStore) LoadKeys(context.Context) ([]identity.StoredKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]identity.StoredKey(nil), k.keys...), nil
}

// SaveKeys replaces the saved keys.
func (k *KeyStore) SaveKeys(_ context.Context, keys []identity.StoredKey) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = append([]identity.StoredKey(nil), keys...)
	return nil
}
