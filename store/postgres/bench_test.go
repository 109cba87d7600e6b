package postgres

import (
	"testing"

	"github.com/palisade/palisade/store/storetest"
)

// BenchmarkPut needs PALISADE_TEST_POSTGRES:
// go test -run '^$' -bench . -benchtime 2s ./store/postgres
func BenchmarkPut(b *testing.B) { storetest.BenchPut(b, openTest(b, schemaDSN(b))) }

// BenchmarkGet reads through the connection pool.
func BenchmarkGet(b *testing.B) { storetest.BenchGet(b, openTest(b, schemaDSN(b))) }

// BenchmarkCreate writes as the API's resource PUT does (see storetest.BenchCreate).
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openTest(b, schemaDSN(b))) }
