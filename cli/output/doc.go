// Package output renders command results the way the Azure CLI (az, built on
// knack) does, so that scripts written for az work unchanged against Palisade.
//
// It covers the global --output formats (json, jsonc, yaml, yamlc, table, tsv,
// none), the global --query option (JMESPath, applied before formatting, with
// the key order of a multiselect hash kept for table and tsv output), the
// per-command table transformers az uses for the commands Palisade has, and
// the way az prints an ARM error on stderr.
//
// Values are plain Go JSON values: map[string]any, []any, string, float64,
// int64 (or any Go integer), bool and nil. Other values (structs, typed
// slices) are converted through encoding/json first. Results of --query may
// also hold *OrderedMap, whose key order matters to table and tsv output.
//
// The reference for every byte printed here is knack's knack/output.py and
// knack/query.py (microsoft/knack), Python's json.dumps, PyYAML's safe_dump,
// tabulate's "simple" format with wcwidth, jmespath.py's error wording and
// azure-core's ARM error formatting. The golden files under testdata/golden
// are checked against knack itself by testdata/knack_crosscheck.py.
//
// Entry points: Write (format a result, applying Options.Query), Query and
// CompileQuery (--query alone), WriteError/WriteARMError/ParseARMError (an
// ARM error as az prints it), WriteFailure (any command failure, with az's
// exit code) and the table transformers in TableTransformers.
//
// Known differences from az. Go maps keep no key order: object keys have no
// order of their own, so where az would keep the service's key order (table
// columns under --query for objects that did not come from a multiselect
// hash, value projections such as foo.*) this package sorts or leaves the
// order unspecified; and a float that is integral (2.0) comes out of a
// --query as an integer (2), because the JMESPath library computes with
// float64 only (so avg() of integers with a whole mean prints 3, not 3.0).
// yamlc colours follow Pygments' YAML lexer for ordinary documents but not
// its error tokens (a no-break space, for instance).
package output
