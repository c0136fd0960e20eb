package connector

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// DecodeJSON decodes data into out like json.Unmarshal, except that numbers
// landing in untyped values (any, map[string]any, []any) become int64 when
// they are whole and fit, float64 otherwise, the value types Payload and
// the mapping's CEL environment expect (json.Unmarshal would give float64
// and lose ids above 2^53).
func DecodeJSON(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return err
	}
	switch p := out.(type) {
	case *any:
		*p = NormalizeNumbers(*p)
	case *map[string]any:
		for k, v := range *p {
			(*p)[k] = NormalizeNumbers(v)
		}
	case *[]any:
		for i, v := range *p {
			(*p)[i] = NormalizeNumbers(v)
		}
	case *[]map[string]any:
		for _, m := range *p {
			for k, v := range m {
				m[k] = NormalizeNumbers(v)
			}
		}
	}
	return nil
}

// NormalizeNumbers replaces json.Number values, recursively, with int64 or
// float64.
func NormalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f
		}
		return string(x)
	case map[string]any:
		for k, e := range x {
			x[k] = NormalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = NormalizeNumbers(e)
		}
		return x
	}
	return v
}
