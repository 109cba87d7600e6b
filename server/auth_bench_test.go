package server

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
)

// BenchmarkVerifyAndAuthorize measures what every ARM request pays before routing: verifying the
// bearer token (cached after the first sight, as the server runs it) and checking the caller's
// role for the action at the scope, with the server's real issuer, verifier and role store.
func BenchmarkVerifyAndAuthorize(b *testing.B) {
	r := startServer(b)
	tok := r.adminToken(b)
	az := authz.NewAuthorizer(r.Store(), nil)
	scope := armid.MustParse("/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a1")
	action := authz.ActionFor("PUT", scope)
	ctx := context.Background()
	check := func() {
		p, err := r.verifier.Verify(ctx, tok)
		if err != nil {
			b.Fatal(err)
		}
		if err := az.Check(ctx, authz.PrincipalOf(p), action, scope); err != nil {
			b.Fatal(err)
		}
	}
	check()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		check()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}
