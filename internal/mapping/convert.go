package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// toWire converts a normalized value to a destination field's wire type.
// nil stays nil (no value); the error says what the value was, in a word,
// and what the field needs.
func toWire(w wireType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch w {
	case wireInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return nil, fmt.Errorf("%s is too large for an integer field", formatFloat(x))
			}
			return nil, fmt.Errorf("%s is not a whole number; the field needs an integer", formatFloat(x))
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, nil
			}
			if n, ok := parseNumber(x); ok {
				if i, ok := n.(int64); ok {
					return i, nil
				}
			}
			return nil, fmt.Errorf("%q is not an integer", shorten(x, 40))
		}
		return nil, fmt.Errorf("a %s cannot be written to an integer field", kindOf(v))
	case wireList:
		if l, ok := v.([]any); ok {
			return l, nil
		}
		return nil, fmt.Errorf("a %s cannot be written to a list field; return a list", kindOf(v))
	}
	return toText(v)
}

// toText is the string wire form: numbers without exponent, bools as
// "true"/"false", times in RFC 3339.
func toText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a finite number", x)
		}
		return formatFloat(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("a %s cannot be written to a text field; use join() or toJSON()", kindOf(v))
}

// formatFloat writes f without exponent: 1e21 → "1000000000000000000000".
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// kindOf names a normalized value's JSON kind for messages, without its content.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case int64, float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	case time.Time:
		return "timestamp"
	}
	return fmt.Sprintf("%T", v)
}

// staticToWire converts the text of a Static value, a default or a lookup
// table entry to the wire type: integers are parsed, lists are JSON.
func staticToWire(w wireType, s string) (any, error) {
	switch w {
	case wireInt:
		return toWire(wireInt, s)
	case wireList:
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("is not a JSON list: %v", err)
		}
		if _, ok := v.([]any); !ok {
			return nil, fmt.Errorf("is a JSON %s; the field needs a list", kindOf(v))
		}
		return v, nil
	}
	return s, nil
}

// decodeJSON decodes one JSON value with numbers normalized.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return normalize(v)
}

// encodeJSON writes v compactly with sorted keys and without HTML escaping,
// so toJSON() and diffs are deterministic and readable.
func encodeJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// mustNormalize normalizes a scalar; an unsupported value becomes its kind
// so callers report it instead of crashing.
func mustNormalize(v any) any {
	n, err := normalize(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return n
}
