package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// Identity objects are documents in the same store as ARM objects, under
// the tenant-level namespace Palisade.Identity (which the ARM API never
// serves: the documents hold password hashes and TOTP seeds). Short-lived
// values (codes, refresh tokens, counters) and the signing keys are store
// values.
const (
	usersPrefix  = "/providers/Palisade.Identity/users/"
	spsPrefix    = "/providers/Palisade.Identity/servicePrincipals/"
	userType     = "palisade.identity/users"
	spType       = "palisade.identity/serviceprincipals"
	keysNS       = "palisade.identity"
	keysKey      = "signing-keys"
	valuesPrefix = "identity:"
)

// identityStore implements identity.Directory, identity.Values and
// identity.KeyStore over a store.Store.
type identityStore struct {
	st store.Store
}

var (
	_ identity.Directory = identityStore{}
	_ identity.Values    = identityStore{}
	_ identity.KeyStore  = identityStore{}
)

// notFound wraps both sentinel errors so identity sees ErrNotFound.
func notFound(what string, err error) error {
	return fmt.Errorf("%s: %w (%w)", what, identity.ErrNotFound, err)
}

func (s identityStore) get(ctx context.Context, id string, v any) error {
	pid, err := armid.Parse(id)
	if err != nil {
		return notFound(id, err)
	}
	return s.st.View(ctx, func(tx store.Tx) error {
		d, err := tx.Get(ctx, pid.Key())
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id, err)
		}
		if err != nil {
			return fmt.Errorf("get %s: %w", id, err)
		}
		return json.Unmarshal(d.Body, v)
	})
}

func (s identityStore) put(ctx context.Context, id string, v any) error {
	pid, err := armid.Parse(id)
	if err != nil {
		return fmt.Errorf("identity object id %q: %w", id, err)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	doc, err := store.NewDocument(pid, body)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, doc, store.Condition{})
		return err
	})
}

func (s identityStore) delete(ctx context.Context, id string) error {
	pid, err := armid.Parse(id)
	if err != nil {
		return notFound(id, err)
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Delete(ctx, pid.Key(), store.Condition{})
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id, err)
		}
		return err
	})
}

func (s identityStore) list(ctx context.Context, typ string, each func(json.RawMessage) error) error {
	return s.st.View(ctx, func(tx store.Tx) error {
		return store.Each(ctx, tx, store.Query{Types: []string{typ}}, func(d *store.Document) error { return each(d.Body) })
	})
}

// GetUser implements identity.Directory.
func (s identityStore) GetUser(ctx context.Context, name string) (*identity.User, error) {
	var u identity.User
	if err := s.get(ctx, usersPrefix+name, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// GetUserByID implements identity.Directory (users are few: a scan).
func (s identityStore) GetUserByID(ctx context.Context, objectID string) (*identity.User, error) {
	users, err := s.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if strings.EqualFold(u.ObjectID, objectID) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("user %s: %w", objectID, identity.ErrNotFound)
}

// PutUser implements identity.Directory.
func (s identityStore) PutUser(ctx context.Context, u *identity.User) error {
	if u == nil || u.Name == "" {
		return errors.New("put user: empty name")
	}
	return s.put(ctx, usersPrefix+u.Name, u)
}

// DeleteUser implements identity.Directory.
func (s identityStore) DeleteUser(ctx context.Context, name string) error {
	return s.delete(ctx, usersPrefix+name)
}

// ListUsers implements identity.Directory, sorted by name.
func (s identityStore) ListUsers(ctx context.Context) ([]*identity.User, error) {
	var out []*identity.User
	err := s.list(ctx, userType, func(b json.RawMessage) error {
		var u identity.User
		if err := json.Unmarshal(b, &u); err != nil {
			return err
		}
		out = append(out, &u)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

// GetServicePrincipal implements identity.Directory.
func (s identityStore) GetServicePrincipal(ctx context.Context, appID string) (*identity.ServicePrincipal, error) {
	var sp identity.ServicePrincipal
	if err := s.get(ctx, spsPrefix+appID, &sp); err != nil {
		return nil, err
	}
	return &sp, nil
}

// PutServicePrincipal implements identity.Directory.
func (s identityStore) PutServicePrincipal(ctx context.Context, sp *identity.ServicePrincipal) error {
	if sp == nil || sp.AppID == "" {
		return errors.New("put service principal: empty appId")
	}
	return s.put(ctx, spsPrefix+sp.AppID, sp)
}

// DeleteServicePrincipal implements identity.Directory.
func (s identityStore) DeleteServicePrincipal(ctx context.Context, appID string) error {
	return s.delete(ctx, spsPrefix+appID)
}

// ListServicePrincipals implements identity.Directory, sorted by app id.
func (s identityStore) ListServicePrincipals(ctx context.Context) ([]*identity.ServicePrincipal, error) {
	var out []*identity.ServicePrincipal
	err := s.list(ctx, spType, func(b json.RawMessage) error {
		var sp identity.ServicePrincipal
		if err := json.Unmarshal(b, &sp); err != nil {
			return err
		}
		out = append(out, &sp)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].AppID < out[j].AppID })
	return out, err
}

// Put implements identity.Values.
func (s identityStore) Put(ctx context.Context, ns, key string, v []byte, expires time.Time) error {
	return s.st.Update(ctx, func(tx store.Tx) error { return tx.PutValue(ctx, valuesPrefix+ns, key, v, expires) })
}

// Get implements identity.Values.
func (s identityStore) Get(ctx context.Context, ns, key string) ([]byte, error) {
	var v []byte
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.GetValue(ctx, valuesPrefix+ns, key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(ns+"/"+key, err)
	}
	return v, err
}

// Take implements identity.Values.
func (s identityStore) Take(ctx context.Context, ns, key string) ([]byte, error) {
	var v []byte
	err := s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.TakeValue(ctx, valuesPrefix+ns, key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(ns+"/"+key, err)
	}
	return v, err
}

// LoadKeys implements identity.KeyStore; an empty store has no keys.
func (s identityStore) LoadKeys(ctx context.Context) ([]identity.StoredKey, error) {
	v, err := s.Get(ctx, keysNS, keysKey)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	var keys []identity.StoredKey
	if err := json.Unmarshal(v, &keys); err != nil {
		return nil, fmt.Errorf("decode signing keys: %w", err)
	}
	return keys, nil
}

// SaveKeys implements identity.KeyStore.
func (s identityStore) SaveKeys(ctx context.Context, keys []identity.StoredKey) error {
	b, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	return s.Put(ctx, keysNS, keysKey, b, time.Time{})
}
