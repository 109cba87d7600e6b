package output

import (
	"errors"
	"io"
)

// QueryReference is the hint az prints after any --query error (azure-cli,
// azure/cli/core/util.py QUERY_REFERENCE, used by parser.py and
// handle_exception).
const QueryReference = "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'"

// WriteFailure prints a command failure on w (stderr) as az does, "ERROR: "
// then the message, plus the --query hint for query errors, and returns
// az's exit code: 2 for argument errors (a query that does not parse, an
// unknown --output), 1 for everything else, 0 for a nil error.
func WriteFailure(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	code := 1
	text := "ERROR: " + err.Error() + "\n"
	var qe *QueryError
	var fe *FormatError
	switch {
	case errors.As(err, &qe):
		text += QueryReference + "\n"
		if qe.Parse {
			code = 2
		}
	case errors.As(err, &fe):
		code = 2
	}
	// A failing stderr leaves nothing better to do than return the code.
	_, _ = io.WriteString(w, text)
	return code
}
