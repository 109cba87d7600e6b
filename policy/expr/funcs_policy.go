package expr

// Policy-only functions and dates, from
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions

import (
	"fmt"
	"time"
)

func init() {
	register(
		selecting(fixed("parameters", 1, fnParameters)),
		selecting(fixed("field", 1, fnField)),
		selecting(ranged("current", 0, 1, fnCurrent)),
		selecting(fixed("requestContext", 0, func(env Env, _ []any) (any, error) { return env.RequestContext(), nil })),
		selecting(fixed("policy", 0, func(env Env, _ []any) (any, error) { return env.Policy(), nil })),
		selecting(fixed("resourceGroup", 0, func(env Env, _ []any) (any, error) { return env.ResourceGroup(), nil })),
		selecting(fixed("subscription", 0, func(env Env, _ []any) (any, error) { return env.Subscription(), nil })),
		ranged("utcNow", 0, 1, fnUTCNow),
		fixed("addDays", 2, pure(fnAddDays)),
		fixed("ipRangeContains", 2, pure(fnIPRangeContains)),
	)
}

func fnParameters(env Env, a []any) (any, error) {
	name, err := argString("parameters", a, 0)
	if err != nil {
		return nil, err
	}
	v, ok := env.Parameter(name)
	if !ok {
		return nil, &EvalError{Func: "parameters", Msg: fmt.Sprintf("The policy parameter '%s' is not defined in the policy definition.", name)}
	}
	return v, nil
}

func fnField(env Env, a []any) (any, error) {
	name, err := argString("field", a, 0)
	if err != nil {
		return nil, err
	}
	v, err := env.Field(name)
	if err != nil {
		return nil, &EvalError{Func: "field", Msg: fmt.Sprintf("The policy language function 'field' failed for '%s': %v", name, err), Err: err}
	}
	return v, nil
}

func fnCurrent(env Env, a []any) (any, error) {
	name := ""
	if len(a) == 1 {
		var err error
		if name, err = argString("current", a, 0); err != nil {
			return nil, err
		}
	}
	v, err := env.Current(name)
	if err != nil {
		return nil, &EvalError{Func: "current", Msg: fmt.Sprintf("The policy language function 'current' failed for '%s': %v", name, err), Err: err}
	}
	return v, nil
}

// policyTimeLayout is the format Azure Policy's utcNow() returns
// (yyyy-MM-ddTHH:mm:ss.fffffffZ), also used for addDays results.
const policyTimeLayout = "2006-01-02T15:04:05.0000000Z"

// fnUTCNow returns the current UTC time; the optional argument is a .NET
// date format string.
func fnUTCNow(env Env, a []any) (any, error) {
	now := env.Now().UTC()
	if len(a) == 0 {
		return now.Format(policyTimeLayout), nil
	}
	f, err := argString("utcNow", a, 0)
	if err != nil {
		return nil, err
	}
	return formatDotNetTime("utcNow", now, f)
}

// parseDateTime accepts ISO 8601 date-times with or without a zone or
// fraction, and plain dates.
func parseDateTime(fn, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, failf(fn, "the string '%s' is not a valid ISO 8601 date-time", s)
}

func fnAddDays(a []any) (any, error) {
	s, err := argString("addDays", a, 0)
	if err != nil {
		return nil, err
	}
	n, err := argInt("addDays", a, 1)
	if err != nil {
		return nil, err
	}
	t, err := parseDateTime("addDays", s)
	if err != nil {
		return nil, err
	}
	return t.AddDate(0, 0, int(n)).Format(policyTimeLayout), nil
}
