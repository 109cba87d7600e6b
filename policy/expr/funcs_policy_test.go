package expr

import (
	"strings"
	"testing"
)

// Policy-only functions, from
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions
func TestPolicyFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[parameters('effect')]", want: "Audit"},
		{expr: "[parameters('EFFECT')]", want: "Audit"},
		{expr: "[parameters('nope')]", wantErr: "The policy parameter 'nope' is not defined"},
		{expr: "[parameters(1)]", wantErr: "argument 1 is 'Integer'"},
		{expr: "[field('location')]", want: "westeurope"},
		{expr: "[field('tags').env]", want: "prod"},
		{expr: "[field('nope')]", wantErr: "The policy language function 'field' failed for 'nope': unknown alias"},
		{expr: "[current()]", want: "item"},
		{expr: "[current('rule')]", want: obj("priority", int64(100))},
		{expr: "[current('other')]", wantErr: "The policy language function 'current' failed for 'other': no count named"},
		// results longer than 131,072 characters fail the evaluation
		{expr: "[padLeft('', 131072, 'x')]", want: strings.Repeat("x", 131072)},
		{expr: "[concat(padLeft('', 131072, 'x'), 'y')]", wantErr: "The template function 'concat' failed: the result is 131073 characters long, the limit is 131072"},
		{expr: "[policy().assignmentId]", want: "/subscriptions/s1/providers/Microsoft.Authorization/policyAssignments/a1"},
		{expr: "[resourceGroup().name]", want: "rg1"},
		{expr: "[subscription().subscriptionId]", want: "00000000-0000-0000-0000-000000000001"},
		{expr: "[requestContext().identity.appid]", want: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"},
	})
}

// utcNow returns yyyy-MM-ddTHH:mm:ss.fffffffZ in Azure Policy; a .NET
// format string may be given. addDays adds days to an ISO 8601 date-time.
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-date
func TestDateFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[utcNow()]", want: "2026-03-04T05:06:07.1234567Z"},
		{expr: "[utcNow('u')]", want: "2026-03-04 05:06:07Z"},
		{expr: "[utcNow('d')]", want: "03/04/2026"},
		{expr: "[utcNow('yyyyMMddTHHmmssZ')]", want: "20260304T050607Z"},
		{expr: "[utcNow('yyyy-MM-dd hh:mm tt ''at'' ddd MMM')]", want: "2026-03-04 05:06 AM at Wed Mar"},
		{expr: "[utcNow('fff')]", want: "123"},
		{expr: "[utcNow('q')]", wantErr: "not supported"},
		{expr: "[addDays('2026-01-30T10:00:00Z', 3)]", want: "2026-02-02T10:00:00.0000000Z"},
		{expr: "[addDays('2026-01-30', -30)]", want: "2025-12-31T00:00:00.0000000Z"},
		{expr: "[addDays(utcNow(), 1)]", want: "2026-03-05T05:06:07.1234567Z"},
		{expr: "[addDays('yesterday', 1)]", wantErr: "not a valid ISO 8601 date-time"},
		{expr: "[less(addDays(utcNow(), -1), utcNow())]", want: true},
	})
}

// ipRangeContains accepts single addresses, CIDR blocks and first-last
// ranges of either family; empty input or mixed families fail.
func TestIPRangeContains(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[ipRangeContains('10.0.0.0/24', '10.0.0.0-10.0.0.255')]", want: true},
		{expr: "[ipRangeContains('10.0.0.0/24', '10.0.0.0-10.0.1.0')]", want: false},
		{expr: "[ipRangeContains('10.0.0.0/24', '10.0.0.5')]", want: true},
		{expr: "[ipRangeContains('10.0.0.0/24', '10.0.0.0/25')]", want: true},
		{expr: "[ipRangeContains('10.0.0.0/24', '10.0.0.0/23')]", want: false},
		{expr: "[ipRangeContains('10.0.0.1', '10.0.0.1')]", want: true},
		{expr: "[ipRangeContains('10.0.0.5/24', '10.0.0.200')]", want: true},
		{expr: "[ipRangeContains('fd00::/8', 'fd00::1')]", want: true},
		{expr: "[ipRangeContains('fd00::/8', 'fe00::1')]", want: false},
		{expr: "[ipRangeContains('::1-::ff', '::10/124')]", want: true},
		{expr: "[ipRangeContains('', '10.0.0.1')]", wantErr: "is not a valid IP address"},
		{expr: "[ipRangeContains('10.0.0.0/24', '')]", wantErr: "target range '' is not a valid"},
		{expr: "[ipRangeContains('10.0.0.0/24', 'fd00::1')]", wantErr: "different address families"},
		{expr: "[ipRangeContains('10.0.0.9-10.0.0.1', '10.0.0.5')]", wantErr: "not a valid"},
		{expr: "[ipRangeContains(1, '10.0.0.1')]", wantErr: "argument 1 is 'Integer'"},
	})
}

// Template-only functions parse with Template but cannot be evaluated by
// the policy engine.
func TestTemplateOnlyFunctionsFailAtEval(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[reference('x')]", wantErr: "The template function 'reference' is not valid in a policy rule"},
		{expr: "[listKeys('id', '2020-01-01')]", wantErr: "'listkeys' is not valid in a policy rule"},
		{expr: "[my.fn(1)]", wantErr: "'my.fn' is not valid in a policy rule"},
		{expr: "[concat('a', variables('v'))]", wantErr: "'variables' is not valid"},
	}, Template)
}

// Expected values are the examples of
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-cidr
func TestCIDRFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{expr: "[parseCidr('10.144.0.0/20')]", want: obj("network", "10.144.0.0", "netmask", "255.255.240.0", "broadcast", "10.144.15.255", "firstUsable", "10.144.0.1", "lastUsable", "10.144.15.254", "cidr", int64(20))},
		{expr: "[parseCidr('fdad:3236:5555::/48')]", want: obj("network", "fdad:3236:5555::", "netmask", "ffff:ffff:ffff::", "firstUsable", "fdad:3236:5555::", "lastUsable", "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff", "cidr", int64(48))},
		{expr: "[parseCidr('10.0.0.7/32').firstUsable]", want: "10.0.0.7"},
		{expr: "[parseCidr('10.0.0.0')]", wantErr: "not a valid CIDR range"},
		{expr: "[cidrSubnet('10.144.0.0/20', 24, 0)]", want: "10.144.0.0/24"},
		{expr: "[cidrSubnet('10.144.0.0/20', 24, 4)]", want: "10.144.4.0/24"},
		{expr: "[cidrSubnet('fdad:3236:5555::/48', 52, 1)]", want: "fdad:3236:5555:1000::/52"},
		{expr: "[cidrSubnet('10.144.0.0/20', 24, 16)]", wantErr: "subnet index 16 is out of range"},
		{expr: "[cidrSubnet('10.144.0.0/20', 19, 0)]", wantErr: "must be between 20 and 32"},
		{expr: "[cidrHost('10.144.3.0/24', 0)]", want: "10.144.3.1"},
		{expr: "[cidrHost('10.144.3.0/24', 4)]", want: "10.144.3.5"},
		{expr: "[cidrHost('10.144.3.0/24', 253)]", want: "10.144.3.254"},
		{expr: "[cidrHost('10.144.3.0/24', 254)]", wantErr: "host index 254 is out of range"},
		{expr: "[cidrHost('fdad:3236:5555:3000::/52', 2)]", want: "fdad:3236:5555:3000::3"},
	})
}
