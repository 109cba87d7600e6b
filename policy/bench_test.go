package policy

import (
	"os"
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

// BenchmarkDecodeCompileCorpus decodes, validates and compiles every built-in definition and
// initiative (files read beforehand, so only the engine is timed). One op = the whole library.
func BenchmarkDecodeCompileCorpus(b *testing.B) {
	files := corpusFiles(b)
	data := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if data[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range data {
			v, err := expr.DecodeJSON(d)
			if err != nil {
				b.Fatal(err)
			}
			switch DetectKind(v) {
			case KindDefinition:
				_, err = DefinitionFromValue(v, Options{})
			case KindSetDefinition:
				_, err = SetDefinitionFromValue(v)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(data)), "files/op")
}

func benchDefinition(b *testing.B, src string) *Definition {
	b.Helper()
	d, err := ParseDefinition([]byte(src), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func benchEval(b *testing.B, d *Definition, req *Request, want bool) {
	b.Helper()
	in := req
	res, err := d.Evaluate(in)
	if err != nil || res.Matched != want {
		b.Fatalf("Evaluate = %+v, %v; want matched %v", res, err, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Evaluate(in); err != nil {
			b.Fatal(err)
		}
	}
}

const mfaRule = `{"mode":"All","parameters":{"effect":{"type":"String","allowedValues":["Audit","Deny","Disabled"],"defaultValue":"Audit"}},
"policyRule":{"if":{"allOf":[
 {"value":"[contains(requestContext().identity, 'idtyp')]","equals":true},
 {"value":"[requestContext().identity.idtyp]","equals":"user"},
 {"value":"mfa","notIn":"[split(tryGet(requestContext().identity, 'http://schemas.microsoft.com/claims/authnmethodsreferences'), ',')]"},
 {"value":"p1","notIn":"[split(requestContext().identity.acrs, ',')]"}]},
"then":{"effect":"[parameters('effect')]"}}}`

// BenchmarkMFARule evaluates the MFA create/update rule for one request by a user who signed in
// with a password only (all four conditions evaluated, rule matches).
func BenchmarkMFARule(b *testing.B) {
	d := benchDefinition(b, mfaRule)
	req := &Request{
		Operation:  OperationCreate,
		Resource:   map[string]any{"id": "/subscriptions/s/resourceGroups/rg", "name": "rg", "type": "Microsoft.Resources/subscriptions/resourceGroups", "location": "eastus"},
		Parameters: d.Parameters.Effective(nil),
		RequestContext: map[string]any{"apiVersion": "2025-04-01", "identity": map[string]any{
			"idtyp": "user", "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd", "acrs": "",
			"appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},
	}
	benchEval(b, d, req, true)
}

// BenchmarkTypicalRules evaluates three everyday built-in rules.
func BenchmarkTypicalRules(b *testing.B) {
	storage := map[string]any{
		"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", "name": "a",
		"type": "Microsoft.Storage/storageAccounts", "location": "westeurope", "tags": map[string]any{"env": "prod"},
		"properties": map[string]any{"supportsHttpsTrafficOnly": false, "networkAcls": map[string]any{
			"defaultAction": "Deny",
			"ipRules": []any{
				map[string]any{"value": "10.0.0.1", "action": "Allow"}, map[string]any{"value": "10.0.0.2", "action": "Allow"},
				map[string]any{"value": "10.0.0.3", "action": "Allow"}, map[string]any{"value": "0.0.0.0/0", "action": "Allow"},
			},
			"virtualNetworkRules": []any{map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s1", "action": "Allow"}},
		}},
	}
	b.Run("AllowedLocations", func(b *testing.B) {
		d := benchDefinition(b, `{"mode":"Indexed","parameters":{"listOfAllowedLocations":{"type":"Array"}},"policyRule":{"if":{"allOf":[
			{"field":"location","notIn":"[parameters('listOfAllowedLocations')]"},{"field":"location","notEquals":"global"},
			{"field":"type","notEquals":"Microsoft.AzureActiveDirectory/b2cDirectories"}]},"then":{"effect":"deny"}}}`)
		params := d.Parameters.Effective(map[string]any{"listOfAllowedLocations": []any{"eastus", "eastus2", "westus", "northeurope"}})
		benchEval(b, d, &Request{Operation: OperationCreate, Resource: storage, Parameters: params}, true)
	})
	b.Run("StorageHTTPSOnly", func(b *testing.B) {
		d := benchDefinition(b, `{"mode":"Indexed","parameters":{"effect":{"type":"String","defaultValue":"Audit"}},"policyRule":{"if":{"allOf":[
			{"field":"type","equals":"Microsoft.Storage/storageAccounts"},
			{"anyOf":[{"allOf":[{"value":"[requestContext().apiVersion]","less":"2019-04-01"},{"field":"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly","exists":"false"}]},
			{"field":"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly","equals":"false"}]}]},"then":{"effect":"[parameters('effect')]"}}}`)
		benchEval(b, d, &Request{Operation: OperationCreate, Resource: storage, Parameters: d.Parameters.Effective(nil),
			RequestContext: map[string]any{"apiVersion": "2023-01-01"}}, true)
	})
	b.Run("CountNetworkRules", func(b *testing.B) {
		d := benchDefinition(b, `{"mode":"Indexed","policyRule":{"if":{"allOf":[
			{"field":"type","equals":"Microsoft.Storage/storageAccounts"},
			{"field":"Microsoft.Storage/storageAccounts/networkAcls.defaultAction","equals":"Deny"},
			{"count":{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]","where":{"allOf":[
				{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].action","equals":"Allow"},
				{"field":"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value","equals":"0.0.0.0/0"}]}},"greater":0}]},
			"then":{"effect":"audit"}}}`)
		benchEval(b, d, &Request{Operation: OperationCreate, Resource: storage, Parameters: d.Parameters.Effective(nil)}, true)
	})
}
