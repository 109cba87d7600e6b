package identity_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/identity"
)

// The password grant yields amr ["pwd"] without a second factor and
// ["pwd","mfa"] only when a TOTP code was verified in that sign-in. Entra's
// amr values: https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
func TestPasswordGrantAMR(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateUser(ctx, "plain", "Plain User", "correct horse"); err != nil {
		t.Fatal(err)
	}
	secret := e.userWithTOTP(t, "alice", "alice-password")
	now := e.clock.Now()

	cases := []struct {
		name      string
		form      func() map[string][]string
		status    int
		amr       []any
		acrs      []any
		errorCode float64
	}{
		{"no TOTP enrolled", func() map[string][]string { return passwordForm("plain", "correct horse", "", "") }, 200, []any{"pwd"}, nil, 0},
		{"TOTP enrolled, password only", func() map[string][]string { return passwordForm("alice", "alice-password", "", "") }, 200, []any{"pwd"}, nil, 0},
		{"valid TOTP", func() map[string][]string { return passwordForm("alice", "alice-password", totpAt(t, secret, now), "") }, 200, []any{"pwd", "mfa"}, nil, 0},
		{"replayed TOTP", func() map[string][]string { return passwordForm("alice", "alice-password", totpAt(t, secret, now), "") }, 400, nil, nil, 500121},
		{"wrong TOTP", func() map[string][]string {
			c := totpAt(t, secret, now)
			wrong := "000000"
			if c == wrong {
				wrong = "111111"
			}
			return passwordForm("alice", "alice-password", wrong, "")
		}, 400, nil, nil, 500121},
		{"wrong password", func() map[string][]string { return passwordForm("alice", "nope-nope", "", "") }, 400, nil, nil, 50126},
		{"MFA demanded, none given", func() map[string][]string {
			return passwordForm("alice", "alice-password", "", identity.MFAClaims)
		}, 400, nil, nil, 50076},
		{"MFA demanded, user has no authenticator", func() map[string][]string {
			return passwordForm("plain", "correct horse", "", identity.MFAClaims)
		}, 400, nil, nil, 50079},
		{"MFA demanded and given", func() map[string][]string {
			return passwordForm("alice", "alice-password", totpAt(t, secret, now.Add(30*time.Second)), identity.MFAClaims)
		}, 200, []any{"pwd", "mfa"}, []any{"p1"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.token(t, tc.form())
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.errorCode != 0 {
				if body["error"] != "invalid_grant" || !hasCode(body, tc.errorCode) {
					t.Fatalf("error %v codes %v, want invalid_grant %v", body["error"], body["error_codes"], tc.errorCode)
				}
				if !strings.HasPrefix(body["error_description"].(string), "AADSTS") {
					t.Errorf("description %q lacks AADSTS prefix", body["error_description"])
				}
				// A user with no authenticator is told where to get one.
				if tc.errorCode == 50079 && !strings.Contains(body["error_description"].(string), "Register one by signing in to the portal") {
					t.Errorf("description %q does not say how to register an authenticator", body["error_description"])
				}
				for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
					if body[k] == nil {
						t.Errorf("error body lacks %s", k)
					}
				}
				if ev := e.rec.last(t); ev.Result != identity.SignInFailure {
					t.Errorf("last recorded event %+v is not a failure", ev)
				}
				return
			}
			c := claimsOf(t, body["access_token"].(string))
			if !reflect.DeepEqual(c["amr"], tc.amr) {
				t.Errorf("amr = %v, want %v", c["amr"], tc.amr)
			}
			if got, ok := c["acrs"]; tc.acrs == nil && ok {
				t.Errorf("acrs = %v, want no acrs claim", got)
			} else if tc.acrs != nil && !reflect.DeepEqual(got, tc.acrs) {
				t.Errorf("acrs = %v, want %v", got, tc.acrs)
			}
			for k, want := range map[string]any{"idtyp": "user", "scp": "user_impersonation", "appid": identity.CLIClientID,
				"aud": "https://management.core.windows.net/", "tid": testTenant, "iss": e.svc.Issuer(), "appidacr": "0"} {
				if c[k] != want {
					t.Errorf("%s = %v, want %v", k, c[k], want)
				}
			}
			if body["refresh_token"] == "" || body["id_token"] == nil {
				t.Errorf("user grant lacks refresh or id token: %v", body)
			}
			p, err := e.ver.Verify(context.Background(), body["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != identity.KindUser || p.MFA() != (len(tc.amr) == 2) {
				t.Errorf("principal kind %s mfa %v", p.Kind, p.MFA())
			}
			if ev := e.rec.last(t); ev.Result != identity.SignInSuccess || ev.Kind != identity.KindUser {
				t.Errorf("last event %+v", ev)
			}
		})
	}
}

