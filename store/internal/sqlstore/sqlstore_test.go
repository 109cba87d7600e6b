package sqlstore

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/palisade/palisade/store"
)

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []string // "version name"
		wantErr string
	}{
		{"ordered", fstest.MapFS{"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A")}, []string{"1 a", "2 b"}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, "want version 2"},
		{"repeat", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")}, nil, "want version 2"},
		{"not from one", fstest.MapFS{"m/0002_b.sql": file("B")}, nil, "want version 1"},
		{"bad name", fstest.MapFS{"m/1_a.sql": file("A")}, nil, "want NNNN_name.sql"},
		{"stray file", fstest.MapFS{"m/0001_a.sql": file("A"), "m/README": file("x")}, nil, "want NNNN_name.sql"},
		{"missing dir", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := LoadMigrations(tt.files, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, strings.Join([]string{itoa(m.Version), m.Name}, " "))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestUnderRange(t *testing.T) {
	tests := []struct{ key, lo, hi string }{
		{"/subscriptions/s", "/subscriptions/s/", "/subscriptions/s0"},
		{"/", "/", "0"},
	}
	for _, tt := range tests {
		lo, hi := underRange(tt.key)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("underRange(%q) = %q, %q; want %q, %q", tt.key, lo, hi, tt.lo, tt.hi)
		}
		// Everything strictly inside (lo, hi) starts with lo, and the
		// sibling with a longer name ("s1" next to "s") is outside.
		for _, k := range []string{tt.key + "/x", tt.key + "/x/y/z"} {
			if !(k > lo && k < hi) {
				t.Errorf("%q not inside range of %q", k, tt.key)
			}
		}
		if tt.key != "/" {
			for _, k := range []string{tt.key, tt.key + "1", tt.key + "1/x", tt.key + "0"} {
				if k > lo && k < hi {
					t.Errorf("%q wrongly inside range of %q", k, tt.key)
				}
			}
		}
	}
}

func TestCheckCondition(t *testing.T) {
	cur := &store.Document{ETag: "e1"}
	tests := []struct {
		cur  *store.Document
		cond store.Condition
		ok   bool
	}{
		{cur, store.Condition{}, true},
		{nil, store.Condition{}, true},
		{cur, store.Condition{IfMatch: "e1"}, true},
		{cur, store.Condition{IfMatch: "e2"}, false},
		{cur, store.Condition{IfMatch: "*"}, true},
		{nil, store.Condition{IfMatch: "*"}, false},
		{cur, store.Condition{IfNoneMatch: "*"}, false},
		{nil, store.Condition{IfNoneMatch: "*"}, true},
		{cur, store.Condition{IfNoneMatch: "e1"}, false},
		{cur, store.Condition{IfNoneMatch: "e2"}, true},
		{cur, store.Condition{IfMatch: "e1", IfNoneMatch: "e1"}, false},
	}
	for _, tt := range tests {
		err := checkCondition(tt.cur, tt.cond)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, store.ErrPreconditionFailed)) {
			t.Errorf("checkCondition(exists=%v, %+v) = %v, want ok=%v", tt.cur != nil, tt.cond, err, tt.ok)
		}
	}
}

// Generated event ids are version 7 GUIDs, unique and increasing.
func TestEventIDIsGUID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 100; i++ {
		id := newEventID()
		if len(id) != 36 || id[14] != '7' || strings.Count(id, "-") != 4 || seen[id] || id <= prev {
			t.Fatalf("newEventID() = %q after %q", id, prev)
		}
		seen[id], prev = true, id
	}
}

// FuzzTokens checks that continuation tokens round-trip and that decoding
// arbitrary input never panics and fails only with ErrInvalid.
func FuzzTokens(f *testing.F) {
	f.Add("/subscriptions/s/resourcegroups/rg", int64(1700000000000000), "id-1")
	f.Add("", int64(-1), "")
	f.Add("d1.", int64(0), "|")
	f.Fuzz(func(t *testing.T, key string, ts int64, id string) {
		if got, err := decodeDocToken(encodeDocToken(key)); err != nil || got != key {
			t.Fatalf("doc token round trip %q: %q, %v", key, got, err)
		}
		gotTS, gotID, err := decodeEventToken(encodeEventToken(ts, id))
		if err != nil || gotTS != ts || gotID != id {
			t.Fatalf("event token round trip (%d, %q): (%d, %q), %v", ts, id, gotTS, gotID, err)
		}
		for _, tok := range []string{key, id} {
			if _, err := decodeDocToken(tok); err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("decodeDocToken(%q) error %v", tok, err)
			}
			if _, _, err := decodeEventToken(tok); err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("decodeEventToken(%q) error %v", tok, err)
			}
		}
	})
}

// Event bodies round-trip through compression; bodies stored plain (by
// PostgreSQL, or before compression was used) read unchanged; a damaged
// compressed body is an error, not garbage.
func TestEventBodyEncoding(t *testing.T) {
	body := []byte(`{"eventDataId":"01a215ff-8178-7ec4-86d1-b6ab164d68fd","claims":{"aud":"https://management.core.windows.net/","aud2":"https://management.core.windows.net/"}}`)
	other := []byte(`{"eventDataId":"second"}`)
	tx := &Tx{d: SQLite}
	all, _ := tx.encodeEvents([]store.Event{{Body: body}, {Body: other}})
	stored := all[0]
	if stored[0] != compressedEvent || len(stored) >= len(body) {
		t.Fatalf("stored %d bytes for %d: % x…", len(stored), len(body), stored[:4])
	}
	if got, err := decodeEvent(stored); err != nil || string(got) != string(body) {
		t.Errorf("round trip: %s, %v", got, err)
	}
	if got, err := decodeEvent(all[1]); err != nil || string(got) != string(other) {
		t.Errorf("round trip of the second body: %s, %v", got, err)
	}
	if got, err := decodeEvent(body); err != nil || string(got) != string(body) {
		t.Errorf("plain body: %s, %v", got, err)
	}
	if plain, _ := (&Tx{d: Postgres}).encodeEvents([]store.Event{{Body: body}}); string(plain[0]) != string(body) {
		t.Errorf("postgres stores %q", plain)
	}
	if _, err := decodeEvent(append([]byte{compressedEvent}, 0xff, 0xff, 0xff)); err == nil {
		t.Error("damaged body decoded")
	}
}
