package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/palisade/palisade/identity"
)

// identityAPIVersion is the api-version of the server's Palisade.Identity
// admin API.
const identityAPIVersion = "2024-01-01"

const identityPrefix = "/providers/Palisade.Identity/"

// enrolment is a started TOTP enrolment.
type enrolment struct {
	secret, uri, qrText string
}

// directory is what the identity commands need from the built-in identity
// provider, reached either through the server's admin API or, on the
// server's host, through its data folder. Results are the admin API's
// ARM-shaped objects in both cases.
type directory interface {
	createUser(ctx context.Context, name, displayName, password string) (map[string]any, error)
	listUsers(ctx context.Context) ([]any, error)
	deleteUser(ctx context.Context, name string) error
	setPassword(ctx context.Context, name, password string) error
	enrollMFA(ctx context.Context, name string) (*enrolment, error)
	confirmMFA(ctx context.Context, name, code string) (map[string]any, error)
	createSP(ctx context.Context, appID, displayName string) (map[string]any, error)
	listSPs(ctx context.Context) ([]any, error)
	deleteSP(ctx context.Context, appID string) error
	// addSecret issues a client secret; replace revokes the earlier ones.
	addSecret(ctx context.Context, appID string, validFor time.Duration, replace bool) (string, error)
	removeSecret(ctx context.Context, appID, keyID string) error
	tenantID() string
}

// localDirectory works on the data folder through the identity package.
type localDirectory struct{ svc *identity.Service }

// userObject is a user in the admin API's shape.
func userObject(u *identity.User) map[string]any {
	return map[string]any{"id": identityPrefix + "users/" + u.Name, "name": u.Name, "type": "Palisade.Identity/users",
		"properties": map[string]any{"objectId": u.ObjectID, "displayName": u.DisplayName, "mfaEnabled": u.HasTOTP(),
			"disabled": u.Disabled, "createdAt": u.Created.UTC().Format(time.RFC3339Nano)}}
}

// spObject is a service principal in the admin API's shape.
func spObject(sp *identity.ServicePrincipal) map[string]any {
	creds := []any{}
	for _, s := range sp.Secrets {
		creds = append(creds, map[string]any{"keyId": s.KeyID, "hint": s.Hint, "endDateTime": s.Expires.UTC().Format(time.RFC3339Nano)})
	}
	return map[string]any{"id": identityPrefix + "servicePrincipals/" + sp.AppID, "name": sp.AppID, "type": "Palisade.Identity/servicePrincipals",
		"properties": map[string]any{"appId": sp.AppID, "objectId": sp.ObjectID, "displayName": sp.DisplayName,
			"passwordCredentials": creds, "createdAt": sp.Created.UTC().Format(time.RFC3339Nano)}}
}

func (d localDirectory) createUser(ctx context.Context, name, displayName, password string) (map[string]any, error) {
	u, err := d.svc.CreateUser(ctx, name, displayName, password)
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	return userObject(u), nil
}

func (d localDirectory) listUsers(ctx context.Context) ([]any, error) {
	users, err := d.svc.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, u := range users {
		out = append(out, userObject(u))
	}
	return out, nil
}

func (d localDirectory) deleteUser(ctx context.Context, name string) error {
	return d.svc.DeleteUser(ctx, name)
}

func (d localDirectory) setPassword(ctx context.Context, name, pw string) error {
	return d.svc.SetPassword(ctx, name, pw)
}

func (d localDirectory) enrollMFA(ctx context.Context, name string) (*enrolment, error) {
	e, err := d.svc.EnrollTOTP(ctx, name)
	if err != nil {
		return nil, err
	}
	return &enrolment{secret: e.Secret, uri: e.URI, qrText: e.QRText}, nil
}

func (d localDirectory) confirmMFA(ctx context.Context, name, code string) (map[string]any, error) {
	if err := d.svc.ConfirmTOTP(ctx, name, code); err != nil {
		return nil, &ExitError{Code: 1, Err: fmt.Errorf("confirm the authenticator of %s: %w", name, err)}
	}
	u, err := d.svc.GetUser(ctx, name)
	if err != nil {
		return nil, err
	}
	return userObject(u), nil
}

func (d localDirectory) createSP(ctx context.Context, appID, displayName string) (map[string]any, error) {
	sp, err := d.svc.CreateServicePrincipal(ctx, appID, displayName)
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	return spObject(sp), nil
}

func (d localDirectory) listSPs(ctx context.Context) ([]any, error) {
	sps, err := d.svc.ListServicePrincipals(ctx)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, sp := range sps {
		out = append(out, spObject(sp))
	}
	return out, nil
}

func (d localDirectory) deleteSP(ctx context.Context, appID string) error {
	return d.svc.DeleteServicePrincipal(ctx, appID)
}

func (d localDirectory) addSecret(ctx context.Context, appID string, validFor time.Duration, replace bool) (string, error) {
	if replace {
		return d.svc.ResetClientSecret(ctx, appID, validFor)
	}
	return d.svc.AddClientSecret(ctx, appID, "", validFor)
}

