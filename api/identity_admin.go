package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/palisade/palisade/identity"
)

// IdentityAdmin serves Palisade's ARM-shaped admin API for the built-in identity provider:
//
//	/providers/Palisade.Identity/users[/{name}]                 GET, PUT, DELETE
//	/providers/Palisade.Identity/users/{name}/resetPassword      POST {"password"}
//	/providers/Palisade.Identity/users/{name}/enrollMfa          POST → secret, otpauth URI, QR code
//	/providers/Palisade.Identity/users/{name}/confirmMfa         POST {"code"}
//	/providers/Palisade.Identity/users/{name}/removeMfa          POST
//	/providers/Palisade.Identity/servicePrincipals[/{appId}]     GET, PUT, DELETE
//	/providers/Palisade.Identity/servicePrincipals/{appId}/addSecret  POST {"validForDays","replaceExisting"} → the secret, once
//	/providers/Palisade.Identity/servicePrincipals/{appId}/removeSecret  POST {"keyId"} → the service principal
//	/providers/Palisade.Identity/groups[/{name}]                 GET, PUT {"displayName","members"}, DELETE
//
// Password hashes, TOTP seeds and secret digests are never served. Register it with
// h.Handle(IdentityTypePrefix, NewIdentityAdmin(h, svc)).
type IdentityAdmin struct {
	h   *Handler
	svc *identity.Service
}

// IdentityTypePrefix selects the admin API's types.
const IdentityTypePrefix = "Palisade.Identity/"

// NewIdentityAdmin returns the admin API over the built-in identity provider; groups are kept in
// h's store.
func NewIdentityAdmin(h *Handler, svc *identity.Service) *IdentityAdmin {
	return &IdentityAdmin{h: h, svc: svc}
}

// userView is a user as the admin API shows it.
type userView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		ObjectID    string    `json:"objectId"`
		DisplayName string    `json:"displayName"`
		MFAEnabled  bool      `json:"mfaEnabled"`
		Disabled    bool      `json:"disabled"`
		CreatedAt   time.Time `json:"createdAt"`
	} `json:"properties"`
}

func viewUser(u *identity.User) userView {
	var v userView
	v.ID, v.Name, v.Type = "/providers/Palisade.Identity/users/"+u.Name, u.Name, "Palisade.Identity/users"
	v.Properties.ObjectID, v.Properties.DisplayName = u.ObjectID, u.DisplayName
	v.Properties.MFAEnabled, v.Properties.Disabled, v.Properties.CreatedAt = u.HasTOTP(), u.Disabled, u.Created
	return v
}

// spView is a service principal as the admin API shows it.
type spView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		AppID       string       `json:"appId"`
		ObjectID    string       `json:"objectId"`
		DisplayName string       `json:"displayName"`
		Secrets     []secretView `json:"passwordCredentials"`
		CreatedAt   time.Time    `json:"createdAt"`
	} `json:"properties"`
}

type secretView struct {
	KeyID   string    `json:"keyId"`
	Hint    string    `json:"hint"`
	EndDate time.Time `json:"endDateTime"`
}

func viewSP(sp *identity.ServicePrincipal) spView {
	var v spView
	v.ID, v.Name, v.Type = "/providers/Palisade.Identity/servicePrincipals/"+sp.AppID, sp.AppID, "Palisade.Identity/servicePrincipals"
	v.Properties.AppID, v.Properties.ObjectID, v.Properties.DisplayName, v.Properties.CreatedAt = sp.AppID, sp.ObjectID, sp.DisplayName, sp.Created
	v.Properties.Secrets = []secretView{}
	for _, s := range sp.Secrets {
		v.Properties.Secrets = append(v.Properties.Secrets, secretView{KeyID: s.KeyID, Hint: s.Hint, EndDate: s.Expires})
	}
	return v
}

// ServeARM dispatches on the identity object type.
func (a *IdentityAdmin) ServeARM(w http.ResponseWriter, req *Request) {
	var err error
	typ := strings.ToLower(req.Type)
	switch {
	case typ == "palisade.identity/users":
		err = a.serveUser(w, req)
	case strings.HasPrefix(typ, "palisade.identity/users/"):
		err = a.userAction(w, req, typ[len("palisade.identity/users/"):])
	case typ == "palisade.identity/serviceprincipals":
		err = a.serveSP(w, req)
	case typ == "palisade.identity/serviceprincipals/addsecret":
		err = a.addSecret(w, req)
	case typ == "palisade.identity/serviceprincipals/removesecret":
		err = a.removeSecret(w, req)
	case typ == groupType:
		err = a.serveGroup(w, req)
	default:
		err = Errorf(http.StatusBadRequest, CodeInvalidResourceType,
			"The resource type '%s' could not be found in the namespace 'Palisade.Identity'.", req.Type)
	}
	if err != nil {
		WriteError(w, err)
	}
}

func userNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, CodeResourceNotFound, "The user '%s' was not found.", name)
}

func (a *IdentityAdmin) serveUser(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		users, err := a.svc.ListUsers(ctx)
		if err != nil {
			return err
		}
		sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Name) < strings.ToLower(users[j].Name) })
		items := make([]json.RawMessage, len(users))
		for i, u := range users {
			items[i], _ = json.Marshal(viewUser(u))
		}
		WritePage(w, req, items, "")
		return nil
	}
	name := req.ID.Name()
	switch req.HTTP.Method {
	case http.MethodGet:
		u, err := a.svc.GetUser(ctx, name)
		if errors.Is(err, identity.ErrNotFound) {
			return userNotFound(name)
		} else if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, viewUser(u))
		return nil
	case http.MethodPut:
		var in struct {
			Properties struct {
				DisplayName string `json:"displayName"`
				Password    string `json:"password"`
				Disabled    *bool  `json:"disabled"`
			} `json:"properties"`
		}
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
		status := http.StatusOK
		_, err := a.svc.GetUser(ctx, name)
		switch {
		case errors.Is(err, identity.ErrNotFound):
			if len(in.Properties.Password) < 8 {
				e := invalidContent("A new user needs properties.password with at least 8 characters.")
				e.Target = "properties.password"
				return e
			}
			if _, err := a.svc.CreateUser(ctx, name, in.Properties.DisplayName, in.Properties.Password); err != nil {
				return invalidContent("%v", err)
			}
			status = http.StatusCreated
		case err != nil:
			return err
		default:
			if in.Properties.Password != "" {
				if err := a.svc.SetPassword(ctx, name, in.Properties.Password); err != nil {
					return invalidContent("%v", err)
				}
			}
		}
		if in.Properties.Disabled != nil {
			if err := a.svc.SetUserDisabled(ctx, name, *in.Properties.Disabled); err != nil {
				return err
			}
		}
		u, err := a.svc.GetUser(ctx, name)
		if err != nil {
			return err
		}
		WriteJSON(w, status, viewUser(u))
		return nil
	case http.MethodDelete:
		u, err := a.svc.GetUser(ctx, name)
		if errors.Is(err, identity.ErrNotFound) {
			w.WriteHeader(http.StatusNoContent)
			return nil
		} else if err != nil {
			return err
		}
		if err := a.svc.DeleteUser(ctx, name); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, viewUser(u))
		return nil
	}
	return methodNotAllowed(req)
}

// userAction handles POST …/users/{name}/{action}.
func (a *IdentityAdmin) userAction(w http.ResponseWriter, req *Request, action string) error {
	if req.HTTP.Method != http.MethodPost {
		return methodNotAllowed(req)
	}
	ctx := req.HTTP.Context()
	name := req.ID.Name()
	if _, err := a.svc.GetUser(ctx, name); errors.Is(err, identity.ErrNotFound) {
		return userNotFound(name)
	} else if err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if len(req.Body) > 0 {
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
	}
	switch action {
	case "resetpassword":
		if err := a.svc.SetPassword(ctx, name, in.Password); err != nil {
			return invalidContent("%v", err)
		}
	case "enrollmfa":
		e, err := a.svc.EnrollTOTP(ctx, name)
		if err != nil {
			return invalidContent("%v", err)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"secret": e.Secret, "otpauthUri": e.URI,
			"qrCodePng": base64.StdEncoding.EncodeToString(e.QRPNG), "qrCodeText": e.QRText})
		return nil
	case "confirmmfa":
		if err := a.svc.ConfirmTOTP(ctx, name, in.Code); err != nil {
			switch {
			case errors.Is(err, identity.ErrTOTPInvalid):
				return Errorf(http.StatusBadRequest, "InvalidVerificationCode",
					"The verification code is not valid for user '%s': enter the code the authenticator app shows now.", name)
			case errors.Is(err, identity.ErrTOTPReplayed):
				return Errorf(http.StatusBadRequest, "InvalidVerificationCode",
					"The verification code was already used for user '%s': wait for the next code.", name)
			case errors.Is(err, identity.ErrNoTOTPEnrolment):
				return Errorf(http.StatusBadRequest, "InvalidVerificationCode",
					"User '%s' has no authenticator enrolment in progress: start one with enrollMfa first.", name)
			}
			return err
		}
	case "removemfa":
		if err := a.svc.RemoveTOTP(ctx, name); err != nil {
			return err
		}
	default:
		return Errorf(http.StatusBadRequest, CodeInvalidResourceType, "Unknown user action '%s'.", action)
	}
	u, err := a.svc.GetUser(ctx, name)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func spNotFound(appID string) *Error {
	return Errorf(http.StatusNotFound, CodeResourceNotFound, "The service principal '%s' was not found.", appID)
}

