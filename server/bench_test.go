package server

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkHTTP measures the whole HTTP path (network stack, token check,
// routing, store) with 32 concurrent clients in this process, as the
// `palisade bench` load tool does from outside.
func BenchmarkHTTP(b *testing.B) {
	r := startServer(b)
	tok := r.adminToken(b)
	rg := "/subscriptions/" + testSub + "/resourceGroups/bench"
	if s, _, body := r.raw(b, "PUT", rg+"?api-version=2025-04-01", tok, `{"location":"westeurope"}`); s != 201 {
		b.Fatal(s, body)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	const body = `{"location":"westeurope","tags":{"bench":"true"},"properties":{"size":1,"tier":"standard","settings":{"enabled":true,"replicas":3}}}`
	send := func(b *testing.B, method, path, body string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, r.URL()+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatal(method, path, resp.StatusCode)
		}
	}
	var n atomic.Int64
	b.Run("PUT", func(b *testing.B) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				send(b, "PUT", fmt.Sprintf("%s/providers/Contoso.Bench/widgets/w%d?api-version=2025-04-01", rg, n.Add(1)%2000), body)
			}
		})
	})
	for i := 0; i < 100; i++ {
		send(b, "PUT", fmt.Sprintf("%s/providers/Contoso.Bench/widgets/w%d?api-version=2025-04-01", rg, i), body)
	}
	b.Run("GET", func(b *testing.B) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				send(b, "GET", fmt.Sprintf("%s/providers/Contoso.Bench/widgets/w%d?api-version=2025-04-01", rg, n.Add(1)%100), "")
			}
		})
	})
}
