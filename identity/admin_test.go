package identity_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/palisade/palisade/identity"
)

func TestUserAdministration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateUser(ctx, "mia", "Mia", "mia-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUser(ctx, "MIA", "", "other-password"); err == nil {
		t.Error("duplicate name (case-insensitive) accepted")
	}
	if _, err := e.svc.CreateUser(ctx, "short", "", "1234567"); err == nil {
		t.Error("7-character password accepted")
	}
	_, body := e.token(t, passwordForm("mia@palisade.local", "mia-password", "", ""))
	rt, _ := body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("UPN sign-in: %v", body)
	}
	if err := e.svc.SetUserDisabled(ctx, "mia", true); err != nil {
		t.Fatal(err)
	}
	if status, body := e.token(t, passwordForm("mia", "mia-password", "", "")); status != 400 || !hasCode(body, 50057) {
		t.Errorf("disabled user signed in: %d %v", status, body)
	}
	if status, _ := e.token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {identity.CLIClientID}, "refresh_token": {rt}, "scope": {armScope}}); status != 400 {
		t.Errorf("disabled user refreshed: %d", status)
	}
	users, err := e.svc.ListUsers(ctx)
	if err != nil || len(users) != 1 || users[0].PasswordHash != "" {
		t.Fatalf("ListUsers %+v %v", users, err)
	}
	if err := e.svc.SetPassword(ctx, "mia", "new-mia-password"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetUserDisabled(ctx, "mia", false); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.token(t, passwordForm("mia", "new-mia-password", "", "")); status != 200 {
		t.Errorf("new password refused: %d", status)
	}
	if err := e.svc.DeleteUser(ctx, "mia"); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.token(t, passwordForm("mia", "new-mia-password", "", "")); status != 400 {
		t.Errorf("deleted user signed in: %d", status)
	}

	appID, secret := newSP(t, e)
	sps, err := e.svc.ListServicePrincipals(ctx)
	if err != nil || len(sps) != 1 || sps[0].Secrets[0].Hash != "" || sps[0].Secrets[0].Hint != secret[:3] {
		t.Fatalf("ListServicePrincipals %+v %v", sps, err)
	}
	if err := e.svc.DeleteServicePrincipal(ctx, appID); err != nil {
		t.Fatal(err)
	}
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}}
	if status, _ := e.token(t, f); status != 400 {
		t.Errorf("deleted service principal got a token: %d", status)
	}
}

// An expired client secret no longer works.
func TestClientSecretExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sp, err := e.svc.CreateServicePrincipal(ctx, "", "short-lived")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.svc.AddClientSecret(ctx, sp.AppID, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {sp.AppID}, "client_secret": {secret}, "scope": {armScope}}
	if status, _ := e.token(t, f); status != 200 {
		t.Fatalf("fresh secret refused: %d", status)
	}
	e.clock.Advance(2 * time.Hour)
	if status, body := e.token(t, f); status != 401 || !hasCode(body, 7000215) {
		t.Fatalf("expired secret: %d %v", status, body)
	}
}

// The nonce of an authorization request comes back in the ID token.
func TestAuthorizationCodeNonce(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateUser(context.Background(), "noah", "", "noah-password"); err != nil {
		t.Fatal(err)
	}
	cfg := oauthConfig(e)
	cfg.Scopes = append(cfg.Scopes, "openid")
	b := newBrowser(t, e)
	verifier := oauth2.GenerateVerifier()
	login := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-0S6_WzA2Mj")))
	next := b.submit(e.srv.URL, login, url.Values{"username": {"noah"}, "password": {"noah-password"}})
	loc, err := url.Parse(next.location)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, _ := tok.Extra("id_token").(string)
	if c := claimsOf(t, idt); c["nonce"] != "n-0S6_WzA2Mj" || c["aud"] != identity.CLIClientID {
		t.Errorf("id token claims %v", c)
	}
}

func TestRotateKeysIfOlder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if rotated, err := e.svc.RotateKeysIfOlder(ctx, 24*time.Hour); err != nil || rotated {
		t.Fatalf("fresh key rotated: %v %v", rotated, err)
	}
	e.clock.Advance(25 * time.Hour)
	if rotated, err := e.svc.RotateKeysIfOlder(ctx, 24*time.Hour); err != nil || !rotated {
		t.Fatalf("old key not rotated: %v %v", rotated, err)
	}
	if n := len(jwksOf(t, e).Keys); n != 2 {
		t.Errorf("%d keys published", n)
	}
}

// golang.org/x/oauth2 refreshes without a scope parameter; the refresh
// token remembers its resource.
func TestOAuth2RefreshWithoutScope(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateUser(context.Background(), "olga", "", "olga-password"); err != nil {
		t.Fatal(err)
	}
	_, body := e.token(t, passwordForm("olga", "olga-password", "", ""))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	ts := oauthConfig(e).TokenSource(ctx, &oauth2.Token{RefreshToken: body["refresh_token"].(string)})
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == body["refresh_token"] || claimsOf(t, tok.AccessToken)["aud"] != identity.AudienceManagementCore {
		t.Errorf("refreshed token %+v", tok)
	}
}

// Resetting a service principal's secret revokes the earlier ones, as
// `az ad sp credential reset` does without --append
// (https://learn.microsoft.com/cli/azure/ad/sp/credential); removing one by
// key id revokes just that one.
func TestResetAndRemoveClientSecret(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sp, err := e.svc.CreateServicePrincipal(ctx, "", "rotating")
	if err != nil {
		t.Fatal(err)
	}
	form := func(secret string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {sp.AppID}, "client_secret": {secret}, "scope": {armScope}}
	}
	first, err := e.svc.AddClientSecret(ctx, sp.AppID, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.svc.AddClientSecret(ctx, sp.AppID, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{first, second} {
		if status, body := e.token(t, form(s)); status != 200 {
			t.Fatalf("appended secret refused: %d %v", status, body)
		}
	}

	third, err := e.svc.ResetClientSecret(ctx, sp.AppID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := e.token(t, form(third)); status != 200 {
		t.Fatalf("new secret refused: %d", status)
	}
	for _, s := range []string{first, second} {
		if status, body := e.token(t, form(s)); status != 401 || !hasCode(body, 7000215) {
			t.Errorf("secret from before the reset: %d %v", status, body)
		}
	}

	got, err := e.svc.ListServicePrincipals(ctx)
	if err != nil || len(got) != 1 || len(got[0].Secrets) != 1 {
		t.Fatalf("after reset: %v %+v", err, got)
	}
	keyID := got[0].Secrets[0].KeyID
	if err := e.svc.RemoveClientSecret(ctx, sp.AppID, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("removing an unknown key id: %v", err)
	}
	if err := e.svc.RemoveClientSecret(ctx, sp.AppID, strings.ToUpper(keyID)); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.token(t, form(third)); status != 401 {
		t.Errorf("removed secret still works: %d", status)
	}
}
