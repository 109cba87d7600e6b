package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkHandlerGet measures the handler alone (no network): GET of a
// stored resource.
func BenchmarkHandlerGet(b *testing.B) {
	a := newTestAPI(b)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.do(b, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`)
	path := rg + "/providers/Contoso.Bench/widgets/w1?api-version=2025-04-01"
	a.do(b, "PUT", path, benchBody)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+goodToken)
			w := httptest.NewRecorder()
			a.h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
}

const benchBody = `{"location":"westeurope","tags":{"bench":"true"},"properties":{"size":1,"tier":"standard","settings":{"enabled":true,"replicas":3}}}`

// BenchmarkHandlerPut measures the handler alone: PUT (create, then
// replace) of resources.
func BenchmarkHandlerPut(b *testing.B) {
	a := newTestAPI(b)
	rg := "/subscriptions/" + testSub + "/resourceGroups/rg1"
	a.do(b, "PUT", rg+"?api-version=2025-04-01", `{"location":"westeurope"}`)
	var n atomic.Int64
	b.SetParallelism(16) // 32 concurrent writers on 2 CPUs, like the load tool
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1) % 2000
			req := httptest.NewRequest("PUT", fmt.Sprintf("%s/providers/Contoso.Bench/widgets/w%d?api-version=2025-04-01", rg, i), strings.NewReader(benchBody))
			req.Header.Set("Authorization", "Bearer "+goodToken)
			w := httptest.NewRecorder()
			a.h.ServeHTTP(w, req)
			if w.Code != http.StatusOK && w.Code != http.StatusCreated {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
}
