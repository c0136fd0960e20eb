package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// DecodeJSON decodes data into out like json.Unmarshal, except that numbers
// landing in untyped values (any, map[string]any, []any) become int64 when
// they are whole and fit, float64 otherwise, the value types Payload and
// the mapping's CEL environment expect (json.Unmarshal would give float64
// and lose ids above 2^53).
func DecodeJSON(data []byte, out any) error {
	switch out.(type) {
	case *any, *map[string]any, *[]any, *[]map[string]any:
		v, err := ParseJSON(data)
		if err != nil {
			return err
		}
		return Store(v, out)
	}
	// Typed values: encoding/json, numbers in their untyped fields kept as
	// json.Number.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(out)
}

// Store puts a value ParseJSON returned into out (*any, *map[string]any,
// *[]any or *[]map[string]any) as json.Unmarshal would have: for a value
// nested in an answer already parsed, such as an envelope's data.
func Store(v any, out any) error {
	switch p := out.(type) {
	case *any:
		*p = v
	case *map[string]any:
		return intoMap(v, p)
	case *[]any:
		switch a := v.(type) {
		case nil:
			*p = nil
		case []any:
			*p = a
		default:
			return mismatch(v, "[]any")
		}
	case *[]map[string]any:
		switch a := v.(type) {
		case nil:
			*p = nil
		case []any:
			ms := make([]map[string]any, len(a))
			for i, e := range a {
				if err := intoMap(e, &ms[i]); err != nil {
					return err
				}
			}
			*p = ms
		default:
			return mismatch(v, "[]map[string]any")
		}
	default:
		return fmt.Errorf("json: cannot store a parsed value into %T", out)
	}
	return nil
}

// intoMap stores a parsed value in *p as json.Unmarshal would: null leaves
// a nil map, an object's keys go into the map already there.
func intoMap(v any, p *map[string]any) error {
	switch m := v.(type) {
	case nil:
		*p = nil
	case map[string]any:
		if *p == nil {
			*p = m
			return nil
		}
		for k, e := range m {
			(*p)[k] = e
		}
	default:
		return mismatch(v, "map[string]any")
	}
	return nil
}

func mismatch(v any, into string) error {
	kind := "a value"
	switch v.(type) {
	case map[string]any:
		kind = "an object"
	case []any:
		kind = "an array"
	case string:
		kind = "a string"
	case bool:
		kind = "a boolean"
	case int64, float64:
		kind = "a number"
	}
	return fmt.Errorf("json: cannot decode %s into %s", kind, into)
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
