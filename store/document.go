package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/palisade/palisade/armid"
)

// NewDocument builds the Document for the ARM object with this id, filling
// the index fields from the id and Location and Tags from the body's
// top-level "location" and "tags" properties, so the columns that lists
// filter on always agree with what clients see.
func NewDocument(id armid.ID, body json.RawMessage) (*Document, error) {
	if id.IsZero() {
		return nil, fmt.Errorf("new document: zero id: %w", ErrInvalid)
	}
	var top struct {
		Location string            `json:"location"`
		Tags     map[string]string `json:"tags"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("new document %s: body: %v: %w", id, err, ErrInvalid)
	}
	doc := &Document{
		ID:             id.String(),
		Key:            id.Key(),
		Type:           strings.ToLower(id.Type()),
		SubscriptionID: strings.ToLower(id.SubscriptionID()),
		ResourceGroup:  strings.ToLower(id.ResourceGroup()),
		Name:           id.Name(),
		Location:       NormalizeLocation(top.Location),
		Tags:           top.Tags,
		Body:           body,
	}
	if p, ok := id.Parent(); ok {
		doc.ParentKey = p.Key()
	}
	return doc, nil
}

// NormalizeLocation turns a location display name into ARM's normalised
// form: lower case without spaces ("West Europe" becomes "westeurope").
func NormalizeLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(loc, " ", ""))
}
