package storetest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// benchParallelism makes b.RunParallel use 32 goroutines whatever
// GOMAXPROCS is, the concurrency the stores are sized for.
func benchParallelism() int { return max(1, 32/runtime.GOMAXPROCS(0)) }

// smallResource is a typical tracked resource: a storage account with a
// tag, about 300 bytes of JSON.
func smallResource(tb testing.TB, i int64) *store.Document {
	id := armid.MustParse(fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg%d/providers/Microsoft.Storage/storageAccounts/sa%d", i%16, i))
	body := fmt.Sprintf(`{"id":%q,"name":"sa%d","type":"Microsoft.Storage/storageAccounts","location":"westeurope","tags":{"env":"prod"},"properties":{"provisioningState":"Succeeded","supportsHttpsTrafficOnly":true}}`, id, i)
	d, err := store.NewDocument(id, []byte(body))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchPut measures small resource PUT transactions, each one document and
// one activity-log event as the API writes them, from 32 goroutines. It
// reports tx/s.
func BenchPut(b *testing.B, s store.Store) {
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(benchParallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d := smallResource(b, n.Add(1)%5000)
			err := s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.Put(ctx, d, store.Condition{}); err != nil {
					return err
				}
				return tx.AppendEvents(ctx, []store.Event{{SubscriptionID: d.SubscriptionID, ResourceID: d.ID,
					Timestamp: tx.Now(), Body: []byte(`{"operationName":{"value":"Microsoft.Storage/storageAccounts/write"}}`)}})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchGet measures single-document reads (one View with one Get each) of
// 1,000 stored resources from 32 goroutines. It reports gets/s.
func BenchGet(b *testing.B, s store.Store) {
	ctx := context.Background()
	const docs = 1000
	keys := make([]string, docs)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range int64(docs) {
			d := smallResource(b, i)
			keys[i] = d.Key
			if _, err := tx.Put(ctx, d, store.Condition{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(benchParallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := keys[n.Add(1)%docs]
			err := s.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get(ctx, key)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}

// eventBody is an activity-log event of the size the API writes for a
// resource write (about 3 KB: claims, HTTP request, properties).
var eventBody = func() []byte {
	pad := make([]byte, 3000)
	for i := range pad {
		pad[i] = 'a' + byte(i%26)
	}
	return []byte(`{"operationName":{"value":"Contoso.Bench/widgets/write"},"claims":{"pad":"` + string(pad) + `"}}`)
}()

// BenchCreate measures resource creates as the API's PUT writes them, from
// 32 goroutines: in one transaction, read the resource group (the parent
// must exist), create a new resource only if absent (If-None-Match: *) and
// append two activity-log events of about 3 KB (Started, Succeeded). Every
// create adds a resource, so the database grows as it runs. It reports
// tx/s.
func BenchCreate(b *testing.B, s store.Store) {
	ctx := context.Background()
	var n atomic.Int64
	rgID := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/bench")
	rg, err := store.NewDocument(rgID, []byte(`{"location":"westeurope"}`))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, rg, store.Condition{}); return err }); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(benchParallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			id := armid.MustParse(fmt.Sprintf("%s/providers/Contoso.Bench/widgets/w-%d", rg.ID, i))
			d, err := store.NewDocument(id, fmt.Appendf(nil, `{"id":%q,"name":"w-%d","type":"Contoso.Bench/widgets","location":"westeurope","tags":{"bench":"true"},"properties":{"size":%d,"tier":"standard","settings":{"enabled":true,"replicas":3},"provisioningState":"Succeeded"},"systemData":{"createdBy":"33333333-3333-3333-3333-333333333333","createdByType":"Application","createdAt":"2026-11-26T03:19:46.123456Z"}}`, id, i, i))
			if err != nil {
				b.Fatal(err)
			}
			err = s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.Get(ctx, rg.ID); err != nil {
					return err
				}
				if _, err := tx.Put(ctx, d, store.Condition{IfNoneMatch: "*"}); err != nil {
					return err
				}
				ev := store.Event{SubscriptionID: d.SubscriptionID, ResourceGroup: d.ResourceGroup, ResourceID: d.ID,
					Status: "Started", Timestamp: tx.Now(), Body: eventBody}
				done := ev
				done.Status = "Succeeded"
				return tx.AppendEvents(ctx, []store.Event{ev, done})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
