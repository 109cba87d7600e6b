package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/server"
)

func newPolicyImportBuiltinsCommand() *cobra.Command {
	var dataDir, dsn string
	c := &cobra.Command{
		Use:   "import-builtins DIR",
		Short: "Import a built-in policy library into the data folder or store",
		Long: `Import-builtins reads a folder laid out like Azure's built-in policy library
(policyDefinitions/<Category>/*.json and policySetDefinitions/<Category>/*.json) and stores every
definition and initiative as a read-only built-in at the tenant root, where assignments can use
it by its usual id (/providers/Microsoft.Authorization/policyDefinitions/{guid}). Each file is
validated first; invalid files are listed and skipped. Importing again replaces earlier imports.

It works on the store directly (like the bootstrap identity commands), so run it before starting
the server or against the same --data / --store the server uses.`,
		Example: `  palisade policy import-builtins --data palisade-data ./azure-policy/built-in-policies`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := server.OpenStore(c.Context(), dsn, dataDir)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			defer st.Close()
			res, err := builtin.Import(c.Context(), st, args[0])
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			out := stdoutOf(c)
			for _, s := range res.Skipped {
				fmt.Fprintln(out, "skipped", s)
			}
			fmt.Fprintf(out, "%d definitions, %d initiatives imported, %d skipped\n", res.Definitions, res.SetDefinitions, len(res.Skipped))
			return nil
		},
	}
	c.Flags().StringVar(&dataDir, "data", server.DefaultDataDir, "data folder of the embedded SQLite store")
	c.Flags().StringVar(&dsn, "store", "", "store DSN (postgres://…); the SQLite store in --data when empty")
	return c
}
