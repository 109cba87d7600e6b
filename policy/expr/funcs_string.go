package expr

// String functions, with ARM semantics from
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

func init() {
	register(
		fixed("base64", 1, pure(fnBase64)),
		fixed("base64ToJson", 1, pure(fnBase64ToJSON)),
		fixed("base64ToString", 1, pure(fnBase64ToString)),
		ranged("concat", 1, -1, pure(fnConcat)),
		withFast2(fixed("contains", 2, pure(fnContains)), func(x, y any) (any, error) { return fnContains([]any{x, y}) }),
		fixed("dataUri", 1, pure(fnDataURI)),
		fixed("dataUriToString", 1, pure(fnDataURIToString)),
		fixed("empty", 1, pure(fnEmpty)),
		fixed("endsWith", 2, pure(fnEndsWith)),
		selecting(fixed("first", 1, pure(fnFirst))),
		ranged("format", 1, -1, pure(fnFormat)),
		ranged("guid", 1, -1, pure(fnGUID)),
		fixed("indexOf", 2, pure(fnIndexOf)),
		fixed("join", 2, pure(fnJoin)),
		fixed("json", 1, pure(fnJSON)),
		selecting(fixed("last", 1, pure(fnLast))),
		fixed("lastIndexOf", 2, pure(fnLastIndexOf)),
		fixed("length", 1, pure(fnLength)),
		ranged("padLeft", 2, 3, pure(fnPadLeft)),
		fixed("replace", 3, pure(fnReplace)),
		selecting(fixed("skip", 2, pure(fnSkip))),
		memoised(withFast2(fixed("split", 2, pure(fnSplit)), func(x, y any) (any, error) { return fnSplit([]any{x, y}) })),
		fixed("startsWith", 2, pure(fnStartsWith)),
		fixed("string", 1, pure(fnString)),
		ranged("substring", 2, 3, pure(fnSubstring)),
		selecting(fixed("take", 2, pure(fnTake))),
		fixed("toLower", 1, pure(fnToLower)),
		fixed("toUpper", 1, pure(fnToUpper)),
		fixed("trim", 1, pure(fnTrim)),
		ranged("uniqueString", 1, -1, pure(fnUniqueString)),
		fixed("uri", 2, pure(fnURI)),
		fixed("uriComponent", 1, pure(fnURIComponent)),
		fixed("uriComponentToString", 1, pure(fnURIComponentToString)),
	)
}

