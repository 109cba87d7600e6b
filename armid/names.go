package armid

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidName is wrapped by the name validators so callers can choose
// the ARM error code to answer with.
var ErrInvalidName = errors.New("invalid name")

// ValidateResourceGroupName checks ARM's rule for resource group names:
// 1 to 90 characters, each a letter or digit (Unicode) or one of
// "_", "(", ")", "-", ".", and not ending with ".". It is separate from
// Parse so the API can answer with its own error code. Length is counted
// in Unicode code points (ARM counts UTF-16 units, which differs only for
// characters outside the Basic Multilingual Plane).
func ValidateResourceGroupName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > 90 {
		return fmt.Errorf("resource group name %q has %d characters, want 1 to 90: %w", name, n, ErrInvalidName)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '(' && r != ')' && r != '-' && r != '.' {
			return fmt.Errorf("resource group name %q contains %q; allowed are letters, digits and _ ( ) - .: %w", name, r, ErrInvalidName)
		}
	}
	if name[len(name)-1] == '.' {
		return fmt.Errorf("resource group name %q ends with '.': %w", name, ErrInvalidName)
	}
	return nil
}

// ValidateSubscriptionID checks that a subscription id is a GUID
// ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex digits in any case), the only
// form ARM accepts; Parse itself accepts any name so that the API can answer
// with ARM's own error code.
func ValidateSubscriptionID(s string) error {
	if !IsGUID(s) {
		return fmt.Errorf("subscription id %q is not a GUID: %w", s, ErrInvalidName)
	}
	return nil
}

// IsGUID reports whether s has the 8-4-4-4-12 hexadecimal GUID form.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
