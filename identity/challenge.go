package identity

import "encoding/base64"

// MFAClaims is the claims request ARM's MFA enforcement asks for: the
// authentication context "p1", satisfied by a second factor.
const MFAClaims = `{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}`

// MFAChallenge returns the WWW-Authenticate value of a 401 that asks the
// client to sign in again with MFA, in the layout ARM sends:
//
//	Bearer realm="", authorization_uri="<url>", error="insufficient_claims", claims="<base64>"
//
// claims is padded standard base64, because the Azure SDK for Go decodes it
// with base64.StdEncoding and rejects unpadded values.
func MFAChallenge(authorizeURL string) string {
	return `Bearer realm="", authorization_uri="` + authorizeURL + `", error="insufficient_claims", claims="` +
		base64.StdEncoding.EncodeToString([]byte(MFAClaims)) + `"`
}
