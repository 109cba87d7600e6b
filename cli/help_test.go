package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// clientGroups are the client command groups whose help is kept in
// testdata/help (run with -update after changing a help text).
var clientGroups = [][]string{
	{"account"}, {"account", "management-group"}, {"group"}, {"resource"},
	{"policy", "definition"}, {"policy", "set-definition"}, {"policy", "assignment"},
	{"policy", "assignment", "non-compliance-message"}, {"policy", "exemption"},
	{"monitor", "activity-log"}, {"role"}, {"role", "assignment"}, {"identity"}, {"identity", "user"}, {"identity", "sp"},
}

func TestGroupHelpGolden(t *testing.T) {
	cliEnv(t)
	for _, g := range clientGroups {
		name := strings.Join(g, "-")
		t.Run(name, func(t *testing.T) {
			r := mustRun(t, append(g, "--help")...)
			golden(t, filepath.Join("testdata", "help", name+".golden"), r.stdout)
		})
	}
	r := mustRun(t, "login", "--help")
	golden(t, filepath.Join("testdata", "help", "login.golden"), r.stdout)
}

// Every client command has a one-line summary, and every leaf command
// examples; palisade --help lists the client commands.
func TestEveryCommandDocumented(t *testing.T) {
	root := NewRoot()
	mine := map[string]bool{"login": true, "logout": true, "account": true, "group": true, "resource": true,
		"monitor": true, "role": true, "identity": true, "definition": true, "set-definition": true, "assignment": true, "exemption": true}
	var walk func(c *cobra.Command, ours bool)
	walk = func(c *cobra.Command, ours bool) {
		ours = ours || mine[c.Name()]
		if ours {
			if strings.TrimSpace(c.Short) == "" {
				t.Errorf("%s has no summary", c.CommandPath())
			}
			if !c.HasSubCommands() && strings.TrimSpace(c.Example) == "" {
				t.Errorf("%s has no examples", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub, ours)
		}
	}
	walk(root, false)

	cliEnv(t)
	r := mustRun(t, "--help")
	for _, name := range []string{"login", "logout", "account", "group", "resource", "monitor", "role", "identity", "policy"} {
		if !strings.Contains(r.stdout, "\n  "+name+" ") {
			t.Errorf("palisade --help does not list %s:\n%s", name, r.stdout)
		}
	}
	for _, flag := range []string{"--output", "--query", "--only-show-errors", "--verbose", "--debug"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("palisade --help lacks the global %s", flag)
		}
	}
}

// Shell completion: the script, and the values of enumerated arguments.
func TestCompletion(t *testing.T) {
	offlineProfile(t)
	if r := mustRun(t, "completion", "bash"); !strings.Contains(r.stdout, "__start_palisade") {
		t.Errorf("no bash completion script")
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"policy", "assignment", "create", "--enforcement-mode", ""}, []string{"Default", "DoNotEnforce"}},
		{[]string{"policy", "exemption", "create", "-e", ""}, []string{"Waiver", "Mitigated"}},
		{[]string{"group", "list", "-o", ""}, []string{"json", "table", "tsv", "yaml", "none"}},
		{[]string{"policy", "assignment", ""}, []string{"create", "list", "non-compliance-message", "update"}},
		{[]string{"group", "list", "--subscription", ""}, []string{tSub}},
	}
	for _, tt := range tests {
		r := mustRun(t, append([]string{cobra.ShellCompRequestCmd}, tt.args...)...)
		for _, w := range tt.want {
			if !strings.Contains(r.stdout, w+"\n") && !strings.Contains(r.stdout, w+"\t") {
				t.Errorf("completion of %v lacks %s:\n%s", tt.args, w, r.stdout)
			}
		}
	}
}
