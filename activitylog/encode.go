package activitylog

import (
	"reflect"
	"slices"
	"time"
	"unicode/utf8"
)

// appendJSON appends e encoded byte for byte as encoding/json encodes it
// (fields in declaration order, map keys sorted, HTML characters, U+2028,
// U+2029 and invalid UTF-8 escaped the same way). Every write stores two
// or more events, and reflection-driven encoding was most of their cost.
// It reports false, appending nothing, for an event it does not handle: one
// with related events, whose raw JSON encoding/json validates and compacts.
// TestAppendJSONMatchesEncodingJSON and FuzzAppendJSON hold the two
// encodings equal.
func (e *Event) appendJSON(b []byte) ([]byte, bool) {
	if len(e.RelatedEvents) > 0 {
		return b, false
	}
	b = append(b, '{')
	if a := e.Authorization; a != nil {
		b = append(b, `"authorization":{"action":`...)
		b = appendString(b, a.Action)
		if a.Role != "" {
			b = append(b, `,"role":`...)
			b = appendString(b, a.Role)
		}
		b = append(b, `,"scope":`...)
		b = appendString(b, a.Scope)
		b = append(b, "},"...)
	}
	b = append(b, `"caller":`...)
	b = appendString(b, e.Caller)
	b = append(b, `,"channels":`...)
	b = appendString(b, e.Channels)
	if len(e.Claims) > 0 {
		b = append(b, `,"claims":`...)
		if e.claimsJSON.encodes(e.Claims) {
			b = append(b, e.claimsJSON.json...)
		} else {
			b = appendStringMap(b, e.Claims)
		}
	}
	b = append(b, `,"correlationId":`...)
	b = appendString(b, e.CorrelationID)
	b = append(b, `,"description":`...)
	b = appendString(b, e.Description)
	b = append(b, `,"eventDataId":`...)
	b = appendString(b, e.EventDataID)
	b = append(b, `,"eventName":`...)
	b = e.EventName.appendJSON(b)
	b = append(b, `,"category":`...)
	b = e.Category.appendJSON(b)
	b = append(b, `,"eventTimestamp":`...)
	b = e.EventTimestamp.appendJSON(b)
	if h := e.HTTPRequest; h != nil {
		b = append(b, `,"httpRequest":{"clientRequestId":`...)
		b = appendString(b, h.ClientRequestID)
		b = append(b, `,"clientIpAddress":`...)
		b = appendString(b, h.ClientIPAddress)
		b = append(b, `,"method":`...)
		b = appendString(b, h.Method)
		if h.URI != "" {
			b = append(b, `,"uri":`...)
			b = appendString(b, h.URI)
		}
		b = append(b, '}')
	}
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"level":`...)
	b = appendString(b, e.Level)
	b = append(b, `,"operationId":`...)
	b = appendString(b, e.OperationID)
	b = append(b, `,"operationName":`...)
	b = e.OperationName.appendJSON(b)
	b = append(b, `,"resourceGroupName":`...)
	b = appendString(b, e.ResourceGroupName)
	b = append(b, `,"resourceProviderName":`...)
	b = e.ResourceProviderName.appendJSON(b)
	b = append(b, `,"resourceType":`...)
	b = e.ResourceType.appendJSON(b)
	b = append(b, `,"resourceId":`...)
	b = appendString(b, e.ResourceID)
	b = append(b, `,"status":`...)
	b = e.Status.appendJSON(b)
	b = append(b, `,"subStatus":`...)
	b = e.SubStatus.appendJSON(b)
	b = append(b, `,"submissionTimestamp":`...)
	b = e.SubmissionTimestamp.appendJSON(b)
	b = append(b, `,"subscriptionId":`...)
	b = appendString(b, e.SubscriptionID)
	b = append(b, `,"tenantId":`...)
	b = appendString(b, e.TenantID)
	b = append(b, `,"properties":`...)
	if e.Properties == nil {
		b = append(b, "null"...)
	} else {
		b = appendStringMap(b, e.Properties)
	}
	if e.RelatedEvents == nil {
		b = append(b, `,"relatedEvents":null}`...)
	} else {
		b = append(b, `,"relatedEvents":[]}`...)
	}
	return b, true
}

func (s LocalizableString) appendJSON(b []byte) []byte {
	b = append(b, `{"value":`...)
	b = appendString(b, s.Value)
	b = append(b, `,"localizedValue":`...)
	b = appendString(b, s.LocalizedValue)
	return append(b, '}')
}

// appendJSON appends what MarshalJSON returns.
func (t Timestamp) appendJSON(b []byte) []byte {
	b = append(b, '"')
	b = time.Time(t).UTC().Truncate(time.Microsecond).AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// encodedMap is a map of strings with its encoding, made when the map was
// built; the map must not change afterwards.
type encodedMap struct {
	of   map[string]string
	json []byte
}

// encodes reports whether the encoding is that of m (the same map).
func (e encodedMap) encodes(m map[string]string) bool {
	return e.json != nil && len(m) == len(e.of) && reflect.ValueOf(m).UnsafePointer() == reflect.ValueOf(e.of).UnsafePointer()
}

// appendStringMap appends m as a JSON object with its keys sorted, as
// encoding/json writes maps.
func appendStringMap(b []byte, m map[string]string) []byte {
	var buf [32]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes a JSON string holds as they are: everything
// but control characters, '"', '\\' and the HTML characters '<', '>', '&'.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\\<>&` {
		t[c] = false
	}
	return t
}()

// appendString appends s as a JSON string the way encoding/json does with
// its default HTML escaping.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
