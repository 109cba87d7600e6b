package identity_test

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/palisade/palisade/identity"
)

// FuzzVerify: arbitrary bearer strings are refused with an *AuthError and
// never accepted.
func FuzzVerify(f *testing.F) {
	e := newEnv(f)
	appID, secret := newSP(f, e)
	_, body := e.token(f, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
	good := body["access_token"].(string)
	f.Add(good[:len(good)-2] + "AA")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("")
	v, err := identity.NewVerifier(identity.VerifierConfig{Builtin: e.svc})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if raw == good {
			return
		}
		p, err := v.Verify(context.Background(), raw)
		if err == nil {
			t.Fatalf("accepted %q as %+v", raw, p)
		}
		var ae *identity.AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("error %T %v is not an AuthError", err, err)
		}
	})
}

func benchToken(b *testing.B) (*env, string) {
	e := newEnv(b)
	appID, secret := newSP(b, e)
	_, body := e.token(b, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
	return e, body["access_token"].(string)
}

// benchVerify runs Verify b.N times and reports the median latency.
func benchVerify(b *testing.B, v *identity.Verifier, tok string) {
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkVerifyCached is the steady state: a client reusing its token.
func BenchmarkVerifyCached(b *testing.B) {
	e, tok := benchToken(b)
	benchVerify(b, e.ver, tok)
}

// BenchmarkVerifyUncached is the first sight of a token: parse, RSA-2048
// signature check, claims checks and the identity object.
func BenchmarkVerifyUncached(b *testing.B) {
	e, tok := benchToken(b)
	v, err := identity.NewVerifier(identity.VerifierConfig{Builtin: e.svc, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	benchVerify(b, v, tok)
}

// BenchmarkVerifyCachedParallel measures the cache under concurrent load.
func BenchmarkVerifyCachedParallel(b *testing.B) {
	e, tok := benchToken(b)
	ctx := context.Background()
	if _, err := e.ver.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.ver.Verify(ctx, tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
