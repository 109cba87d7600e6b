package activitylog_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
)

// BenchmarkParseFilter measures parsing a typical CLI filter.
func BenchmarkParseFilter(b *testing.B) {
	const f = "eventTimestamp ge '2024-05-01T00:00:00Z' and eventTimestamp le '2024-05-02T00:00:00Z' and resourceGroupName eq 'rg' and caller eq 'alice@contoso.com' and status eq 'Failed'"
	for b.Loop() {
		if _, err := activitylog.ParseFilter(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildWrite measures building the events of one audited write
// (Started, audit, Succeeded) and converting them for the store.
func BenchmarkBuildWrite(b *testing.B) {
	dec := decideMFA(b, mfaAssignment(b, builtin.MFACreateUpdateID, ""), policy.OperationCreate, user(false))
	r := storageRequest("PUT", user(false), `{"location":"westeurope","tags":{"env":"prod"}}`)
	bl := newBuilder()
	for b.Loop() {
		s, _ := bl.Started(r)
		p, _ := bl.Policy(r, dec)
		e, _ := bl.Finished(r, 201, []byte(`{"id":"x"}`))
		_ = activitylog.StoreEvents(append(append([]*activitylog.Event{s}, p...), e))
	}
}

// BenchmarkList measures one page of the list API on the SQLite fixture.
func BenchmarkList(b *testing.B) {
	f := newLogFixture(b)
	l := f.lister()
	q := url.Values{"api-version": {apiVersion}, "$filter": {"eventTimestamp ge '" + listStart + "' and resourceGroupName eq 'Rg-Prod'"}}
	for b.Loop() {
		if _, err := l.List(context.Background(), subID, q, "https://palisade.test"+listPath); err != nil {
			b.Fatal(err)
		}
	}
}
