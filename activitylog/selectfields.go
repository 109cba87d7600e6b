package activitylog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// eventFields are the top-level EventData properties $select may name, in
// the order events are written.
var eventFields = []string{
	"authorization", "caller", "channels", "claims", "correlationId", "description", "eventDataId",
	"eventName", "category", "eventTimestamp", "httpRequest", "id", "level", "operationId",
	"operationName", "resourceGroupName", "resourceProviderName", "resourceType", "resourceId",
	"status", "subStatus", "submissionTimestamp", "subscriptionId", "tenantId", "properties",
	"relatedEvents",
}

// ParseSelect reads $select: comma-separated top-level EventData property
// names ("eventName,operationName,status"), matched ignoring case and
// surrounding spaces (the Azure CLI joins them with " , "). It returns the
// canonical names, or nil when s is empty (every property).
func ParseSelect(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := slices.IndexFunc(eventFields, func(f string) bool { return strings.EqualFold(f, part) })
		if i < 0 {
			return nil, fmt.Errorf("'%s' is not an event property; use names among %s", part, strings.Join(eventFields, ", "))
		}
		if !slices.Contains(out, eventFields[i]) {
			out = append(out, eventFields[i])
		}
	}
	return out, nil
}

// selectFields keeps the named top-level properties of an event's JSON, in
// their stored order; nil names keeps the whole event.
func selectFields(body []byte, names []string) ([]byte, error) {
	if names == nil {
		return body, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("event body is not a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read event body: %w", err)
		}
		key, _ := keyTok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("read event body: %w", err)
		}
		if !slices.Contains(names, key) {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(val)
		n++
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
