package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ARMError is the error object of an ARM error response ({"error": {...}}),
// with the parts az prints.
type ARMError struct {
	// Code is the machine-readable error code, e.g. RequestDisallowedByPolicy.
	Code string
	// Message is the human-readable message.
	Message string
	// Target names what the error is about ("" when absent).
	Target string
	// Details are nested errors, printed under "Exception Details:".
	Details []ARMError
	// AdditionalInfo holds typed extra information, such as PolicyViolation.
	AdditionalInfo []AdditionalInfo
	// InnerError is printed as JSON when not empty (ODataV4 "innererror").
	InnerError any
}

// AdditionalInfo is one entry of an ARM error's additionalInfo, such as the
// PolicyViolation entry of a RequestDisallowedByPolicy error.
type AdditionalInfo struct {
	// Type names the kind of information, e.g. PolicyViolation.
	Type string
	// Info is printed as JSON; use *OrderedMap to keep the service's key order.
	Info any
}

// ErrorDetail adds an optional part to the error WriteError prints.
type ErrorDetail func(*ARMError)

// WithTarget sets the error's target (the "Target:" line).
func WithTarget(target string) ErrorDetail { return func(e *ARMError) { e.Target = target } }

// WithAdditionalInfo appends an additionalInfo entry ("Additional Information:").
func WithAdditionalInfo(typ string, info any) ErrorDetail {
	return func(e *ARMError) { e.AdditionalInfo = append(e.AdditionalInfo, AdditionalInfo{Type: typ, Info: info}) }
}

// WithDetails appends nested errors ("Exception Details:").
func WithDetails(details ...ARMError) ErrorDetail {
	return func(e *ARMError) { e.Details = append(e.Details, details...) }
}

// WriteError prints an ARM error the way az prints one on stderr:
//
//	ERROR: (Code) Message
//	Code: Code
//	Message: Message
//	Target: …
//	Additional Information:Type: PolicyViolation
//	Info: { …JSON, 4-space indent… }
//
// The text after "ERROR: " is azure-core's str() of the HTTP error with
// azure-mgmt-core's ARMErrorFormat; the "ERROR: " prefix is knack's log format.
func WriteError(w io.Writer, code, message string, details ...ErrorDetail) error {
	e := ARMError{Code: code, Message: message}
	for _, d := range details {
		d(&e)
	}
	return WriteARMError(w, e)
}

// WriteARMError is WriteError for an ARMError value.
func WriteARMError(w io.Writer, e ARMError) error {
	text, err := e.Format()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "ERROR: "+text+"\n"); err != nil {
		return fmt.Errorf("write error message: %w", err)
	}
	return nil
}

// Format returns the error text without az's "ERROR: " prefix: "(Code)
// Message" then the details lines.
func (e ARMError) Format() (string, error) {
	body, err := e.details()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("(%s) %s\n%s", e.Code, e.Message, body), nil
}

// details is ARMErrorFormat.message_details: Code, Message, Target, nested
// details indented by a tab, inner error, additional information.
func (e ARMError) details() (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Code: %s\nMessage: %s", e.Code, e.Message)
	if e.Target != "" {
		fmt.Fprintf(&b, "\nTarget: %s", e.Target)
	}
	if len(e.Details) > 0 {
		b.WriteString("\nException Details:")
		for _, d := range e.Details {
			text, err := d.Format()
			if err != nil {
				return "", err
			}
			lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
			for i := range lines {
				lines[i] = "\t" + lines[i]
			}
			b.WriteString(strings.Join(lines, "\n"))
		}
	}
	if !emptyJSON(e.InnerError) {
		inner, err := pyJSONIndent4(e.InnerError)
		if err != nil {
			return "", fmt.Errorf("format inner error: %w", err)
		}
		b.WriteString("\nInner error: " + inner)
	}
	if len(e.AdditionalInfo) > 0 {
		b.WriteString("\nAdditional Information:")
		for _, ai := range e.AdditionalInfo {
			info, err := pyJSONIndent4(ai.Info)
			if err != nil {
				return "", fmt.Errorf("format additional info %s: %w", ai.Type, err)
			}
			fmt.Fprintf(&b, "Type: %s\nInfo: %s", ai.Type, info)
		}
	}
	return b.String(), nil
}

// emptyJSON is Python's falsiness for the inner error: None or empty object.
func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case *OrderedMap:
		return x == nil || x.Len() == 0
	}
	return false
}

// ParseARMError decodes an ARM error response body ({"error": {...}} or the
// bare error object), keeping the key order of additionalInfo and
// innererror objects as the service sent them, as az prints them.
func ParseARMError(body []byte) (ARMError, error) {
	v, err := decodeOrdered(body)
	if err != nil {
		return ARMError{}, fmt.Errorf("decode ARM error: %w", err)
	}
	root, ok := v.(*OrderedMap)
	if !ok {
		return ARMError{}, fmt.Errorf("decode ARM error: body is %T, not an object", v)
	}
	if inner, ok := root.Get("error"); ok {
		if m, ok := inner.(*OrderedMap); ok {
			root = m
		}
	}
	return armErrorFrom(root), nil
}

func armErrorFrom(m *OrderedMap) ARMError {
	str := func(k string) string {
		v, _ := m.Get(k)
		s, _ := v.(string)
		return s
	}
	e := ARMError{Code: str("code"), Message: str("message"), Target: str("target")}
	if d, ok := m.Get("details"); ok {
		if list, ok := d.([]any); ok {
			for _, x := range list {
				if dm, ok := x.(*OrderedMap); ok {
					e.Details = append(e.Details, armErrorFrom(dm))
				}
			}
		}
	}
	if ie, ok := m.Get("innererror"); ok {
		e.InnerError = ie
	}
	if ai, ok := m.Get("additionalInfo"); ok {
		if list, ok := ai.([]any); ok {
			for _, x := range list {
				if am, ok := x.(*OrderedMap); ok {
					typ, _ := am.Get("type")
					info, _ := am.Get("info")
					s, _ := typ.(string)
					e.AdditionalInfo = append(e.AdditionalInfo, AdditionalInfo{Type: s, Info: info})
				}
			}
		}
	}
	return e
}

// decodeOrdered decodes JSON keeping object key order (*OrderedMap) and
// integer literals as int64.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeOrderedValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func decodeOrderedValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := &OrderedMap{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrderedValue(dec)
				if err != nil {
					return nil, fmt.Errorf("key %q: %w", k, err)
				}
				m.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeOrderedValue(dec)
				if err != nil {
					return nil, fmt.Errorf("index %d: %w", len(list), err)
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return list, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %q", t)
	case json.Number:
		return numberValue(t), nil
	}
	return tok, nil
}
