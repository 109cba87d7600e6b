package store

import (
	"errors"
	"testing"

	"github.com/palisade/palisade/armid"
)

func TestNewDocument(t *testing.T) {
	id := armid.MustParse("/subscriptions/S1/resourceGroups/My-RG/providers/Microsoft.Sql/servers/Srv/databases/Db1")
	doc, err := NewDocument(id, []byte(`{"location":"West Europe","tags":{"Env":"Prod"},"properties":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Document{
		ID:             id.String(),
		Key:            id.Key(),
		Type:           "microsoft.sql/servers/databases",
		ParentKey:      "/subscriptions/s1/resourcegroups/my-rg/providers/microsoft.sql/servers/srv",
		SubscriptionID: "s1",
		ResourceGroup:  "my-rg",
		Name:           "Db1",
		Location:       "westeurope",
	}
	got := *doc
	got.Tags, got.Body = nil, nil
	if got.ID != want.ID || got.Key != want.Key || got.Type != want.Type || got.ParentKey != want.ParentKey ||
		got.SubscriptionID != want.SubscriptionID || got.ResourceGroup != want.ResourceGroup || got.Name != want.Name ||
		got.Location != want.Location {
		t.Errorf("NewDocument = %+v\nwant %+v", got, want)
	}
	if doc.Tags["Env"] != "Prod" {
		t.Errorf("Tags = %v", doc.Tags)
	}

	root, err := NewDocument(armid.Root, []byte(`{}`))
	if err != nil || root.ParentKey != "" || root.Key != "/" {
		t.Errorf("root document = %+v, %v", root, err)
	}
	for _, body := range []string{``, `[]`, `{"tags":{"a":1}}`, `{"location":3}`} {
		if _, err := NewDocument(id, []byte(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewDocument(body %q) error = %v, want ErrInvalid", body, err)
		}
	}
	if _, err := NewDocument(armid.ID{}, []byte(`{}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewDocument(zero id) error = %v", err)
	}
}
