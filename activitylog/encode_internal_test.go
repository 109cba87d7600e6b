package activitylog

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/palisade/palisade/identity"
)

// fullEvent fills every field, with text that needs escaping in places.
func fullEvent(s string) *Event {
	at := time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.UTC)
	return &Event{
		Authorization: &Authorization{Action: "Microsoft.Storage/storageAccounts/write", Role: s, Scope: "/subscriptions/x"},
		Caller:        "alice@contoso.com",
		Channels:      ChannelOperation,
		Claims:        map[string]string{"iat": "1772357100", s: s, "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd,mfa", "name": "<Alice & Bob>"},
		CorrelationID: "c0ffee",
		Description:   s,
		EventDataID:   "0192a3b4-0000-7000-8000-000000000001",
		EventName:     beginRequest,
		Category:      Same(CategoryAdministrative),
		// A zone other than UTC, as an injected clock might give.
		EventTimestamp:       Timestamp(at.In(time.FixedZone("x", 3600))),
		HTTPRequest:          &HTTPRequest{ClientRequestID: "r", ClientIPAddress: "127.0.0.1", Method: "PUT", URI: "https://h/x?a=1&b=<2>"},
		ID:                   "/subscriptions/x/events/1/ticks/2",
		Level:                LevelInformational,
		OperationID:          "op",
		OperationName:        Operation("Microsoft.Storage/storageAccounts/write"),
		ResourceGroupName:    "rg",
		ResourceProviderName: Provider("Microsoft.Storage"),
		ResourceType:         Same("Microsoft.Storage/storageAccounts"),
		ResourceID:           "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/" + s,
		Status:               Same(StatusStarted),
		SubStatus:            Same(""),
		SubmissionTimestamp:  Timestamp(at.Truncate(time.Second)),
		SubscriptionID:       "x",
		TenantID:             "t",
		Properties:           map[string]string{"requestbody": `{"tags":"******","properties":{"a":"\u2028"}}`, "z": s, "": ""},
		RelatedEvents:        []json.RawMessage{},
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	noURI := fullEvent("x")
	noURI.HTTPRequest.URI = ""
	noURI.Authorization.Role = ""
	tests := []struct {
		name string
		e    *Event
	}{
		{"zero event", &Event{}},
		{"every field", fullEvent("plain")},
		{"escapes", fullEvent("quote\" backslash\\ ctl\x01\x1f\b\f\n\r\t <tag> & \u2028\u2029 é 日本 bad\xff\xfe end")},
		{"omitted role and uri", noURI},
		{"nil maps and related events", &Event{Caller: "a", Claims: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tt.e.appendJSON(nil)
			if !ok {
				t.Fatal("appendJSON declined the event")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("appendJSON differs from encoding/json:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// An event with related events is left to encoding/json, which validates
// and compacts their raw JSON; ToStore still encodes it.
func TestToStoreWithRelatedEvents(t *testing.T) {
	e := fullEvent("x")
	e.RelatedEvents = []json.RawMessage{json.RawMessage(`{ "a" : 1 }`)}
	if _, ok := e.appendJSON(nil); ok {
		t.Fatal("appendJSON took an event with related events")
	}
	want, _ := json.Marshal(e)
	if got := e.ToStore().Body; !bytes.Equal(got, want) {
		t.Errorf("ToStore body:\n got %s\nwant %s", got, want)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\u2028", "\xff", "a\"b\\c\x00\x7f", "日本"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		e := fullEvent(a)
		e.Caller = b
		e.Properties[b] = a
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := e.appendJSON(nil)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("appendJSON differs from encoding/json for %q, %q:\n got %s\nwant %s", a, b, got, want)
		}
	})
}

// Events built for one request share its claims, encoded once; the body
// still equals encoding/json's, also after an event's claims are replaced.
func TestBuiltEventsEncodeAsEncodingJSON(t *testing.T) {
	p := &identity.Principal{Kind: identity.KindUser, UPN: "alice@contoso.com",
		Claims: map[string]any{"iat": 1772357100.0, "amr": []any{"pwd"}, "name": "<Alice & Bob>", "oid": "o"}}
	r := &Request{TenantID: "t", ResourceID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa",
		Method: "PUT", Caller: p, RequestBody: []byte(`{"location":"westeurope","tags":{"a":"b"}}`)}
	b := NewBuilder(nil, nil)
	started, err := b.Started(r)
	if err != nil {
		t.Fatal(err)
	}
	finished, err := b.Finished(r, 201, []byte(`{"id":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	replaced := *finished
	replaced.Claims = map[string]string{"only": "this"}
	for _, e := range []*Event{started, finished, &replaced} {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.ToStore().Body; !bytes.Equal(got, want) {
			t.Errorf("stored body:\n got %s\nwant %s", got, want)
		}
	}
}

// Requests of one principal share its converted claims; another principal
// gets its own.
func TestClaimsConvertedOncePerCaller(t *testing.T) {
	alice := &identity.Principal{Kind: identity.KindUser, UPN: "alice@contoso.com", Claims: map[string]any{"name": "a", "iat": 1.0}}
	bob := &identity.Principal{Kind: identity.KindUser, UPN: "bob@contoso.com", Claims: map[string]any{"name": "b"}}
	first, second := (&Request{Caller: alice}).claims().of, (&Request{Caller: alice}).claims().of
	if reflect.ValueOf(first).UnsafePointer() != reflect.ValueOf(second).UnsafePointer() {
		t.Error("two requests of one caller converted the claims twice")
	}
	if other := (&Request{Caller: bob}).claims().of; other["name"] != "b" || first["name"] != "a" || first["iat"] != "1" {
		t.Errorf("claims: alice %v, bob %v", first, other)
	}
}
