package portal

import (
	"context"
	"net/url"
)

// Names the external tests (package portal_test, which can start a whole
// server) use to reach the portal's internals.

// TestSub is the subscription the test servers bootstrap.
const TestSub = "00000000-0000-0000-0000-00000000aaaa"

// MFAMessage is the non-compliance message the MFA tutorial's assignment
// carries (learn.microsoft.com, "Tutorial: Enforce multifactor
// authentication for Azure resource management with Azure Policy").
const MFAMessage = "Sign in with multifactor authentication to create or update resources."

// CookieName is the session cookie's name.
const CookieName = cookieName

// API versions the tests send.
const (
	VerResources = verResources
	VerPolicy    = verPolicy
)

// ARMResponse is an in-process ARM answer.
type ARMResponse = armResponse

// TokenResult is an issuer answer.
type TokenResult = tokenResult

// TestCall sends one ARM request in-process.
func (p *Portal) TestCall(ctx context.Context, token, method, path string, body []byte) (*ARMResponse, error) {
	return p.call(ctx, token, method, path, body)
}

// TestPasswordGrant signs a user in at the issuer.
func (p *Portal) TestPasswordGrant(ctx context.Context, user, password, otp string) (*TokenResult, error) {
	return p.passwordGrant(ctx, user, password, otp)
}

// TestSessionToken returns the access token of the user's newest session.
func (p *Portal) TestSessionToken(user string) string {
	var tok string
	var newest *session
	p.sessions.update(func() {
		for _, se := range p.sessions.byID {
			if se.user == user && (newest == nil || se.created.After(newest.created)) {
				newest, tok = se, se.token
			}
		}
	})
	return tok
}

// TutorialForm is the form a user fills in to assign the MFA definition at
// rg-web, with a resourceLocation selector and a non-compliance message.
func TutorialForm() url.Values {
	return url.Values{
		"name": {"mfa-rg-web"}, "tab": {"basics"},
		"scope":        {"/subscriptions/" + TestSub + "/resourceGroups/rg-web"},
		"definitionId": {"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"},
		"displayName":  {"Require MFA for resource writes"},
		"enforcement":  {"Enabled"},
		"sel.count":    {"1"}, "sel.0.name": {"low-risk regions"},
		"sel.0.resourceLocation.on": {"1"}, "sel.0.resourceLocation.op": {"in"},
		"sel.0.resourceLocation.values": {"eastus", "westus2"},
		"param.effect":                  {"Audit"},
		"ncm.default":                   {MFAMessage},
		"ov.count":                      {"0"},
	}
}
