package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
)

func newPolicyValidateCommand() *cobra.Command {
	var recursive bool
	var aliasFile string
	c := &cobra.Command{
		Use:   "validate [--recursive] PATH...",
		Short: "Check policy definition and initiative files offline",
		Long: `Validate decodes each policy definition or initiative file (either the full resource with
"properties", or the bare properties object) and checks it the way Azure does when it is saved:
structure, operators, fields and aliases, template expressions, parameters and effect details.

It prints one line per invalid file (file, JSON path, reason) and ends with "N valid, M invalid".
The exit code is 0 when every file is valid and 1 otherwise.`,
		Example: `  palisade policy validate mypolicy.json
  palisade policy validate --recursive policies/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			files, err := collectJSONFiles(args, recursive)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			opts, err := policyOptions(aliasFile)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			out := stdoutOf(c)
			valid, invalid := 0, 0
			for _, f := range files {
				if err := validateFile(f, opts); err != nil {
					invalid++
					fmt.Fprintf(out, "%s: %s\n", f, oneLine(err.Error()))
					continue
				}
				valid++
			}
			fmt.Fprintf(out, "%d valid, %d invalid\n", valid, invalid)
			if invalid > 0 {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&recursive, "recursive", "r", false, "descend into sub-folders")
	c.Flags().StringVar(&aliasFile, "aliases", "", "extra alias catalogue file (format: aliases/FORMAT.md)")
	return c
}

// collectJSONFiles expands the arguments into .json files: files as given, folders' .json files
// (all levels with recursive).
func collectJSONFiles(args []string, recursive bool) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", arg, err)
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != arg && !recursive {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.EqualFold(filepath.Ext(p), ".json") {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", arg, err)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// validateFile checks one definition or initiative file.
func validateFile(path string, opts policy.Options) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	switch policy.DetectKind(v) {
	case policy.KindDefinition:
		_, err = policy.DefinitionFromValue(v, opts)
	case policy.KindSetDefinition:
		_, err = policy.SetDefinitionFromValue(v)
	default:
		err = fmt.Errorf("neither a policy definition (no policyRule) nor an initiative (no policyDefinitions)")
	}
	return err
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// policyOptions loads a user alias catalogue on top of the built-in one when one is named.
func policyOptions(aliasFile string) (policy.Options, error) {
	if aliasFile == "" {
		return policy.Options{}, nil
	}
	cat := aliases.Builtin().Clone()
	if err := cat.LoadFile(aliasFile); err != nil {
		return policy.Options{}, fmt.Errorf("--aliases: %w", err)
	}
	return policy.Options{Aliases: cat}, nil
}