// After five failures in fifteen minutes the account is locked for fifteen
// minutes: the sixth attempt fails even with the right password (Entra
// smart lockout, AADSTS50053).
func TestBruteForceLockout(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateUser(context.Background(), "bob", "", "bob-password"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if status, body := e.token(t, passwordForm("bob", "guess-"+string(rune('a'+i)), "", "")); status != 400 || !hasCode(body, 50126) {
			t.Fatalf("attempt %d: %d %v", i+1, status, body)
		}
	}
	before := e.rec.count()
	status, body := e.token(t, passwordForm("bob", "bob-password", "", ""))
	if status != http.StatusBadRequest || !hasCode(body, 50053) {
		t.Fatalf("6th attempt with the right password: %d %v, want AADSTS50053", status, body)
	}
	if e.rec.count() != before+1 {
		t.Fatal("locked attempt was not recorded")
	}
	if ev := e.rec.last(t); ev.Result != identity.SignInFailure || ev.ErrorCode != "AADSTS50053" || ev.UserName != "bob" || ev.IP == "" {
		t.Errorf("recorded %+v", ev)
	}
	e.clock.Advance(16 * time.Minute)
	if status, body := e.token(t, passwordForm("bob", "bob-password", "", "")); status != 200 {
		t.Fatalf("after the lockout expired: %d %v", status, body)
	}
}

// The window slides: five failures within any fifteen minutes lock the
// account, failures further apart do not.
func TestLockoutWindow(t *testing.T) {
	cases := []struct {
		name   string
		gaps   []time.Duration // clock advance before each failure
		locked bool
	}{
		{"5 failures 4 minutes apart", []time.Duration{0, 4, 4, 4, 4}, false},
		{"5 failures within 10 minutes straddling an earlier one", []time.Duration{0, 10, 6, 1, 1, 1}, true},
		{"5 failures 3 minutes apart", []time.Duration{0, 3, 3, 3, 3}, true},
		{"4 failures, pause, 4 failures", []time.Duration{0, 1, 1, 1, 20, 1, 1, 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.svc.CreateUser(context.Background(), "carol", "", "carol-password"); err != nil {
				t.Fatal(err)
			}
			for _, g := range tc.gaps {
				e.clock.Advance(g * time.Minute)
				e.token(t, passwordForm("carol", "wrong-password", "", ""))
			}
			status, body := e.token(t, passwordForm("carol", "carol-password", "", ""))
			if locked := hasCode(body, 50053); locked != tc.locked {
				t.Fatalf("locked = %v, want %v (%d %v)", locked, tc.locked, status, body)
			}
		})
	}
}

func TestPasswordGrantRejectsOtherClients(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateUser(context.Background(), "dave", "", "dave-password"); err != nil {
		t.Fatal(err)
	}
	f := passwordForm("dave", "dave-password", "", "")
	f.Set("client_id", "some-other-app")
	if status, body := e.token(t, f); status != 400 || body["error"] != "unauthorized_client" {
		t.Fatalf("%d %v", status, body)
	}
	f = passwordForm("dave", "dave-password", "", "")
	f.Set("scope", "https://graph.example.com/.default")
	if status, body := e.token(t, f); status != 400 || !hasCode(body, 500011) {
		t.Fatalf("unknown resource: %d %v", status, body)
	}
}
