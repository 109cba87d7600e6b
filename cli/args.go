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
