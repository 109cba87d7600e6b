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
	multiValue(c, "tags")
}

// multiValueAnnotation marks a flag that, like az's list arguments
// (nargs '+' or '*'), takes every value up to the next flag:
// "--tags env=dev team=ops" as well as "--tags 'env=dev team=ops'".
const multiValueAnnotation = "palisade/multi-value"

// multiValue marks c's flags names as taking several values.
func multiValue(c *cobra.Command, names ...string) {
	for _, n := range names {
		if err := c.Flags().SetAnnotation(n, multiValueAnnotation, []string{"true"}); err != nil {
			panic(fmt.Sprintf("multiValue %s: %v", c.CommandPath(), err))
		}
	}
}

// spreadMultiValues rewrites a command line so that every further value
// after a multi-valued flag of the command it runs becomes a repetition of
// that flag ("--ids A B" → "--ids A --ids B"), which the flag parser then
// collects. A value starting with '-' ends the list, as in az.
func spreadMultiValues(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return args
	}
	lookup := func(arg string) (string, bool) {
		switch {
		case strings.HasPrefix(arg, "--"):
			name, _, _ := strings.Cut(arg[2:], "=")
			if f := cmd.Flags().Lookup(name); f != nil && f.Annotations[multiValueAnnotation] != nil {
				return "--" + f.Name, true
			}
		case len(arg) == 2 && arg[0] == '-':
			if f := cmd.Flags().ShorthandLookup(arg[1:]); f != nil && f.Annotations[multiValueAnnotation] != nil {
				return "--" + f.Name, true
			}
		}
		return "", false
	}
	out := make([]string, 0, len(args))
	current := "" // the multi-valued flag whose values are being read
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if current != "" && !strings.HasPrefix(a, "-") {
			out = append(out, current, a)
			continue
		}
		current = ""
		out = append(out, a)
		name, ok := lookup(a)
		if !ok {
			continue
		}
		current = name
		if !strings.Contains(a, "=") && i+1 < len(args) {
			// the first value, whatever it looks like, as the parser takes it
			i++
			out = append(out, args[i])
		}
	}
	return out
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
	if !c.HasSubCommands() && c.Args != nil {
		check := c.Args
		c.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			switch {
			case err == nil:
				return nil
			case len(args) > 0 && strings.HasPrefix(err.Error(), "unknown command"):
				// az's argument parser: exit code 2, the stray words named
				return failure(c, usageErrorf("unrecognized arguments: %s\nSee '%s --help'.", strings.Join(args, " "), c.CommandPath()))
			}
			return failure(c, usageErrorf("%v\nSee '%s --help'.", err, c.CommandPath()))
		}
	}
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
