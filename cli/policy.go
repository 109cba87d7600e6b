package cli

import "github.com/spf13/cobra"

func newPolicyCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Validate and evaluate policy definitions, and manage policy objects",
	}
	c.AddCommand(newPolicyValidateCommand(), newPolicyEvalCommand(), newPolicyImportBuiltinsCommand())
	c.AddCommand(policyClientCommands()...)
	return c
}
