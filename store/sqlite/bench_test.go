package sqlite

import (
	"testing"

	"github.com/palisade/palisade/store/storetest"
)

func openBench(b *testing.B) *DB {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkPut: go test -run '^$' -bench . -benchtime 2s ./store/sqlite
func BenchmarkPut(b *testing.B) { storetest.BenchPut(b, openBench(b)) }

// BenchmarkGet reads from the WAL-mode read pool.
func BenchmarkGet(b *testing.B) { storetest.BenchGet(b, openBench(b)) }

// BenchmarkCreate writes as the API's resource PUT does (see storetest.BenchCreate).
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openBench(b)) }
