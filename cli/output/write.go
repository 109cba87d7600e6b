package output

import (
	"fmt"
	"io"
	"strings"
)

// Formats lists the values az accepts for --output, in az's order.
var Formats = []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"}

// TableTransformer reshapes a command's result into the rows az shows for
// --output table when no --query is given (az's table_transformer). It
// should return *OrderedMap rows so the columns keep their order.
type TableTransformer func(result any) any

// Options are the global output arguments of a command.
type Options struct {
	// Format is one of Formats; "" means json, az's default. Case is ignored.
	Format string
	// Query is the --query JMESPath expression, "" for none.
	Query string
	// Color enables jsonc/yamlc colours; az turns them off (falling back to
	// json/yaml) when stdout is not a terminal, and so should the caller.
	Color bool
	// Transformer is the command's table transformer, nil if it has none.
	Transformer TableTransformer
	// ResourceGroups applies azure-cli core's result transform before the
	// query (see AddResourceGroup), as az does for every command.
	ResourceGroups bool
}

// Write applies opt.Query to result and prints it in opt.Format, exactly as
// az would print the same value. A nil result (or a query that yields null)
// prints nothing at all, as in az. Errors are *QueryError for a bad query,
// ErrTableUnavailable (wrapped) when table output fails, or an error naming
// an unknown format or an unsupported value.
func Write(w io.Writer, result any, opt Options) error {
	format := strings.ToLower(opt.Format)
	if format == "" {
		format = "json"
	}
	if !validFormat(format) {
		return &FormatError{Format: format}
	}
	v, err := normalize(result)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if opt.ResourceGroups {
		AddResourceGroup(v)
	}
	queryActive := opt.Query != ""
	if queryActive {
		if v, err = Query(v, opt.Query); err != nil {
			return err
		}
	}
	if v == nil {
		return nil
	}
	var out []byte
	switch format {
	case "json":
		out, err = formatJSON(v, false)
	case "jsonc":
		out, err = formatJSON(v, opt.Color)
	case "yaml":
		out, err = formatYAML(v, false)
	case "yamlc":
		out, err = formatYAML(v, opt.Color)
	case "table":
		out, err = formatTable(v, opt.Transformer, queryActive)
	case "tsv":
		out = formatTSV(v)
	case "none":
		return nil
	}
	if err != nil {
		if _, ok := err.(*TableError); ok {
			return err
		}
		return fmt.Errorf("output %s: %w", format, err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write %s output: %w", format, err)
	}
	return nil
}

// FormatError is an --output value az does not know; az's argument parser
// rejects it (exit code 2).
type FormatError struct {
	// Format is the rejected value, lower-cased as az lower-cases it.
	Format string
}

// Error returns argparse's wording for an invalid choice.
func (e *FormatError) Error() string {
	return fmt.Sprintf("argument --output/-o: invalid choice: %s (choose from %s)", pyQuote(e.Format), quotedList(Formats))
}

func validFormat(f string) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

// quotedList is Python's ", ".join(repr(x) for x in xs), as argparse prints choices.
func quotedList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = pyQuote(x)
	}
	return strings.Join(q, ", ")
}
