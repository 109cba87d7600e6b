package sqlite

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
// GOMAXPROCS is, the concurrency the store is sized for.
func benchParallelism() int { return max(1, 32/runtime.GOMAXPROCS(0)) }

func smallResource(b testing.TB, i int64) *store.Document {
	id := armid.MustParse(fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg%d/providers/Microsoft.Storage/storageAccounts/sa%d", i%16, i))
	body := fmt.Sprintf(`{"id":%q,"name":"sa%d","type":"Microsoft.Storage/storageAccounts","location":"westeurope","tags":{"env":"prod"},"properties":{"provisioningState":"Succeeded","supportsHttpsTrafficOnly":true}}`, id, i)
	d, err := store.NewDocument(id, []byte(body))
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkPut measures small resource PUT transactions (one document with
// a tag and one activity-log event each) from 32 goroutines.
func BenchmarkPut(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(benchParallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			d := smallResource(b, i%5000)
			err := db.Update(ctx, func(tx store.Tx) error {
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

// BenchmarkGet measures single-document reads from 32 goroutines.
func BenchmarkGet(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const docs = 1000
	keys := make([]string, docs)
	err = db.Update(ctx, func(tx store.Tx) error {
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
			err := db.View(ctx, func(tx store.Tx) error {
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
