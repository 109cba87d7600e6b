package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// envelopeOrder is the order of ARM's top-level resource properties in
// the JSON Palisade writes; unknown ones follow, sorted, then properties
// and systemData.
var envelopeOrder = []string{"kind", "sku", "plan", "identity", "managedBy", "zones", "extendedLocation", "tags"}

// envelopeNames are the top-level names decodeResource writes in ARM's
// casing.
var envelopeNames = append([]string{"location", "properties", "id", "name", "type", "etag", "systemData"}, envelopeOrder...)

// readOnlyFields are top-level properties a client may send but the server
// owns; they are dropped from request bodies.
var readOnlyFields = map[string]bool{"id": true, "name": true, "type": true, "etag": true, "systemData": true, "location": true, "properties": true}

// resourceInput is a decoded resource request body: top-level fields kept
// as raw JSON, so properties are stored exactly as sent.
type resourceInput struct {
	fields   map[string]json.RawMessage
	location string
	tags     map[string]string
}

// decodeResource checks a resource body's top-level shape: a JSON object
// whose location is a string, tags an object of strings and properties an
// object. Errors name the offending property, as ARM does.
func decodeResource(body []byte) (*resourceInput, error) {
	var fields map[string]json.RawMessage
	if err := decodeStrict(body, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, invalidContent("The request content was invalid and could not be deserialized: 'The request body must be a JSON object.'")
	}
	in := &resourceInput{fields: map[string]json.RawMessage{}}
	for k, v := range fields {
		// Property names are case-insensitive in ARM; canonicalise the
		// well-known ones.
		canon := k
		for _, c := range envelopeNames {
			if strings.EqualFold(k, c) {
				canon = c
				break
			}
		}
		in.fields[canon] = v
	}
	if v, ok := in.fields["location"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &in.location); err != nil {
			return nil, typeError("location", "String", v)
		}
		in.location = store.NormalizeLocation(in.location)
	}
	if v, ok := in.fields["tags"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &in.tags); err != nil {
			return nil, typeError("tags", "Object with string values", v)
		}
		if err := checkTags(in.tags); err != nil {
			return nil, err
		}
	} else {
		delete(in.fields, "tags")
	}
	if v, ok := in.fields["properties"]; ok {
		t := bytes.TrimSpace(v)
		if string(t) == "null" {
			delete(in.fields, "properties")
		} else if len(t) == 0 || t[0] != '{' {
			return nil, typeError("properties", "Object", v)
		}
	}
	return in, nil
}

func typeError(path, want string, got json.RawMessage) *Error {
	g := string(got)
	if len(g) > 40 {
		g = g[:40] + "…"
	}
	e := invalidContent("The request content was invalid and could not be deserialized: 'Error converting value %s to type '%s'. Path '%s'.'", g, want, path)
	e.Target = path
	return e
}

// checkTags applies ARM's tag limits: at most 50 tags, names up to 512
// characters without < > % & \ ? /, values up to 256 characters
// (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return Errorf(http.StatusBadRequest, "InvalidTag", "The number of tags (%d) exceeds the limit of 50.", len(tags))
	}
	for k, v := range tags {
		if k == "" || len(k) > 512 || strings.ContainsAny(k, "<>%&\\?/") {
			return Errorf(http.StatusBadRequest, "InvalidTagNameCharacters",
				"The tag name '%s' is invalid: it must be 1 to 512 characters and must not contain '<', '>', '%%', '&', '\\', '?' or '/'.", k)
		}
		if len(v) > 256 {
			return Errorf(http.StatusBadRequest, "InvalidTag", "The value of tag '%s' exceeds the limit of 256 characters.", k)
		}
	}
	return nil
}

// systemData is ARM's record of who created and last modified an object.
type systemData struct {
	CreatedBy          string    `json:"createdBy,omitempty"`
	CreatedByType      string    `json:"createdByType,omitempty"`
	CreatedAt          time.Time `json:"createdAt"`
	LastModifiedBy     string    `json:"lastModifiedBy,omitempty"`
	LastModifiedByType string    `json:"lastModifiedByType,omitempty"`
	LastModifiedAt     time.Time `json:"lastModifiedAt"`
}

// principalType maps a caller to systemData's createdByType values
// (User, Application, ManagedIdentity, Key).
func principalType(p *identity.Principal) (string, string) {
	if p == nil {
		return "", ""
	}
	switch p.Kind {
	case identity.KindUser:
		return p.Caller(), "User"
	case identity.KindManagedIdentity:
		return p.Caller(), "ManagedIdentity"
	default:
		return p.Caller(), "Application"
	}
}