// compactJSON serialises a value without HTML escaping, as ARM's string()
// does for arrays and objects.
func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func fnBase64(a []any) (any, error) {
	s, err := argString("base64", a, 0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func decodeBase64(fn string, a []any) ([]byte, error) {
	s, err := argString(fn, a, 0)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, failf(fn, "the input is not a valid Base-64 string: %v", err)
	}
	return b, nil
}

func fnBase64ToString(a []any) (any, error) {
	b, err := decodeBase64("base64ToString", a)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func fnBase64ToJSON(a []any) (any, error) {
	b, err := decodeBase64("base64ToJson", a)
	if err != nil {
		return nil, err
	}
	v, err := DecodeJSON(b)
	if err != nil {
		return nil, failf("base64ToJson", "%v", err)
	}
	return v, nil
}

// fnConcat joins arrays when the first argument is an array, strings
// otherwise. Integers and booleans are converted to text; null adds nothing.
func fnConcat(a []any) (any, error) {
	if _, ok := a[0].([]any); ok {
		var out []any
		for i := range a {
			if a[i] == nil {
				continue
			}
			arr, err := argArray("concat", a, i)
			if err != nil {
				return nil, err
			}
			out = append(out, arr...)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	var b strings.Builder
	for i, v := range a {
		switch v.(type) {
		case []any, map[string]any:
			return nil, typeErr("concat", i+1, v, "String")
		}
		b.WriteString(toText(v))
	}
	return b.String(), nil
}

// fnContains: substring (case-sensitive), array element, or object key
// (case-insensitive), as documented for ARM's contains.
func fnContains(a []any) (any, error) {
	switch c := a[0].(type) {
	case string:
		switch a[1].(type) {
		case []any, map[string]any:
			return nil, typeErr("contains", 2, a[1], "String")
		}
		return strings.Contains(c, toText(a[1])), nil
	case []any:
		for _, e := range c {
			if strictEqual(e, a[1]) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		k, err := argString("contains", a, 1)
		if err != nil {
			return nil, err
		}
		_, ok := Lookup(c, k)
		return ok, nil
	}
	return nil, typeErr("contains", 1, a[0], "String, Array or Object")
}

// strictEqual is deep equality with case-sensitive strings (array
// membership in contains, indexOf, union and intersection).
func strictEqual(x, y any) bool {
	xs, ok1 := x.(string)
	ys, ok2 := y.(string)
	if ok1 || ok2 {
		return ok1 && ok2 && xs == ys
	}
	switch xv := x.(type) {
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if !strictEqual(xv[i], yv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for k, v := range xv {
			w, ok := yv[k]
			if !ok || !strictEqual(v, w) {
				return false
			}
		}
		return true
	}
	return Equal(x, y)
}

const dataURIPrefix = "data:text/plain;charset=utf8;base64,"

func fnDataURI(a []any) (any, error) {
	s, err := argString("dataUri", a, 0)
	if err != nil {
		return nil, err
	}
	return dataURIPrefix + base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnDataURIToString(a []any) (any, error) {
	s, err := argString("dataUriToString", a, 0)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(s, "data:") {
		return nil, failf("dataUriToString", "the value is not a data URI")
	}
	meta, data, ok := strings.Cut(s[len("data:"):], ",")
	if !ok {
		return nil, failf("dataUriToString", "the data URI has no ',' separator")
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, failf("dataUriToString", "the data URI payload is not valid Base-64: %v", err)
		}
		return string(b), nil
	}
	u, err := url.PathUnescape(data)
	if err != nil {
		return nil, failf("dataUriToString", "the data URI payload is not valid: %v", err)
	}
	return u, nil
}

// fnEmpty is true for "", [], {} and null.
func fnEmpty(a []any) (any, error) {
	switch v := a[0].(type) {
	case nil:
		return true, nil
	case string:
		return v == "", nil
	case []any:
		return len(v) == 0, nil
	case map[string]any:
		return len(v) == 0, nil
	}
	return nil, typeErr("empty", 1, a[0], "String, Array or Object")
}

func fnStartsWith(a []any) (any, error) {
	s, sub, err := twoStrings("startsWith", a)
	if err != nil {
		return nil, err
	}
	return len(s) >= len(sub) && strings.EqualFold(s[:len(sub)], sub), nil
}

func fnEndsWith(a []any) (any, error) {
	s, sub, err := twoStrings("endsWith", a)
	if err != nil {
		return nil, err
	}
	return len(s) >= len(sub) && strings.EqualFold(s[len(s)-len(sub):], sub), nil
}

func twoStrings(fn string, a []any) (string, string, error) {
	x, err := argString(fn, a, 0)
	if err != nil {
		return "", "", err
	}
	y, err := argString(fn, a, 1)
	return x, y, err
}

// fnFirst returns the first character of a string or the first element of
// an array ("" or null when empty).
func fnFirst(a []any) (any, error) {
	switch v := a[0].(type) {
	case string:
		if v == "" {
			return "", nil
		}
		_, n := utf8.DecodeRuneInString(v)
		return v[:n], nil
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
		return v[0], nil
	}
	return nil, typeErr("first", 1, a[0], "String or Array")
}

func fnLast(a []any) (any, error) {
	switch v := a[0].(type) {
	case string:
		if v == "" {
			return "", nil
		}
		_, n := utf8.DecodeLastRuneInString(v)
		return v[len(v)-n:], nil
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
		return v[len(v)-1], nil
	}
	return nil, typeErr("last", 1, a[0], "String or Array")
}

// fnIndexOf finds a substring (case-insensitive) or an array element
// (exact); -1 when absent. Positions count characters, not bytes.
func fnIndexOf(a []any) (any, error) { return findIndex("indexOf", a, false) }

func fnLastIndexOf(a []any) (any, error) { return findIndex("lastIndexOf", a, true) }

func findIndex(fn string, a []any, last bool) (any, error) {
	switch v := a[0].(type) {
	case string:
		sub, err := argString(fn, a, 1)
		if err != nil {
			return nil, err
		}
		hay, needle := []rune(strings.ToLower(v)), []rune(strings.ToLower(sub))
		return int64(runeIndex(hay, needle, last)), nil
	case []any:
		idx := -1
		for i, e := range v {
			if strictEqual(e, a[1]) {
				idx = i
				if !last {
					break
				}
			}
		}
		return int64(idx), nil
	}
	return nil, typeErr(fn, 1, a[0], "String or Array")
}

func runeIndex(hay, needle []rune, last bool) int {
	found := -1
	for i := 0; i+len(needle) <= len(hay); i++ {
		match := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			found = i
			if !last {
				return i
			}
		}
	}
	return found
}

func fnJoin(a []any) (any, error) {
	arr, err := argArray("join", a, 0)
	if err != nil {
		return nil, err
	}
	sep, err := argString("join", a, 1)
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(arr))
	for i, e := range arr {
		switch e.(type) {
		case []any, map[string]any:
			return nil, failf("join", "element %d is of type '%s', expected a string, integer or boolean", i, TypeName(e))
		}
		parts[i] = toText(e)
	}
	return strings.Join(parts, sep), nil
}

func fnJSON(a []any) (any, error) {
	s, err := argString("json", a, 0)
	if err != nil {
		return nil, err
	}
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		return nil, failf("json", "the value is not valid JSON: %v", err)
	}
	return v, nil
}

// fnLength counts characters of a string, elements of an array, or
// properties of an object.
func fnLength(a []any) (any, error) {
	switch v := a[0].(type) {
	case string:
		return int64(utf8.RuneCountInString(v)), nil
	case []any:
		return int64(len(v)), nil
	case map[string]any:
		return int64(len(v)), nil
	}
	return nil, typeErr("length", 1, a[0], "String, Array or Object")
}

func fnPadLeft(a []any) (any, error) {
	var s string
	switch v := a[0].(type) {
	case string:
		s = v
	case int64:
		s = toText(v)
	default:
		return nil, typeErr("padLeft", 1, a[0], "String or Integer")
	}
	n, err := argInt("padLeft", a, 1)
	if err != nil {
		return nil, err
	}
	pad := " "
	if len(a) == 3 {
		if pad, err = argString("padLeft", a, 2); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(pad) != 1 {
			return nil, failf("padLeft", "the padding character must be a single character, got '%s'", pad)
		}
	}
	if n > 131072 {
		return nil, failf("padLeft", "the total length %d exceeds the limit of 131072 characters", n)
	}
	if have := int64(utf8.RuneCountInString(s)); have < n {
		s = strings.Repeat(pad, int(n-have)) + s
	}
	return s, nil
}

func fnReplace(a []any) (any, error) {
	s, err := argString("replace", a, 0)
	if err != nil {
		return nil, err
	}
	old, err := argString("replace", a, 1)
	if err != nil {
		return nil, err
	}
	repl, err := argString("replace", a, 2)
	if err != nil {
		return nil, err
	}
	if old == "" {
		return nil, failf("replace", "the string to replace must not be empty")
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// fnSkip and fnTake clamp the count to the bounds, as ARM documents.
func fnSkip(a []any) (any, error) { return skipTake("skip", a, true) }

func fnTake(a []any) (any, error) { return skipTake("take", a, false) }

func skipTake(fn string, a []any, skip bool) (any, error) {
	n, err := argInt(fn, a, 1)
	if err != nil {
		return nil, err
	}
	clamp := func(l int) int {
		return int(min(max(n, 0), int64(l)))
	}
	switch v := a[0].(type) {
	case string:
		r := []rune(v)
		k := clamp(len(r))
		if skip {
			return string(r[k:]), nil
		}
		return string(r[:k]), nil
	case []any:
		k := clamp(len(v))
		if skip {
			return v[k:], nil
		}
		return v[:k:k], nil
	}
	return nil, typeErr(fn, 1, a[0], "String or Array")
}

// fnSplit splits on one delimiter or any of an array of delimiters.
//
// split(null, …) returns an empty array. The MFA built-ins call
// split(tryGet(requestContext().identity, '<amr claim>'), ',') and
// split(requestContext().identity.acrs, ','); the policy-rule page
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions)
// documents those claims without saying what an absent claim yields, and
// tryGet is documented to return null for a missing key. Failing here would
// turn every token without the claim into an evaluation error (an implicit
// deny) instead of letting the rule decide, so an absent claim splits into
// no values.
func fnSplit(a []any) (any, error) {
	if a[0] == nil {
		return []any{}, nil
	}
	s, err := argString("split", a, 0)
	if err != nil {
		return nil, err
	}
	var parts []string
	switch d := a[1].(type) {
	case string:
		return splitOne(s, d), nil
	case []any:
		seps := make([]string, len(d))
		for i, e := range d {
			str, ok := e.(string)
			if !ok {
				return nil, failf("split", "delimiter %d is of type '%s', expected 'String'", i, TypeName(e))
			}
			seps[i] = str
		}
		parts = splitAny(s, seps)
	default:
		return nil, typeErr("split", 2, a[1], "String or Array")
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// splitOne splits s at every occurrence of sep straight into the value
// model (one slice, no intermediate []string). An empty separator yields
// the whole string, as .NET's String.Split does.
func splitOne(s, sep string) []any {
	if sep == "" {
		return []any{s}
	}
	out := make([]any, 0, strings.Count(s, sep)+1)
	for {
		i := strings.Index(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(sep):]
	}
}

// splitAny splits s at every occurrence of any separator, trying them in
// order at each position.
func splitAny(s string, seps []string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); {
		matched := 0
		for _, sep := range seps {
			if sep != "" && strings.HasPrefix(s[i:], sep) {
				matched = len(sep)
				break
			}
		}
		if matched > 0 {
			parts = append(parts, s[start:i])
			i += matched
			start = i
			continue
		}
		i++
	}
	return append(parts, s[start:])
}

// fnString converts any value to text; arrays and objects become JSON.
func fnString(a []any) (any, error) { return toText(a[0]), nil }

func fnSubstring(a []any) (any, error) {
	s, err := argString("substring", a, 0)
	if err != nil {
		return nil, err
	}
	start, err := argInt("substring", a, 1)
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	length := int64(len(r)) - start
	if len(a) == 3 {
		if length, err = argInt("substring", a, 2); err != nil {
			return nil, err
		}
	}
	if start < 0 || length < 0 || start > int64(len(r)) || length > int64(len(r))-start {
		// Wording from the substring remarks of the ARM string-functions page.
		return nil, failf("substring", "The index and length parameters must refer to a location within the string. The index parameter: '%d', the length parameter: '%d', the length of the string parameter: '%d'.", start, length, len(r))
	}
	return string(r[start : start+length]), nil
}

func fnToLower(a []any) (any, error) {
	s, err := argString("toLower", a, 0)
	if err != nil {
		return nil, err
	}
	return strings.ToLower(s), nil
}

func fnToUpper(a []any) (any, error) {
	s, err := argString("toUpper", a, 0)
	if err != nil {
		return nil, err
	}
	return strings.ToUpper(s), nil
}

func fnTrim(a []any) (any, error) {
	s, err := argString("trim", a, 0)
	if err != nil {
		return nil, err
	}
	return strings.TrimSpace(s), nil
}

// fnURI combines a base URI and a relative URI as .NET's Uri(Uri, string)
// constructor does.
func fnURI(a []any) (any, error) {
	base, rel, err := twoStrings("uri", a)
	if err != nil {
		return nil, err
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return nil, failf("uri", "the base URI '%s' is not an absolute URI", base)
	}
	r, err := url.Parse(rel)
	if err != nil {
		return nil, failf("uri", "the relative URI '%s' is not valid: %v", rel, err)
	}
	return b.ResolveReference(r).String(), nil
}

// fnURIComponent escapes everything but RFC 3986 unreserved characters, as
// .NET's Uri.EscapeDataString.
func fnURIComponent(a []any) (any, error) {
	s, err := argString("uriComponent", a, 0)
	if err != nil {
		return nil, err
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String(), nil
}

func fnURIComponentToString(a []any) (any, error) {
	s, err := argString("uriComponentToString", a, 0)
	if err != nil {
		return nil, err
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return nil, failf("uriComponentToString", "the value is not a valid encoded URI component: %v", err)
	}
	return u, nil
}
