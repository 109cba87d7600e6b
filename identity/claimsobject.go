package identity

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// longClaimNames maps JWT claim names to the claim types ARM's .NET
// token handler turns them into. ARM exposes the caller's claims under these
// names both in requestContext().identity and in the activity log's
// "claims" object; the sample Administrative event in
// https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema
// shows every one of them. Claims not listed keep their short JWT name
// (aud, iss, iat, nbf, exp, appid, appidacr, idtyp, acrs, name, uti, ver, …).
var longClaimNames = map[string]string{
	"acr":         "http://schemas.microsoft.com/claims/authnclassreference",
	"amr":         "http://schemas.microsoft.com/claims/authnmethodsreferences",
	"deviceid":    "http://schemas.microsoft.com/2012/01/devicecontext/claims/identifier",
	"family_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
	"given_name":  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
	"oid":         "http://schemas.microsoft.com/identity/claims/objectidentifier",
	"scp":         "http://schemas.microsoft.com/identity/claims/scope",
	"sub":         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
	"tid":         "http://schemas.microsoft.com/identity/claims/tenantid",
	"unique_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	"upn":         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
	"email":       "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
	"roles":       "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
}

// LongClaimName returns the name under which ARM exposes a JWT claim.
func LongClaimName(claim string) string {
	if long, ok := longClaimNames[claim]; ok {
		return long
	}
	return claim
}

// ClaimsObject converts token claims to the object Azure exposes as
// requestContext().identity and as an activity-log event's "claims": keys
// renamed by LongClaimName, every value a string. Multi-valued claims are
// joined with "," (amr ["pwd","mfa"] becomes "pwd,mfa", acrs ["p1"] becomes
// "p1"), numbers are written in decimal ("1234567890"), booleans as
// "true"/"false", and objects as their JSON text. Null claims are dropped.
// The MFA policy definitions split these strings on ",".
func ClaimsObject(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		s, ok := claimString(v)
		if !ok {
			continue
		}
		out[LongClaimName(k)] = s
	}
	return out
}

// claimString renders one claim value as ARM does.
func claimString(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case json.Number:
		return t.String(), true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return strconv.FormatInt(int64(t), 10), true
		}
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case int:
		return strconv.Itoa(t), true
	case []string:
		return strings.Join(t, ","), true
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := claimString(x); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ","), true
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}
