package activitylog_test

import (
	"reflect"
	"testing"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
)

// outcomeOf returns an outcome of the MFA create/update definition with
// effect e, for building decisions by hand.
func outcomeOf(t *testing.T, e policy.Effect) *decide.Outcome {
	t.Helper()
	def, ok := builtin.Definition(builtin.MFACreateUpdateID)
	if !ok {
		t.Fatal("MFA definition not shipped")
	}
	return &decide.Outcome{Assignment: mfaAssignment(t, builtin.MFACreateUpdateID, ""), Definition: def, Effect: e}
}

// TestPolicyEventNames checks eventName on Policy events. The schema's
// Policy category says BeginRequest is used for the delayed
// auditIfNotExists and deployIfNotExists evaluations and EndRequest for
// every other operation
// (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#policy-category,
// MicrosoftDocs/azure-docs articles/azure-monitor/essentials/activity-log-schema.md,
// "Policy event property descriptions", eventName). Palisade's existence
// checks run after the write, as Azure's delayed evaluations do.
func TestPolicyEventNames(t *testing.T) {
	r := storageRequest("PUT", user(false), "")
	b := newBuilder()
	request := func(d *decide.Decision) func() ([]*activitylog.Event, error) {
		return func() ([]*activitylog.Event, error) { return b.Policy(r, d) }
	}
	existence := func(o ...*decide.Outcome) func() ([]*activitylog.Event, error) {
		return func() ([]*activitylog.Event, error) { return b.Existence(r, o) }
	}
	for _, c := range []struct {
		name   string
		events func() ([]*activitylog.Event, error)
		op     string
		want   activitylog.LocalizableString
	}{
		{"deny", request(&decide.Decision{Denied: []*decide.Outcome{outcomeOf(t, policy.EffectDeny)}}),
			activitylog.OperationPolicyDeny, activitylog.LocalizableString{Value: "EndRequest", LocalizedValue: "End request"}},
		{"audit", request(&decide.Decision{Audited: []*decide.Outcome{outcomeOf(t, policy.EffectAudit)}}),
			activitylog.OperationPolicyAudit, activitylog.LocalizableString{Value: "EndRequest", LocalizedValue: "End request"}},
		{"modify", request(&decide.Decision{Modified: []*decide.Outcome{outcomeOf(t, policy.EffectModify)}}),
			activitylog.OperationPolicyModify, activitylog.LocalizableString{Value: "EndRequest", LocalizedValue: "End request"}},
		{"append", request(&decide.Decision{Modified: []*decide.Outcome{outcomeOf(t, policy.EffectAppend)}}),
			activitylog.OperationPolicyAppend, activitylog.LocalizableString{Value: "EndRequest", LocalizedValue: "End request"}},
		{"auditIfNotExists", existence(outcomeOf(t, policy.EffectAuditIfNotExists)),
			activitylog.OperationPolicyAuditIfNotExists, activitylog.LocalizableString{Value: "BeginRequest", LocalizedValue: "Begin request"}},
		{"deployIfNotExists", existence(outcomeOf(t, policy.EffectDeployIfNotExists)),
			activitylog.OperationPolicyDeployIfNotExists, activitylog.LocalizableString{Value: "BeginRequest", LocalizedValue: "Begin request"}},
	} {
		events, err := c.events()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(events) != 1 {
			t.Fatalf("%s: %d events, want 1", c.name, len(events))
		}
		e := events[0]
		if e.OperationName.Value != c.op || e.EventName != c.want || e.Category.Value != activitylog.CategoryPolicy {
			t.Errorf("%s: operation %q eventName %+v category %q; want %q %+v Policy",
				c.name, e.OperationName.Value, e.EventName, e.Category.Value, c.op, c.want)
		}
	}
}

// TestDenySuppressesAudit checks which Policy events a decision with both
// refusals and audits records. Azure evaluates deny before audit "so that
// an undesired resource is not logged twice", and denyAction last
// (https://learn.microsoft.com/azure/governance/policy/concepts/effects,
// order of evaluation; MicrosoftDocs/azure-docs
// articles/governance/policy/concepts/effects.md): a request refused by
// deny has no audit/action event, while one refused by denyAction keeps
// the audits evaluated before it.
func TestDenySuppressesAudit(t *testing.T) {
	r := storageRequest("PUT", user(false), "")
	for _, c := range []struct {
		name   string
		dec    *decide.Decision
		wantOp []string
	}{
		{"deny and audit",
			&decide.Decision{Denied: []*decide.Outcome{outcomeOf(t, policy.EffectDeny)}, Audited: []*decide.Outcome{outcomeOf(t, policy.EffectAudit)}},
			[]string{activitylog.OperationPolicyDeny}},
		{"deny among refusals, auditAction",
			&decide.Decision{
				Denied:  []*decide.Outcome{outcomeOf(t, policy.EffectDenyAction), outcomeOf(t, policy.EffectDeny)},
				Audited: []*decide.Outcome{outcomeOf(t, policy.EffectAuditAction)},
			},
			[]string{activitylog.OperationPolicyDeny}},
		{"denyAction and auditAction",
			&decide.Decision{Denied: []*decide.Outcome{outcomeOf(t, policy.EffectDenyAction)}, Audited: []*decide.Outcome{outcomeOf(t, policy.EffectAuditAction)}},
			[]string{activitylog.OperationPolicyDeny, activitylog.OperationPolicyAudit}},
		{"audit alone",
			&decide.Decision{Audited: []*decide.Outcome{outcomeOf(t, policy.EffectAudit)}},
			[]string{activitylog.OperationPolicyAudit}},
	} {
		events, err := newBuilder().Policy(r, c.dec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.OperationName.Value)
		}
		if !reflect.DeepEqual(got, c.wantOp) {
			t.Errorf("%s: events %v, want %v", c.name, got, c.wantOp)
		}
	}
}
