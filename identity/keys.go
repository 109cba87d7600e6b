package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keysPublished is how many keys the JWKS publishes: the current signing
// key and the previous one, so tokens signed just before a rotation keep
// verifying until they expire.
const keysPublished = 2

// signingKey is one loaded RSA key.
type signingKey struct {
	kid     string
	priv    *rsa.PrivateKey
	created time.Time
	signer  jose.Signer
}

// keySet holds the signing keys, newest first.
type keySet struct {
	store KeyStore
	now   func() time.Time

	mu   sync.RWMutex
	keys []*signingKey
	// reloaded is when the store was last consulted for an unknown kid.
	reloaded time.Time
}

// loadKeySet reads keys from the store, generating and saving a first key
// when the store is empty.
func loadKeySet(ctx context.Context, store KeyStore, now func() time.Time) (*keySet, error) {
	ks := &keySet{store: store, now: now}
	if err := ks.reload(ctx); err != nil {
		return nil, err
	}
	if len(ks.keys) == 0 {
		if err := ks.rotate(ctx); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

func (ks *keySet) reload(ctx context.Context) error {
	stored, err := ks.store.LoadKeys(ctx)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	keys := make([]*signingKey, 0, len(stored))
	for _, s := range stored {
		k, err := parseStoredKey(s)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].created.After(keys[j].created) })
	ks.mu.Lock()
	if len(keys) > 0 || len(ks.keys) == 0 {
		// an empty store never takes away the keys already in use
		ks.keys = keys
	}
	ks.reloaded = ks.now()
	ks.mu.Unlock()
	return nil
}

func parseStoredKey(s StoredKey) (*signingKey, error) {
	raw, err := x509.ParsePKCS8PrivateKey(s.PKCS8)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %q: %w", s.KID, err)
	}
	priv, ok := raw.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("parse signing key %q: not an RSA key", s.KID)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.KID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv}, opts)
	if err != nil {
		return nil, fmt.Errorf("signer for key %q: %w", s.KID, err)
	}
	return &signingKey{kid: s.KID, priv: priv, created: s.Created, signer: signer}, nil
}

// kidFor derives a key id from the public key, like an x5t thumbprint: the
// base64url SHA-256 of the DER public key, shortened.
func kidFor(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])[:27], nil
}

// rotate generates a new RSA-2048 key, makes it the signing key, keeps the
// previous key published, drops older ones and saves the result.
func (ks *keySet) rotate(ctx context.Context) error {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate signing key: %w", err)
	}
	kid, err := kidFor(&priv.PublicKey)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("marshal signing key: %w", err)
	}
	fresh, err := parseStoredKey(StoredKey{KID: kid, PKCS8: der, Created: ks.now()})
	if err != nil {
		return err
	}
	ks.mu.Lock()
	keys := append([]*signingKey{fresh}, ks.keys...)
	if len(keys) > keysPublished {
		keys = keys[:keysPublished]
	}
	stored := make([]StoredKey, len(keys))
	for i, k := range keys {
		d, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			ks.mu.Unlock()
			return fmt.Errorf("marshal signing key %q: %w", k.kid, err)
		}
		stored[i] = StoredKey{KID: k.kid, PKCS8: d, Created: k.created}
	}
	ks.mu.Unlock()
	if err := ks.store.SaveKeys(ctx, stored); err != nil {
		return fmt.Errorf("save signing keys: %w", err)
	}
	ks.mu.Lock()
	ks.keys = keys
	ks.mu.Unlock()
	return nil
}

// current returns the signing key.
func (ks *keySet) current() (*signingKey, error) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	if len(ks.keys) == 0 {
		return nil, errors.New("no signing key")
	}
	return ks.keys[0], nil
}

// publicKey returns the public key for kid. On a miss it re-reads the store
// (at most every 30 s) so a key rotated by another replica is picked up.
func (ks *keySet) publicKey(ctx context.Context, kid string) (*rsa.PublicKey, bool) {
	if pub, ok := ks.lookup(kid); ok {
		return pub, true
	}
	ks.mu.RLock()
	recent := ks.now().Sub(ks.reloaded) < 30*time.Second
	ks.mu.RUnlock()
	if recent {
		return nil, false
	}
	if err := ks.reload(ctx); err != nil {
		return nil, false
	}
	return ks.lookup(kid)
}

func (ks *keySet) lookup(kid string) (*rsa.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.kid == kid {
			return &k.priv.PublicKey, true
		}
	}
	return nil, false
}

// refreshIfStale re-reads the store when it was last read more than maxAge
// ago, so a rotation made by another replica reaches this one's JWKS.
func (ks *keySet) refreshIfStale(ctx context.Context, maxAge time.Duration) {
	ks.mu.RLock()
	stale := ks.now().Sub(ks.reloaded) > maxAge
	ks.mu.RUnlock()
	if stale {
		_ = ks.reload(ctx) // on error keep serving the keys already loaded
	}
}

// jwks returns the published keys as a JSON Web Key Set.
func (ks *keySet) jwks() jose.JSONWebKeySet {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	set := jose.JSONWebKeySet{}
	for _, k := range ks.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set
}

// sign serialises claims as a compact RS256 JWT with the current key.
func (ks *keySet) sign(claims map[string]any) (string, error) {
	k, err := ks.current()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	payload, err := marshalJSON(claims)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	obj, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}
