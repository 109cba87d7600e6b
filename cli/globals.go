package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
	"github.com/palisade/palisade/cli/output"
)

// globals are Azure CLI's global arguments, shared by every client command.
type globals struct {
	output, query              string
	onlyErrors, verbose, debug bool
}

// addGlobalFlags registers az's global arguments on the root command.
func addGlobalFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringP("output", "o", "json", "output `FORMAT`: "+strings.Join(output.Formats, ", "))
	f.String("query", "", "`JMESPath` query string; see http://jmespath.org/ for more information and examples")
	f.Bool("only-show-errors", false, "only show errors, suppressing warnings")
	f.Bool("verbose", false, "increase logging verbosity; use --debug for full debug logs")
	f.Bool("debug", false, "increase logging verbosity to show all requests and responses (tokens redacted)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))
}

// globalsOf reads the global arguments of the command line c belongs to.
func globalsOf(c *cobra.Command) globals {
	g := globals{output: "json"}
	get := func(name string) string {
		f := c.Flags().Lookup(name)
		if f == nil {
			f = c.Root().PersistentFlags().Lookup(name)
		}
		if f == nil {
			return ""
		}
		return f.Value.String()
	}
	if v := get("output"); v != "" {
		g.output = v
	}
	g.query = get("query")
	g.onlyErrors = get("only-show-errors") == "true"
	g.verbose = get("verbose") == "true"
	g.debug = get("debug") == "true"
	return g
}

// clientFunc is the body of a client command: it returns the result to
// print (nil prints nothing, as az prints nothing for a None result).
type clientFunc func(ctx context.Context, s *session) (any, error)

// runClient runs a client command: it checks --output and --query before
// anything is sent, opens the session, runs fn, prints its result with the
// command's table transformer, and prints failures the way az does.
func runClient(c *cobra.Command, needLogin bool, fn clientFunc) error {
	g := globalsOf(c)
	if err := checkOutputArgs(g); err != nil {
		return failure(c, err)
	}
	start := time.Now()
	if g.verbose {
		defer func() {
			fmt.Fprintf(c.ErrOrStderr(), "INFO: Command ran in %.3f seconds\n", time.Since(start).Seconds())
		}()
	}
	s, err := newSession(c, needLogin)
	if err != nil {
		return failure(c, err)
	}
	result, err := fn(c.Context(), s)
	if err != nil {
		return failure(c, err)
	}
	return writeResult(c, result)
}

// checkOutputArgs rejects an unknown --output or a --query that does not
// parse, with az's wording and exit code 2.
func checkOutputArgs(g globals) error {
	known := false
	for _, f := range output.Formats {
		if strings.EqualFold(f, g.output) {
			known = true
		}
	}
	if !known {
		return &output.FormatError{Format: strings.ToLower(g.output)}
	}
	if g.query != "" {
		if _, err := output.CompileQuery(g.query); err != nil {
			return err
		}
	}
	return nil
}

// writeResult prints a command result in the chosen format.
func writeResult(c *cobra.Command, result any) error {
	if result == nil {
		return nil
	}
	g := globalsOf(c)
	opt := output.Options{Format: g.output, Query: g.query, Color: isTerminal(c.OutOrStdout()),
		Transformer: output.TableTransformers[commandKey(c)], ResourceGroups: true}
	if err := output.Write(c.OutOrStdout(), result, opt); err != nil {
		return failure(c, err)
	}
	return nil
}

// commandKey is the command's path without the program name ("group list"),
// the key of cli/output's table transformers.
func commandKey(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
}

// isTerminal reports whether w is a terminal (colours, progress).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// failure prints err on stderr the way az does and returns the exit error:
// an ARM error as "(Code) Message" with its details, a claims challenge
// with the command that answers it, everything else as "ERROR: message".
// Exit code 2 for bad usage, 1 otherwise.
func failure(c *cobra.Command, err error) error {
	w := c.ErrOrStderr()
	var re *client.ResponseError
	var ee *ExitError
	switch {
	case errors.As(err, &re) && re.ARM.Code != "":
		if werr := output.WriteARMError(w, re.ARM); werr != nil {
			fmt.Fprintln(w, "ERROR:", re.Error())
		}
		switch {
		case re.Challenge != nil:
			writeStepUpHint(c, re.Challenge)
		case re.Status == http.StatusUnauthorized:
			fmt.Fprintln(w, "Please run 'palisade login' to setup account.")
		}
		return &ExitError{Code: 1}
	case errors.As(err, &re):
		fmt.Fprintln(w, "ERROR:", re.Error())
		return &ExitError{Code: 1}
	case errors.As(err, &ee):
		if ee.Err != nil {
			fmt.Fprintln(w, "ERROR:", ee.Err)
		}
		return &ExitError{Code: ee.Code}
	}
	return &ExitError{Code: output.WriteFailure(w, err)}
}

// writeStepUpHint tells a non-interactive caller how to satisfy a claims
// challenge, as az does when ARM's MFA enforcement answers 401: sign in
// again with --claims-challenge (the value exactly as the server sent it).
func writeStepUpHint(c *cobra.Command, ch *client.Challenge) {
	w := c.ErrOrStderr()
	prof, _ := client.LoadProfile()
	cmd := "palisade login"
	if prof != nil {
		if prof.Server != "" {
			cmd += " --server " + prof.Server
		}
		if prof.TenantID != "" {
			cmd += " --tenant " + prof.TenantID
		}
		// repeat the way the user signed in
		switch prof.LoginMethod {
		case "password":
			cmd += " --username " + prof.User
		case "devicecode":
			cmd += " --use-device-code"
		}
	}
	fmt.Fprintln(w, "This operation requires multi-factor authentication (the server sent a claims challenge).")
	fmt.Fprintln(w, "Run the command below to sign in again with your second factor, then run this command again:")
	fmt.Fprintf(w, "%s --claims-challenge \"%s\"\n", cmd, ch.Claims)
}

// warn prints a warning unless --only-show-errors.
func warn(c *cobra.Command, format string, args ...any) {
	if globalsOf(c).onlyErrors {
		return
	}
	fmt.Fprintf(c.ErrOrStderr(), "WARNING: "+format+"\n", args...)
}

// readJSONArg reads an argument that is inline JSON or @FILE, as az's
// shell-safe JSON arguments are, and decodes it with integral numbers kept
// as integers. flag names the argument in errors.
func readJSONArg(flag, value string) (any, error) {
	text := value
	if strings.HasPrefix(value, "@") {
		b, err := os.ReadFile(value[1:])
		if err != nil {
			return nil, usageErrorf("argument --%s: %v", flag, err)
		}
		text = string(b)
	} else if !looksLikeJSON(value) {
		if b, err := os.ReadFile(value); err == nil {
			// az also accepts a bare path for these arguments
			text = string(b)
		}
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, usageErrorf("argument --%s: invalid JSON: %s", flag, describeJSONError(text, err))
	}
	if d.More() {
		return nil, usageErrorf("argument --%s: invalid JSON: extra data after the first value", flag)
	}
	return numbers(v), nil
}

func looksLikeJSON(s string) bool {
	t := strings.TrimSpace(s)
	return t != "" && strings.ContainsAny(t[:1], "{[\"0123456789-tfn")
}

// describeJSONError adds the line and column to a JSON syntax error.
func describeJSONError(text string, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := 1, 1
		for _, r := range text[:min(int(se.Offset), len(text))] {
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("%v (line %d, column %d)", se, line, max(col-1, 1))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// numbers turns json.Number into int64 or float64.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// compactJSON is v as one line of JSON (for messages).
func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}
