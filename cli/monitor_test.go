package cli

import (
	"testing"
	"time"
)

// The $filter is the one the Azure CLI builds (azure-cli
// src/azure-cli/azure/cli/command_modules/monitor/operations/activity_log.py,
// _build_activity_log_odata_filter): unquoted isoformat() timestamps, one of
// correlationId > resourceGroupName > resourceId > resourceProvider, then
// caller and status; the span defaults to 6 hours before now.
func TestActivityLogFilter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		args activityLogArgs
		want string
	}{
		{"default span", activityLogArgs{offset: "6h"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00"},
		{"offset days", activityLogArgs{offset: "7d"},
			"eventTimestamp ge 2026-11-19T12:00:00 and eventTimestamp le 2026-11-26T12:00:00"},
		{"offset days and hours", activityLogArgs{offset: "1d2h"},
			"eventTimestamp ge 2026-11-25T10:00:00 and eventTimestamp le 2026-11-26T12:00:00"},
		{"start only adds the offset", activityLogArgs{offset: "2h", start: "2026-11-01T00:00:00Z"},
			"eventTimestamp ge 2026-11-01T00:00:00 and eventTimestamp le 2026-11-01T02:00:00"},
		{"end only subtracts it", activityLogArgs{offset: "1h", end: "2026-11-01T10:30:00+01:00"},
			"eventTimestamp ge 2026-11-01T08:30:00 and eventTimestamp le 2026-11-01T09:30:00"},
		{"both", activityLogArgs{offset: "6h", start: "2026-11-01", end: "2026-11-02"},
			"eventTimestamp ge 2026-11-01T00:00:00 and eventTimestamp le 2026-11-02T00:00:00"},
		{"group with caller and status", activityLogArgs{offset: "6h", group: "rg-1", caller: "admin@palisade.local", status: "Failed"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00 and resourceGroupName eq 'rg-1' and caller eq 'admin@palisade.local' and status eq 'Failed'"},
		{"correlation id wins over group", activityLogArgs{offset: "6h", group: "rg-1", correlationID: "c-1"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00 and correlationId eq 'c-1'"},
		{"resource id", activityLogArgs{offset: "6h", resourceID: "/subscriptions/s/resourceGroups/rg/providers/A.B/c/d"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00 and resourceId eq '/subscriptions/s/resourceGroups/rg/providers/A.B/c/d'"},
		{"namespace", activityLogArgs{offset: "6h", namespace: "Microsoft.Storage"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00 and resourceProvider eq 'Microsoft.Storage'"},
		{"quote in a value", activityLogArgs{offset: "6h", caller: "o'brien"},
			"eventTimestamp ge 2026-11-26T06:00:00 and eventTimestamp le 2026-11-26T12:00:00 and caller eq 'o''brien'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := activityLogFilter(tt.args, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("filter\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	for _, bad := range []activityLogArgs{{offset: "7x"}, {offset: ""}, {offset: "6h", start: "yesterday"}} {
		if _, err := activityLogFilter(bad, now); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
