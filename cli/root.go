// Package cli holds the palisade command line: the server command, the offline policy tools and
// the client commands that talk to a Palisade server's ARM API.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is the build version, set by the linker (-X) for releases.
var Version = "dev"

// ExitError carries a process exit code: 1 for a refused or failed request or invalid input
// files, 2 for bad usage or unreadable input.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is a bad-usage error (exit code 2).
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// NewRoot builds the palisade command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "palisade",
		Short: "Azure Policy and the slice of Azure Resource Manager it governs, self-hosted",
		Long: `Palisade is a self-hosted implementation of Azure Policy and the part of Azure Resource
Manager it governs. It reads Azure Policy's own JSON, decides every create, update and delete the
way Azure does, and serves ARM's REST API so that Azure clients work against it.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitError{Code: 2, Err: fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())}
	})
	root.AddCommand(newPolicyCommand(), newServeCommand(), newBenchCommand())
	addGlobalFlags(root)
	for _, c := range []*cobra.Command{newLoginCommand(), newLogoutCommand(), newAccountCommand(), newGroupCommand(),
		newResourceCommand(), newTagCommand(), newLockCommand(), newMonitorCommand(), newRoleCommand(), newIdentityCommand()} {
		root.AddCommand(strictGroup(c))
	}
	return root
}

// Main runs the command line with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := NewRoot()
	root.SetArgs(spreadMultiValues(root, args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(stderr, "error:", ee.Err)
		}
		return ee.Code
	}
	// Errors cobra raises itself (unknown command, bad arguments) are usage errors.
	fmt.Fprintln(stderr, "error:", err)
	return 2
}

// stdoutOf returns where a command prints results.
func stdoutOf(c *cobra.Command) io.Writer {
	if w := c.OutOrStdout(); w != nil {
		return w
	}
	return os.Stdout
}
