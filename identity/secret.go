package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters used for password hashes.
// The defaults follow the OWASP password-storage recommendation
// (m=19 MiB, t=2, p=1).
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 are the parameters used when Config leaves them zero.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// HashPassword returns a PHC-style argon2id string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	sum := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// errBadHash reports a stored hash that cannot be parsed.
var errBadHash = errors.New("malformed argon2id hash")

// phc is a parsed argon2id PHC string.
type phc struct {
	memoryKiB, time uint32
	threads         uint8
	salt, sum       []byte
}

// Bounds on parameters read from a stored hash, so a corrupted or hostile
// record cannot make a sign-in allocate gigabytes.
const (
	maxArgonMemoryKiB = 256 * 1024
	maxArgonTime      = 16
)

// parsePHC parses "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func parsePHC(encoded string) (phc, error) {
	var p phc
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errBadHash
	}
	if v, err := strconv.Atoi(strings.TrimPrefix(parts[2], "v=")); err != nil || v != argon2.Version {
		return p, fmt.Errorf("%w: version %q", errBadHash, parts[2])
	}
	var rest string
	// a fourth item means trailing garbage after p=
	if n, _ := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d%s", &p.memoryKiB, &p.time, &p.threads, &rest); n != 3 {
		return p, fmt.Errorf("%w: params %q", errBadHash, parts[3])
	}
	if p.memoryKiB == 0 || p.time == 0 || p.threads == 0 || p.memoryKiB > maxArgonMemoryKiB || p.time > maxArgonTime {
		return p, fmt.Errorf("%w: params out of range", errBadHash)
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, fmt.Errorf("%w: salt", errBadHash)
	}
	if p.sum, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.sum) < 16 || len(p.sum) > 64 {
		return p, fmt.Errorf("%w: digest", errBadHash)
	}
	return p, nil
}

// CheckPassword reports whether password matches the PHC argon2id string,
// comparing in constant time. The parameters are read from the string, so
// hashes made with older parameters keep working.
func CheckPassword(encoded, password string) (bool, error) {
	p, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), p.salt, p.time, p.memoryKiB, p.threads, uint32(len(p.sum)))
	return subtle.ConstantTimeCompare(got, p.sum) == 1, nil
}

// secretAlphabet is the character set of generated client secrets; like
// Entra's secrets they are 40 characters long and use a "~" separator.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

// randomString returns n characters drawn uniformly from alphabet.
func randomString(n int, alphabet string) (string, error) {
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		// rejection sampling keeps the distribution uniform
		if int(buf[0]) >= 256-256%len(alphabet) {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out), nil
}

// NewClientSecret returns a fresh 40-character client secret (about 240
// bits of entropy).
func NewClientSecret() (string, error) {
	s, err := randomString(40, secretAlphabet)
	if err != nil {
		return "", fmt.Errorf("new client secret: %w", err)
	}
	return s, nil
}

// HashClientSecret returns the stored form of a client secret:
// "sha256$" + base64url(SHA-256(secret)).
//
// A plain SHA-256 is enough here, unlike for passwords: generated secrets
// carry about 240 bits of entropy, so no dictionary or brute-force search
// can invert the digest, and the client-credentials grant runs on every
// token request, where a memory-hard hash would cost tens of milliseconds and
// make the token endpoint an easy denial-of-service target.
func HashClientSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256$" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkClientSecret compares a presented secret to a stored digest in
// constant time.
func checkClientSecret(stored, presented string) bool {
	want := HashClientSecret(presented)
	return subtle.ConstantTimeCompare([]byte(stored), []byte(want)) == 1
}

// randomToken returns a URL-safe random string of n random bytes.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// digest returns the base64url SHA-256 of s; one-time values (codes, refresh
// tokens) are stored under their digest so a leaked store does not leak them.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newGUID returns a random (version 4) GUID in lower-case text form.
func newGUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
