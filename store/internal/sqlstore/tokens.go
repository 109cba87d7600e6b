package sqlstore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/palisade/palisade/store"
)

// newETag returns a fresh opaque entity tag: 128 random bits in hex.
func newETag() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// newEventID returns a GUID, the form of ARM's eventDataId: version 7,
// time-ordered, so that consecutive events append to an index holding ids
// (PostgreSQL's primary key; SQLite's (subscription, time, id) index).
func newEventID() string {
	id, err := uuid.NewV7()
	if err != nil { // crypto/rand does not fail on supported platforms
		return uuid.NewString()
	}
	return id.String()
}

// Continuation tokens are opaque to callers; a prefix names their kind so a
// document token is never accepted as an event token.
const (
	docTokenPrefix   = "d1."
	eventTokenPrefix = "e1."
)

func encodeDocToken(lastKey string) string {
	return docTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(lastKey))
}

func decodeDocToken(tok string) (string, error) {
	rest, ok := strings.CutPrefix(tok, docTokenPrefix)
	if !ok {
		return "", fmt.Errorf("continuation token %q: %w", tok, store.ErrInvalid)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("continuation token %q: %w", tok, store.ErrInvalid)
	}
	return string(b), nil
}

func encodeEventToken(ts int64, id string) string {
	return eventTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ts, 10)+"|"+id))
}

func decodeEventToken(tok string) (int64, string, error) {
	rest, ok := strings.CutPrefix(tok, eventTokenPrefix)
	if !ok {
		return 0, "", fmt.Errorf("continuation token %q: %w", tok, store.ErrInvalid)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return 0, "", fmt.Errorf("continuation token %q: %w", tok, store.ErrInvalid)
	}
	tsPart, id, ok := strings.Cut(string(b), "|")
	ts, err := strconv.ParseInt(tsPart, 10, 64)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("continuation token %q: %w", tok, store.ErrInvalid)
	}
	return ts, id, nil
}

// underRange returns the key range [lo, hi) holding every key that starts
// with key+"/": '0' is the byte after '/', so hi is the first key past the
// prefix in byte order. The root "/" covers every other key.
func underRange(key string) (lo, hi string) {
	prefix := key + "/"
	if key == "/" {
		prefix = "/"
	}
	return prefix, prefix[:len(prefix)-1] + "0"
}