// buildEnvelope writes the stored JSON of a resource: id, name, type,
// location, the other top-level fields as sent, properties as sent with
// provisioningState Succeeded, and systemData.
func buildEnvelope(id, name, typ string, in *resourceInput, sd systemData) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(in.fields["properties"]))
	b.WriteString(`{"id":`)
	writeString(&b, id)
	b.WriteString(`,"name":`)
	writeString(&b, name)
	b.WriteString(`,"type":`)
	writeString(&b, typ)
	if in.location != "" {
		b.WriteString(`,"location":`)
		writeString(&b, in.location)
	}
	seen := map[string]bool{}
	for _, k := range envelopeOrder {
		if v, ok := in.fields[k]; ok {
			seen[k] = true
			writeField(&b, k, v)
		}
	}
	var extra []string
	for k := range in.fields {
		if !seen[k] && !readOnlyFields[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		writeField(&b, k, in.fields[k])
	}
	b.WriteString(`,"properties":`)
	writeProperties(&b, in.fields["properties"])
	sdb, _ := json.Marshal(sd)
	b.WriteString(`,"systemData":`)
	b.Write(sdb)
	b.WriteByte('}')
	return b.Bytes()
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

func writeField(b *bytes.Buffer, k string, v json.RawMessage) {
	b.WriteByte(',')
	writeString(b, k)
	b.WriteByte(':')
	if err := json.Compact(b, v); err != nil {
		b.WriteString("null")
	}
}

// writeProperties writes the properties object with provisioningState
// "Succeeded" first and the client's properties after it, byte for byte
// (compacted); a client-sent provisioningState is replaced.
func writeProperties(b *bytes.Buffer, props json.RawMessage) {
	t := bytes.TrimSpace(props)
	if len(t) < 2 {
		b.WriteString(`{"provisioningState":"Succeeded"}`)
		return
	}
	if bytes.Contains(bytes.ToLower(t), []byte(`"provisioningstate"`)) {
		var m map[string]json.RawMessage
		if json.Unmarshal(t, &m) == nil {
			for k := range m {
				if strings.EqualFold(k, "provisioningState") {
					delete(m, k)
				}
			}
			t, _ = json.Marshal(m)
		}
	}
	var c bytes.Buffer
	if err := json.Compact(&c, t); err != nil {
		b.WriteString(`{"provisioningState":"Succeeded"}`)
		return
	}
	inner := bytes.TrimSpace(c.Bytes()[1 : c.Len()-1])
	b.WriteString(`{"provisioningState":"Succeeded"`)
	if len(inner) > 0 {
		b.WriteByte(',')
		b.Write(inner)
	}
	b.WriteByte('}')
}

// storedSystemData reads systemData back from a stored body.
func storedSystemData(body []byte) systemData {
	// buildEnvelope writes systemData last: decode just that value rather
	// than the whole (possibly large) body.
	if i := bytes.LastIndex(body, []byte(`"systemData":`)); i >= 0 {
		var sd systemData
		if json.NewDecoder(bytes.NewReader(body[i+len(`"systemData":`):])).Decode(&sd) == nil {
			return sd
		}
	}
	var v struct {
		SystemData systemData `json:"systemData"`
	}
	_ = json.Unmarshal(body, &v)
	return v.SystemData
}

// mergePatch applies an ARM PATCH to a stored resource: top-level fields
// in the patch replace the stored ones (tags as a whole), and properties
// are merged one level deep.
func mergePatch(stored []byte, patch *resourceInput) (*resourceInput, error) {
	old, err := decodeResource(stored)
	if err != nil {
		return nil, err
	}
	for k, v := range patch.fields {
		switch k {
		case "location":
			// A PATCH cannot move a resource.
		case "properties":
			var om, pm map[string]json.RawMessage
			_ = json.Unmarshal(old.fields["properties"], &om)
			if err := json.Unmarshal(v, &pm); err != nil {
				return nil, typeError("properties", "Object", v)
			}
			if om == nil {
				om = map[string]json.RawMessage{}
			}
			for pk, pv := range pm {
				om[pk] = pv
			}
			old.fields["properties"], _ = json.Marshal(om)
		default:
			old.fields[k] = v
		}
	}
	if patch.tags != nil || patch.fields["tags"] != nil {
		old.tags = patch.tags
	}
	return old, nil
}
