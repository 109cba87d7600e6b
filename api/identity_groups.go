package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// groupType is the stored type of groups (lower case, as the store keeps types).
const groupType = "palisade.identity/groups"

// groupBody is a stored group: people (and service principals) by object id, so that role
// assignments to the group apply to its members.
type groupBody struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		ObjectID    string    `json:"objectId"`
		DisplayName string    `json:"displayName"`
		Members     []string  `json:"members"`
		CreatedAt   time.Time `json:"createdAt"`
	} `json:"properties"`
}

// GroupsOf returns the object ids of the groups that list objectID as a member; the identity
// provider puts them in user tokens' groups claim.
func GroupsOf(ctx context.Context, st store.Store, objectID string) ([]string, error) {
	var out []string
	err := st.View(ctx, func(tx store.Tx) error {
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{groupType}})
		if err != nil {
			return err
		}
		for _, d := range docs {
			var g groupBody
			if json.Unmarshal(d.Body, &g) != nil {
				continue
			}
			for _, m := range g.Properties.Members {
				if strings.EqualFold(m, objectID) {
					out = append(out, g.Properties.ObjectID)
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// IsGroup reports whether objectID is a stored group's object id (for role assignments to
// groups, whose principalType is Group).
func IsGroup(ctx context.Context, st store.Store, objectID string) (bool, error) {
	found := false
	err := st.View(ctx, func(tx store.Tx) error {
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{groupType}})
		for _, d := range docs {
			var g groupBody
			if json.Unmarshal(d.Body, &g) == nil && strings.EqualFold(g.Properties.ObjectID, objectID) {
				found = true
			}
		}
		return err
	})
	return found, err
}

// serveGroup handles /providers/Palisade.Identity/groups[/{name}]: GET, PUT (displayName and
// members, given as user names, service-principal application ids or object ids), DELETE.
func (a *IdentityAdmin) serveGroup(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	st := a.h.cfg.Store
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		var items []json.RawMessage
		err := st.View(ctx, func(tx store.Tx) error {
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{groupType}})
			for _, d := range docs {
				items = append(items, d.Body)
			}
			return err
		})
		if err != nil {
			return err
		}
		WritePage(w, req, items, "")
		return nil
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		return a.h.getDocument(w, req, func() error {
			return Errorf(http.StatusNotFound, CodeResourceNotFound, "The group '%s' was not found.", req.ID.Name())
		})
	case http.MethodDelete:
		return (&PolicyHandlers{h: a.h}).deleteDoc(w, req)
	case http.MethodPut:
	default:
		return methodNotAllowed(req)
	}
	var in struct {
		Properties struct {
			DisplayName string   `json:"displayName"`
			Members     []string `json:"members"`
		} `json:"properties"`
	}
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	members := make([]string, 0, len(in.Properties.Members))
	for i, m := range in.Properties.Members {
		oid, err := a.resolveMember(ctx, m)
		if err != nil {
			e := invalidContent("Member '%s' is neither a user nor a service principal.", m)
			e.Target = fmt.Sprintf("properties.members[%d]", i)
			return e
		}
		members = append(members, oid)
	}
	id := armid.MustParse("/providers/Palisade.Identity/groups/" + req.ID.Name())
	status := http.StatusOK
	var stored *store.Document
	err := st.Update(ctx, func(tx store.Tx) error {
		var g groupBody
		old, err := tx.Get(ctx, id.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
			status = http.StatusCreated
			g.ID, g.Name, g.Type = id.String(), id.Name(), "Palisade.Identity/groups"
			g.Properties.ObjectID, g.Properties.CreatedAt = uuid.NewString(), time.Now().UTC()
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(old.Body, &g); err != nil {
				return err
			}
		}
		g.Properties.DisplayName = in.Properties.DisplayName
		if g.Properties.DisplayName == "" {
			g.Properties.DisplayName = g.Name
		}
		g.Properties.Members = members
		body, err := json.Marshal(g)
		if err != nil {
			return err
		}
		doc, err := store.NewDocument(id, body)
		if err != nil {
			return err
		}
		stored, err = tx.Put(ctx, doc, store.Condition{})
		return err
	})
	if err != nil {
		return err
	}
	writeDoc(w, status, stored)
	return nil
}

// resolveMember turns a user name, application id or object id into an object id.
func (a *IdentityAdmin) resolveMember(ctx context.Context, m string) (string, error) {
	if u, err := a.svc.GetUser(ctx, m); err == nil {
		return u.ObjectID, nil
	} else if !errors.Is(err, identity.ErrNotFound) {
		return "", err
	}
	users, err := a.svc.ListUsers(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.ObjectID, m) {
			return u.ObjectID, nil
		}
	}
	sps, err := a.svc.ListServicePrincipals(ctx)
	if err != nil {
		return "", err
	}
	for _, sp := range sps {
		if strings.EqualFold(sp.AppID, m) || strings.EqualFold(sp.ObjectID, m) {
			return sp.ObjectID, nil
		}
	}
	return "", identity.ErrNotFound
}
