package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/store"
)

// TestIdentityAdminAPI manages a person through /providers/Palisade.Identity: create, enrol a
// second factor, sign in with and without it, and never see a secret in a response.
func TestIdentityAdminAPI(t *testing.T) {
	r := startServer(t)
	tok := r.adminToken(t)
	base := "/providers/Palisade.Identity/users/alice"
	status, _, body := r.raw(t, "PUT", base+"?api-version=2024-01-01", tok, `{"properties":{"displayName":"Alice","password":"alice-password-1"}}`)
	if status != 201 || body["name"] != "alice" {
		t.Fatalf("create user: %d %v", status, body)
	}
	status, _, body = r.raw(t, "PUT", "/providers/Palisade.Identity/users/bob?api-version=2024-01-01", tok, `{"properties":{"password":"short"}}`)
	if status != 400 {
		t.Errorf("short password: %d %v", status, body)
	}
	status, _, body = r.raw(t, "POST", base+"/enrollMfa?api-version=2024-01-01", tok, "")
	secret, _ := body["secret"].(string)
	if status != 200 || secret == "" || !strings.HasPrefix(body["otpauthUri"].(string), "otpauth://totp/") {
		t.Fatalf("enrol: %d %v", status, body)
	}
	code, _ := totp.GenerateCode(secret, r.clock.Now())
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	// A wrong code says what to do, without internal detail.
	status, _, body = r.raw(t, "POST", base+"/confirmMfa?api-version=2024-01-01", tok, `{"code":"`+wrong+`"}`)
	if e, _ := body["error"].(map[string]any); status != 400 || e["code"] != "InvalidVerificationCode" ||
		e["message"] != "The verification code is not valid for user 'alice': enter the code the authenticator app shows now." {
		t.Errorf("wrong code: %d %v", status, body)
	}
	status, _, body = r.raw(t, "POST", base+"/confirmMfa?api-version=2024-01-01", tok, `{"code":"`+code+`"}`)
	if status != 200 || body["properties"].(map[string]any)["mfaEnabled"] != true {
		t.Fatalf("confirm: %d %v", status, body)
	}
	signIn := func(otp string) []string {
		form := url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"}, "username": {"alice"},
			"password": {"alice-password-1"}, "scope": {armScope}}
		if otp != "" {
			form.Set("otp", otp)
		}
		at, err := r.token(context.Background(), form)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.ParseSigned(at, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			AMR []string `json:"amr"`
		}
		_ = parsed.UnsafeClaimsWithoutVerification(&claims)
		return claims.AMR
	}
	if amr := signIn(""); strings.Join(amr, ",") != "pwd" {
		t.Errorf("password only: amr %v", amr)
	}
	r.clock.Advance(30 * time.Second)
	code, _ = totp.GenerateCode(secret, r.clock.Now())
	if amr := signIn(code); strings.Join(amr, ",") != "pwd,mfa" {
		t.Errorf("with TOTP: amr %v", amr)
	}
	_, _, list := r.raw(t, "GET", "/providers/Palisade.Identity/users?api-version=2024-01-01", tok, "")
	if raw := dump(list); strings.Contains(raw, "argon2") || strings.Contains(raw, secret) || !strings.Contains(raw, `"alice"`) {
		t.Errorf("user list leaks secrets or misses alice: %s", raw)
	}
	status, _, body = r.raw(t, "PUT", "/providers/Palisade.Identity/servicePrincipals/22222222-3333-4444-5555-666666666666?api-version=2024-01-01", tok, `{"properties":{"displayName":"ci"}}`)
	if status != 201 {
		t.Fatalf("create service principal: %d %v", status, body)
	}
	status, _, body = r.raw(t, "POST", "/providers/Palisade.Identity/servicePrincipals/22222222-3333-4444-5555-666666666666/addSecret?api-version=2024-01-01", tok, `{"validForDays":30}`)
	sec, _ := body["secretText"].(string)
	if status != 200 || len(sec) < 20 {
		t.Fatalf("add secret: %d %v", status, body)
	}
	if _, err := r.token(context.Background(), url.Values{"grant_type": {"client_credentials"}, "client_id": {"22222222-3333-4444-5555-666666666666"},
		"client_secret": {sec}, "scope": {armScope}}); err != nil {
		t.Errorf("the new secret does not sign in: %v", err)
	}
	if status, _, _ := r.raw(t, "DELETE", base+"?api-version=2024-01-01", tok, ""); status != 200 {
		t.Errorf("delete user: %d", status)
	}

	// Rotation: replaceExisting revokes the secret above; removeSecret revokes by key id.
	const sp = "/providers/Palisade.Identity/servicePrincipals/22222222-3333-4444-5555-666666666666"
	signInWith := func(secret string) error {
		_, err := r.token(context.Background(), url.Values{"grant_type": {"client_credentials"}, "client_id": {"22222222-3333-4444-5555-666666666666"},
			"client_secret": {secret}, "scope": {armScope}})
		return err
	}
	status, _, body = r.raw(t, "POST", sp+"/addSecret?api-version=2024-01-01", tok, `{"validForDays":30,"replaceExisting":true}`)
	rotated, _ := body["secretText"].(string)
	if status != 200 || rotated == "" {
		t.Fatalf("reset secret: %d %v", status, body)
	}
	if err := signInWith(sec); err == nil {
		t.Error("the secret from before the reset still signs in")
	}
	if err := signInWith(rotated); err != nil {
		t.Errorf("the reset secret does not sign in: %v", err)
	}
	status, _, body = r.raw(t, "GET", sp+"?api-version=2024-01-01", tok, "")
	props, _ := body["properties"].(map[string]any)
	secrets, _ := props["passwordCredentials"].([]any)
	if status != 200 || len(secrets) != 1 {
		t.Fatalf("after reset: %d %v", status, body)
	}
	keyID, _ := secrets[0].(map[string]any)["keyId"].(string)
	if status, _, body := r.raw(t, "POST", sp+"/removeSecret?api-version=2024-01-01", tok, `{"keyId":"00000000-0000-0000-0000-000000000000"}`); status != 404 || !strings.Contains(dump(body), "no client secret with key id") {
		t.Errorf("remove an unknown key id: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "POST", sp+"/removeSecret?api-version=2024-01-01", tok, `{}`); status != 400 || !strings.Contains(dump(body), "keyId") {
		t.Errorf("remove without a key id: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "POST", sp+"/removeSecret?api-version=2024-01-01", tok, `{"keyId":"`+keyID+`"}`); status != 200 || strings.Contains(dump(body), keyID) {
		t.Fatalf("remove secret: %d %v", status, body)
	}
	if err := signInWith(rotated); err == nil {
		t.Error("a removed secret still signs in")
	}
}

// TestSignInsRecorded: successful and failed sign-ins, and refused tokens, are on the record.
func TestSignInsRecorded(t *testing.T) {
	r := startServer(t)
	ctx := context.Background()
	_ = r.adminToken(t)
	if _, err := r.token(ctx, url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"}, "username": {"admin"},
		"password": {"wrong password"}, "scope": {armScope}}); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if status, _, _ := r.raw(t, "GET", "/subscriptions?api-version=2022-12-01", "not-a-token", ""); status != 401 {
		t.Fatalf("a bad token was accepted: %d", status)
	}
	var results []string
	err := r.Store().View(ctx, func(tx store.Tx) error {
		p, err := tx.QueryEvents(ctx, store.EventQuery{TenantID: r.TenantID(), Category: SignInCategory,
			From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		for _, e := range p.Events {
			results = append(results, e.Status+":"+e.Caller)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.ToLower(strings.Join(results, " "))
	if !strings.Contains(joined, "succeeded:") || !strings.Contains(joined, "failed:admin") || strings.Count(joined, "failed:") < 2 {
		t.Errorf("sign-in records = %v", results)
	}
}