// findSP finds a service principal by application id.
func (a *IdentityAdmin) findSP(req *Request, appID string) (*identity.ServicePrincipal, error) {
	sps, err := a.svc.ListServicePrincipals(req.HTTP.Context())
	if err != nil {
		return nil, err
	}
	for _, sp := range sps {
		if strings.EqualFold(sp.AppID, appID) {
			return sp, nil
		}
	}
	return nil, nil
}

func (a *IdentityAdmin) serveSP(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		sps, err := a.svc.ListServicePrincipals(ctx)
		if err != nil {
			return err
		}
		sort.Slice(sps, func(i, j int) bool { return sps[i].AppID < sps[j].AppID })
		items := make([]json.RawMessage, len(sps))
		for i, sp := range sps {
			items[i], _ = json.Marshal(viewSP(sp))
		}
		WritePage(w, req, items, "")
		return nil
	}
	appID := req.ID.Name()
	sp, err := a.findSP(req, appID)
	if err != nil {
		return err
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		if sp == nil {
			return spNotFound(appID)
		}
		WriteJSON(w, http.StatusOK, viewSP(sp))
		return nil
	case http.MethodPut:
		var in struct {
			Properties struct {
				DisplayName string `json:"displayName"`
			} `json:"properties"`
		}
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
		if sp != nil {
			WriteJSON(w, http.StatusOK, viewSP(sp))
			return nil
		}
		created, err := a.svc.CreateServicePrincipal(ctx, appID, in.Properties.DisplayName)
		if err != nil {
			return invalidContent("%v", err)
		}
		WriteJSON(w, http.StatusCreated, viewSP(created))
		return nil
	case http.MethodDelete:
		if sp == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if err := a.svc.DeleteServicePrincipal(ctx, sp.AppID); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, viewSP(sp))
		return nil
	}
	return methodNotAllowed(req)
}

// actionSP returns the service principal a POST action
// (servicePrincipals/{appId}/{action}) is addressed to.
func (a *IdentityAdmin) actionSP(req *Request) (*identity.ServicePrincipal, error) {
	if req.HTTP.Method != http.MethodPost {
		return nil, methodNotAllowed(req)
	}
	appID := req.ID.Name()
	sp, err := a.findSP(req, appID)
	if err != nil {
		return nil, err
	}
	if sp == nil {
		return nil, spNotFound(appID)
	}
	return sp, nil
}

// addSecret adds a client secret and returns it: the only time it can be read.
func (a *IdentityAdmin) addSecret(w http.ResponseWriter, req *Request) error {
	sp, err := a.actionSP(req)
	if err != nil {
		return err
	}
	var in struct {
		ValidForDays int `json:"validForDays"`
		// ReplaceExisting revokes every earlier secret (az ad sp credential
		// reset without --append).
		ReplaceExisting bool `json:"replaceExisting"`
	}
	if len(req.Body) > 0 {
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
	}
	if in.ValidForDays < 0 {
		return Errorf(http.StatusBadRequest, CodeInvalidRequestContent, "validForDays must not be negative; got %d.", in.ValidForDays)
	}
	validFor := time.Duration(in.ValidForDays) * 24 * time.Hour
	var secret string
	if in.ReplaceExisting {
		secret, err = a.svc.ResetClientSecret(req.HTTP.Context(), sp.AppID, validFor)
	} else {
		secret, err = a.svc.AddClientSecret(req.HTTP.Context(), sp.AppID, "", validFor)
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"appId": sp.AppID, "secretText": secret})
	return nil
}

// removeSecret revokes one client secret, named by its key id, and returns
// the service principal with the secrets it has left.
func (a *IdentityAdmin) removeSecret(w http.ResponseWriter, req *Request) error {
	sp, err := a.actionSP(req)
	if err != nil {
		return err
	}
	var in struct {
		KeyID string `json:"keyId"`
	}
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.KeyID == "" {
		return Errorf(http.StatusBadRequest, CodeInvalidRequestContent, "The request body must name the secret to remove in 'keyId'.")
	}
	if err := a.svc.RemoveClientSecret(req.HTTP.Context(), sp.AppID, in.KeyID); errors.Is(err, identity.ErrNotFound) {
		return Errorf(http.StatusNotFound, CodeResourceNotFound,
			"The service principal '%s' has no client secret with key id '%s'.", sp.AppID, in.KeyID)
	} else if err != nil {
		return err
	}
	sp.Secrets = slices.DeleteFunc(sp.Secrets, func(c identity.SecretCredential) bool { return strings.EqualFold(c.KeyID, in.KeyID) })
	WriteJSON(w, http.StatusOK, viewSP(sp))
	return nil
}
