package expr

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"strings"
)

// armGUIDNamespace is the namespace ARM's guid() hashes names under
// (RFC 4122 §4.3 name-based UUID, version 5). The name is the arguments
// joined with '-'.
var armGUIDNamespace = [16]byte{0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30}

func stringArgs(fn string, a []any) ([]string, error) {
	out := make([]string, len(a))
	for i := range a {
		s, err := argString(fn, a, i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// fnGUID returns the deterministic version-5 UUID of its arguments.
func fnGUID(a []any) (any, error) {
	parts, err := stringArgs("guid", a)
	if err != nil {
		return nil, err
	}
	return uuidV5(armGUIDNamespace, strings.Join(parts, "-")), nil
}

func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	sum := h.Sum(nil)
	sum[6] = (sum[6] & 0x0f) | 0x50
	sum[8] = (sum[8] & 0x3f) | 0x80
	var buf [36]byte
	hex.Encode(buf[0:8], sum[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], sum[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], sum[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], sum[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], sum[10:16])
	return string(buf[:])
}

// fnUniqueString returns ARM's 13-character hash of its arguments: the
// arguments joined with '-', hashed with a 64-bit MurmurHash variant (two
// 32-bit lanes, seed 0), written in base32 with the alphabet a–z, 2–7,
// most significant bits first.
func fnUniqueString(a []any) (any, error) {
	parts, err := stringArgs("uniqueString", a)
	if err != nil {
		return nil, err
	}
	return base32Hash(murmur64([]byte(strings.Join(parts, "-")))), nil
}

const hashAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func base32Hash(h uint64) string {
	var out [13]byte
	for i := range out {
		out[i] = hashAlphabet[h>>59]
		h <<= 5
	}
	return string(out[:])
}

func fmix32(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// murmur64 is the 64-bit MurmurHash variant behind uniqueString: 8-byte
// blocks mixed into two 32-bit lanes, then MurmurHash3's finaliser.
func murmur64(data []byte) uint64 {
	const (
		c1 = 0x239b961b
		c2 = 0xab0e9789
	)
	var h1, h2 uint32
	i := 0
	for ; i+8 <= len(data); i += 8 {
		k1 := binary.LittleEndian.Uint32(data[i:])
		k2 := binary.LittleEndian.Uint32(data[i+4:])
		k1 *= c1
		k1 = bits.RotateLeft32(k1, 15)
		k1 *= c2
		h1 ^= k1
		h1 = bits.RotateLeft32(h1, 19)
		h1 += h2
		h1 = h1*5 + 0x561ccd1b
		k2 *= c2
		k2 = bits.RotateLeft32(k2, 17)
		k2 *= c1
		h2 ^= k2
		h2 = bits.RotateLeft32(h2, 13)
		h2 += h1
		h2 = h2*5 + 0x0bcaa747
	}
	if tail := data[i:]; len(tail) > 0 {
		var k1, k2 uint32
		for j := 0; j < len(tail) && j < 4; j++ {
			k1 |= uint32(tail[j]) << (8 * j)
		}
		k1 *= c1
		k1 = bits.RotateLeft32(k1, 15)
		k1 *= c2
		h1 ^= k1
		if len(tail) > 4 {
			for j := 4; j < len(tail); j++ {
				k2 |= uint32(tail[j]) << (8 * (j - 4))
			}
			k2 *= c2
			k2 = bits.RotateLeft32(k2, 17)
			k2 *= c1
			h2 ^= k2
		}
	}
	n := uint32(len(data))
	h1 ^= n
	h2 ^= n
	h1 += h2
	h2 += h1
	h1 = fmix32(h1)
	h2 = fmix32(h2)
	h1 += h2
	h2 += h1
	return uint64(h2)<<32 | uint64(h1)
}
