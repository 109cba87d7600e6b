package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// parseTags reads az's --tags values: KEY[=VALUE] pairs, separated by
// spaces or given as several --tags arguments; a single "" clears the tags.
func parseTags(values []string) (map[string]any, error) {
	tags := map[string]any{}
	for _, v := range values {
		for _, pair := range strings.Fields(v) {
			k, val, _ := strings.Cut(pair, "=")
			if k == "" {
				return nil, usageErrorf("argument --tags: %q is not KEY[=VALUE]", pair)
			}
			tags[k] = val
		}
	}
	return tags, nil
}

// addTagsFlag adds az's --tags argument.
func addTagsFlag(c *cobra.Command, target *[]string) {
	c.Flags().StringArrayVar(target, "tags", nil, `space-separated tags: KEY[=VALUE] ...; "" clears existing tags`)
}

// confirm asks az's "Are you sure" question unless yes is set; without a
// terminal it refuses as az does, asking for --yes.
func confirm(s *session, yes bool) error {
	if yes {
		return nil
	}
	if !interactive() {
		return usageErrorf("Unable to prompt for confirmation as no tty available. Use --yes.")
	}
	ans, err := s.prompt("Are you sure you want to perform this operation? (y/n): ")
	if err != nil {
		return err
	}
	if a := strings.ToLower(ans); a != "y" && a != "yes" {
		return &ExitError{Code: 1, Err: fmt.Errorf("operation cancelled")}
	}
	return nil
}

// requireFlags fails with a usage error naming the first missing argument.
func requireFlags(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usageErrorf("the following arguments are required: %s", pairs[i])
		}
	}
	return nil
}

// strictGroup makes a command group and the groups below it refuse an
// unknown subcommand as az does ("'x' is misspelled or not recognized by the
// system.", exit code 2) instead of printing help and succeeding; with no
// arguments a group prints its help.
//
// Flag errors of these commands print like every other client error
// ("ERROR: …", exit code 2).
func strictGroup(c *cobra.Command) *cobra.Command {
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return failure(c, usageErrorf("%v\nSee '%s --help'.", err, c.CommandPath()))
	})
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return failure(c, usageErrorf("'%s' is misspelled or not recognized by the system.\nSee '%s --help'.", args[0], c.CommandPath()))
			}
			return c.Help()
		}
	}
	for _, sub := range c.Commands() {
		strictGroup(sub)
	}
	return c
}
