package decide

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
)

// libraryDefinitions loads Azure's built-in definitions in mode All or Indexed whose parameters
// all have defaults, to assign in bulk.
func libraryDefinitions(b *testing.B) []*policy.Definition {
	dir := "../../../shared/azure-policy/built-in-policies/policyDefinitions"
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("built-in library not found: %v", err)
	}
	var out []*policy.Definition
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || strings.Contains(p, "Azure Government") {
			return err
		}
		data, _ := os.ReadFile(p)
		v, err := expr.DecodeJSON(data)
		if err != nil || policy.DetectKind(v) != policy.KindDefinition {
			return nil
		}
		def, err := policy.DefinitionFromValue(v, policy.Options{})
		if err != nil || !def.Evaluated() {
			return nil
		}
		for _, p := range def.Parameters {
			if !p.HasDefault {
				return nil
			}
		}
		out = append(out, def)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// BenchmarkDecide measures one decision for a storage account created by a user without MFA,
// with N assignments above it: the MFA assignment plus built-in definitions spread over the
// resource group, the subscription and two management groups.
func BenchmarkDecide(b *testing.B) {
	// Keep only the definitions the largest case assigns, so that the rest of Azure's library
	// does not sit in the heap (and in the garbage collector's way) while decisions are timed.
	all := libraryDefinitions(b)
	lib := make([]*policy.Definition, 0, 1000)
	for i := 1; i < 1000; i++ {
		lib = append(lib, all[(i*7919)%len(all)])
	}
	all = nil
	runtime.GC()
	mfa, _ := builtin.Definition(builtin.MFACreateUpdateID)
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("assignments=%d", n), func(b *testing.B) {
			defs := append([]*policy.Definition{mfa}, lib[:n-1]...)
			scopes := []string{rgID, sub, mgChild, mgRoot}
			var as []*policy.Assignment
			as = append(as, assignment(b, sub, "mfa", `{`+mfaCreate+`}`))
			for i := 1; i < n; i++ {
				d := lib[i-1]
				as = append(as, assignment(b, scopes[i%len(scopes)], fmt.Sprintf("a%d", i), `{"policyDefinitionId":"`+d.ID+`"}`))
			}
			s := NewSnapshot(Objects{Definitions: defs, Assignments: as,
				Parents: map[string]string{sub: mgChild, mgChild: mgRoot}, RootGroupID: mgRoot})
			if len(s.Problems) > 0 {
				b.Fatal(s.Problems[0])
			}
			id, res := resource("acct", "eastus")
			res["properties"] = map[string]any{"supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2",
				"networkAcls": map[string]any{"defaultAction": "Deny", "ipRules": []any{}}}
			req := &Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userNoMFA,
				ResourceGroup: map[string]any{"name": "rg1", "location": "eastus", "tags": map[string]any{}, "managedBy": nil},
				Subscription:  map[string]any{"subscriptionId": "00000000-0000-0000-0000-000000000001", "tags": map[string]any{}}}
			defs, as = nil, nil
			runtime.GC()
			d := s.Decide(req)
			if len(d.Audited) == 0 {
				b.Fatal("the MFA assignment did not audit")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Decide(req)
			}
			b.ReportMetric(float64(d.Evaluated), "matched/op")
			b.ReportMetric(float64(d.Considered), "considered/op")
		})
	}
}
