package client

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Challenge is a Bearer claims challenge from a 401's WWW-Authenticate
// header: ARM's MFA step-up asks for error="insufficient_claims" with the
// claims request in claims="<base64>".
type Challenge struct {
	// Error is the error parameter ("insufficient_claims").
	Error string
	// Claims is the claims parameter as sent (standard base64).
	Claims string
	// AuthorizationURI is the authorization_uri parameter.
	AuthorizationURI string
}

// DecodedClaims returns the claims request JSON.
func (c *Challenge) DecodedClaims() (string, error) {
	b, err := base64.StdEncoding.DecodeString(c.Claims)
	if err != nil {
		// accept unpadded values too: the user may have copied one by hand
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(c.Claims, "=")); err != nil {
			return "", fmt.Errorf("the claims challenge %q is not base64: %w", c.Claims, err)
		}
	}
	return string(b), nil
}

// ParseChallenge finds a Bearer challenge with error="insufficient_claims"
// and a non-empty claims parameter in a WWW-Authenticate value; it returns
// nil otherwise (any other 401 is not a step-up).
func ParseChallenge(header string) *Challenge {
	i := strings.Index(strings.ToLower(header), "bearer ")
	if i < 0 {
		return nil
	}
	params := parseAuthParams(header[i+len("bearer "):])
	c := &Challenge{Error: params["error"], Claims: params["claims"], AuthorizationURI: params["authorization_uri"]}
	if c.Error != "insufficient_claims" || c.Claims == "" {
		return nil
	}
	return c
}

// parseAuthParams reads key="value" pairs separated by commas (RFC 7235
// auth-params); keys are lower-cased.
func parseAuthParams(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ,")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			end := 1
			var b strings.Builder
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' && end+1 < len(s) {
					end++
				}
				b.WriteByte(s[end])
				end++
			}
			val = b.String()
			s = s[min(end+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		out[key] = val
	}
	return out
}
