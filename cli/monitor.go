package cli

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// activityLogAPIVersion is the version of the activity-log list API.
const activityLogAPIVersion = "2015-04-01"

func newMonitorCommand() *cobra.Command {
	c := &cobra.Command{Use: "monitor", Short: "Read the activity log"}
	addConnFlags(c)
	al := &cobra.Command{Use: "activity-log", Short: "Read the activity log: who did what, and what policy said"}
	al.AddCommand(newActivityLogListCommand())
	c.AddCommand(al)
	return c
}

// activityLogArgs are az monitor activity-log list's arguments.
type activityLogArgs struct {
	group, resourceID, namespace, caller, status, correlationID string
	start, end, offset                                          string
	maxEvents                                                   int
	sel                                                         []string
}

func newActivityLogListCommand() *cobra.Command {
	var a activityLogArgs
	c := &cobra.Command{
		Use:   "list",
		Short: "List activity-log events",
		Long: `List activity-log events of the subscription, newest first.

Without --start-time and --end-time the last 6 hours are listed (--offset changes the span).
Only one of --correlation-id, --resource-group, --resource-id and --namespace narrows the
query, in that order, as in the Azure CLI; --caller and --status apply as well.`,
		Example: `  palisade monitor activity-log list --offset 7d --max-events 200
  palisade monitor activity-log list -g rg-demo --status Failed -o table
  palisade monitor activity-log list --query "[?operationName.value=='Microsoft.Authorization/policies/audit/action'].{ResourceId: resourceId, Policies: properties.policies}" --output json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				return listActivityLog(ctx, s, a, time.Now().UTC())
			})
		},
	}
	f := c.Flags()
	f.StringVarP(&a.group, "resource-group", "g", "", "only events of this resource group")
	f.StringVar(&a.resourceID, "resource-id", "", "only events of this resource ID")
	f.StringVar(&a.namespace, "namespace", "", "only events of this resource provider namespace")
	f.StringVar(&a.caller, "caller", "", "only events of this caller (user name or application id)")
	f.StringVar(&a.status, "status", "", "only events with this status: Started, Accepted, Succeeded or Failed")
	f.StringVar(&a.correlationID, "correlation-id", "", "only events of this correlation id")
	f.StringVar(&a.start, "start-time", "", "start of the query span: yyyy-mm-ddThh:mm:ss[Z|±hh:mm] (default: end time minus --offset)")
	f.StringVar(&a.end, "end-time", "", "end of the query span (default: now, or start time plus --offset)")
	f.StringVar(&a.offset, "offset", "6h", "span of the query in ##d##h format, e.g. 7d or 2h")
	f.IntVar(&a.maxEvents, "max-events", 50, "maximum number of events to return")
	f.StringSliceVar(&a.sel, "select", nil, "space- or comma-separated event fields to return (the others are left out)")
	multiValue(c, "select")
	addSubscriptionFlag(c)
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"Started", "Accepted", "Succeeded", "Failed"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// offsetPattern is az's ##d##h offset (minutes too, for convenience).
var offsetPattern = regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)

// parseOffset reads an offset such as "7d", "2h" or "1d12h".
func parseOffset(s string) (time.Duration, error) {
	m := offsetPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil || s == "" || (m[1] == "" && m[2] == "" && m[3] == "") {
		return 0, usageErrorf("argument --offset: invalid offset '%s': use ##d##h, for example 7d or 2h", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// userTime parses a --start-time / --end-time value; a value without a zone
// is UTC, as in the Azure CLI.
func userTime(flag, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageErrorf("argument --%s: '%s' is not a date and time; valid example: 2000-12-31T12:59:59Z", flag, s)
}

// isoformat is Python's datetime.isoformat() of a naive UTC time, the form
// the Azure CLI puts in the activity-log $filter.
func isoformat(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

// activityLogFilter builds the $filter the Azure CLI sends
// (azure-cli monitor module, _build_activity_log_odata_filter): the time span,
// then one of correlationId, resourceGroupName, resourceId, resourceProvider,
// then caller and status.
func activityLogFilter(a activityLogArgs, now time.Time) (string, error) {
	off, err := parseOffset(a.offset)
	if err != nil {
		return "", err
	}
	var start, end time.Time
	if a.end != "" {
		if end, err = userTime("end-time", a.end); err != nil {
			return "", err
		}
	}
	if a.start != "" {
		if start, err = userTime("start-time", a.start); err != nil {
			return "", err
		}
	}
	switch {
	case a.start == "" && a.end == "":
		end = now
		start = end.Add(-off)
	case a.start == "":
		start = end.Add(-off)
	case a.end == "":
		end = start.Add(off)
	}
	f := fmt.Sprintf("eventTimestamp ge %s and eventTimestamp le %s", isoformat(start), isoformat(end))
	cond := func(label, v string) { f += fmt.Sprintf(" and %s eq '%s'", label, strings.ReplaceAll(v, "'", "''")) }
	switch {
	case a.correlationID != "":
		cond("correlationId", a.correlationID)
	case a.group != "":
		cond("resourceGroupName", a.group)
	case a.resourceID != "":
		cond("resourceId", a.resourceID)
	case a.namespace != "":
		cond("resourceProvider", a.namespace)
	}
	if a.caller != "" {
		cond("caller", a.caller)
	}
	if a.status != "" {
		cond("status", a.status)
	}
	return f, nil
}

// listActivityLog lists events, following pages until --max-events.
func listActivityLog(ctx context.Context, s *session, a activityLogArgs, now time.Time) (any, error) {
	if a.maxEvents < 0 {
		return nil, usageErrorf("argument --max-events: must not be negative")
	}
	filter, err := activityLogFilter(a, now)
	if err != nil {
		return nil, err
	}
	sub, err := s.subscription()
	if err != nil {
		return nil, err
	}
	q := url.Values{"api-version": {activityLogAPIVersion}, "$filter": {filter}}
	var fields []string
	for _, v := range a.sel {
		fields = append(fields, strings.Fields(v)...)
	}
	if len(fields) > 0 {
		q.Set("$select", strings.Join(fields, " , "))
	}
	if globalsOf(s.cmd).verbose {
		fmt.Fprintf(s.cmd.ErrOrStderr(), "INFO: OData Filter: %s\n", filter)
	}
	if a.maxEvents == 0 {
		return []any{}, nil
	}
	return s.arm.List(ctx, "/subscriptions/"+sub+"/providers/Microsoft.Insights/eventtypes/management/values", q, a.maxEvents)
}