func (d localDirectory) removeSecret(ctx context.Context, appID, keyID string) error {
	return d.svc.RemoveClientSecret(ctx, appID, keyID)
}

func (d localDirectory) tenantID() string { return d.svc.TenantID() }

// remoteDirectory uses the server's /providers/Palisade.Identity admin API.
type remoteDirectory struct{ s *session }

func (d remoteDirectory) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	v, err := d.s.do(ctx, method, identityPrefix+path, identityAPIVersion, body)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func (d remoteDirectory) createUser(ctx context.Context, name, displayName, password string) (map[string]any, error) {
	// PUT replaces an existing user's password: refuse instead, as a create
	if _, err := d.call(ctx, http.MethodGet, "users/"+url.PathEscape(name), nil); err == nil {
		return nil, &ExitError{Code: 1, Err: fmt.Errorf("the user %q already exists", name)}
	} else if !isNotFound(err) {
		return nil, err
	}
	return d.call(ctx, http.MethodPut, "users/"+url.PathEscape(name),
		map[string]any{"properties": map[string]any{"displayName": displayName, "password": password}})
}

func (d remoteDirectory) listUsers(ctx context.Context) ([]any, error) {
	return d.s.arm.List(ctx, identityPrefix+"users", url.Values{"api-version": {identityAPIVersion}}, 0)
}

func (d remoteDirectory) deleteUser(ctx context.Context, name string) error {
	resp, err := d.s.arm.Do(ctx, http.MethodDelete, identityPrefix+"users/"+url.PathEscape(name), url.Values{"api-version": {identityAPIVersion}}, nil)
	if err == nil && resp.Status == http.StatusNoContent {
		return &ExitError{Code: 1, Err: fmt.Errorf("delete user %q: %w", name, identity.ErrNotFound)}
	}
	return err
}

func (d remoteDirectory) setPassword(ctx context.Context, name, pw string) error {
	_, err := d.call(ctx, http.MethodPost, "users/"+url.PathEscape(name)+"/resetPassword", map[string]any{"password": pw})
	return err
}

func (d remoteDirectory) enrollMFA(ctx context.Context, name string) (*enrolment, error) {
	m, err := d.call(ctx, http.MethodPost, "users/"+url.PathEscape(name)+"/enrollMfa", nil)
	if err != nil {
		return nil, err
	}
	return &enrolment{secret: str(m, "secret"), uri: str(m, "otpauthUri"), qrText: str(m, "qrCodeText")}, nil
}

func (d remoteDirectory) confirmMFA(ctx context.Context, name, code string) (map[string]any, error) {
	return d.call(ctx, http.MethodPost, "users/"+url.PathEscape(name)+"/confirmMfa", map[string]any{"code": code})
}

func (d remoteDirectory) createSP(ctx context.Context, appID, displayName string) (map[string]any, error) {
	if appID == "" {
		var err error
		if appID, err = newGUID(); err != nil {
			return nil, err
		}
	} else if _, err := d.call(ctx, http.MethodGet, "servicePrincipals/"+appID, nil); err == nil {
		return nil, &ExitError{Code: 1, Err: fmt.Errorf("the service principal %q already exists", appID)}
	} else if !isNotFound(err) {
		return nil, err
	}
	return d.call(ctx, http.MethodPut, "servicePrincipals/"+appID, map[string]any{"properties": map[string]any{"displayName": displayName}})
}

func (d remoteDirectory) listSPs(ctx context.Context) ([]any, error) {
	return d.s.arm.List(ctx, identityPrefix+"servicePrincipals", url.Values{"api-version": {identityAPIVersion}}, 0)
}

func (d remoteDirectory) deleteSP(ctx context.Context, appID string) error {
	resp, err := d.s.arm.Do(ctx, http.MethodDelete, identityPrefix+"servicePrincipals/"+appID, url.Values{"api-version": {identityAPIVersion}}, nil)
	if err == nil && resp.Status == http.StatusNoContent {
		return &ExitError{Code: 1, Err: fmt.Errorf("delete service principal %q: %w", appID, identity.ErrNotFound)}
	}
	return err
}

func (d remoteDirectory) removeSecret(ctx context.Context, appID, keyID string) error {
	_, err := d.call(ctx, http.MethodPost, "servicePrincipals/"+appID+"/removeSecret", map[string]any{"keyId": keyID})
	return err
}

func (d remoteDirectory) addSecret(ctx context.Context, appID string, validFor time.Duration, replace bool) (string, error) {
	m, err := d.call(ctx, http.MethodPost, "servicePrincipals/"+appID+"/addSecret",
		map[string]any{"validForDays": int(validFor / (24 * time.Hour)), "replaceExisting": replace})
	if err != nil {
		return "", err
	}
	if s := str(m, "secretText"); s != "" {
		return s, nil
	}
	return "", errors.New("the server returned no secret")
}

func (d remoteDirectory) tenantID() string { return d.s.prof.TenantID }
