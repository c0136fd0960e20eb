package mapping

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// Records arrive JSON-decoded: numbers as float64 or json.Number. CEL keeps
// int and double apart (1 + 1.0 is an error), and destinations show 120, not
// 120.0, so every number is normalized: integral → int64, others → float64.

// maxExactInt bounds the floats that convert to int64 without loss.
const maxExactInt = 1 << 53

// normalizeFloat returns f as int64 when it is integral and exactly
// representable, else f itself.
func normalizeFloat(f float64) any {
	if f == math.Trunc(f) && f >= -maxExactInt && f <= maxExactInt {
		return int64(f)
	}
	return f
}

// normalizeJSONNumber parses a json.Number; an unparsable one stays text.
func normalizeJSONNumber(n json.Number) any {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(string(n), 64); err == nil {
		return normalizeFloat(f)
	}
	return string(n)
}

// parseNumber reads a number written as text ("25", " 12.5 "); ok is false
// for anything else, including "" and NaN/Inf spellings.
func parseNumber(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return normalizeFloat(f), true
}

// normalize returns a copy of v holding only the JSON value types the engine
// works with: nil, string, bool, int64, float64, []any, map[string]any (and
// time.Time, formatted as RFC 3339 on the wire).
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64, time.Time:
		return x, nil
	case float64:
		return normalizeFloat(x), nil
	case json.Number:
		return normalizeJSONNumber(x), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u <= math.MaxInt64 {
			return int64(u), nil
		}
		return float64(u), nil
	case reflect.Float32, reflect.Float64:
		return normalizeFloat(rv.Float()), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalize(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			n, err := normalize(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = n
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return normalize(rv.Elem().Interface())
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

// adapter turns JSON-decoded values into CEL values lazily, normalizing
// numbers on the way, so a record is never copied before evaluation and
// only the parts a formula reads are converted (see celvalues.go).
type adapter struct{}

var jsonAdapter types.Adapter = adapter{}

// NativeToValue implements types.Adapter.
func (a adapter) NativeToValue(v any) ref.Val {
	switch x := v.(type) {
	case nil:
		return types.NullValue
	case string:
		return types.String(x)
	case jsonObject:
		return x
	case bool:
		return types.Bool(x)
	case int64:
		return types.Int(x)
	case float64:
		return numberVal(x)
	case json.Number:
		return a.NativeToValue(normalizeJSONNumber(x))
	case map[string]any:
		return jsonObject(x)
	case []any:
		return jsonArray(x)
	case ref.Val:
		return x
	case time.Time:
		return types.Timestamp{Time: x}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32:
		return types.Int(rv.Int())
	case reflect.Float32:
		return numberVal(rv.Float())
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() != reflect.Uint8 {
			return types.NewDynamicList(a, v)
		}
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			return types.NewDynamicMap(a, v)
		}
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

func numberVal(f float64) ref.Val {
	switch n := normalizeFloat(f).(type) {
	case int64:
		return types.Int(n)
	default:
		return types.Double(f)
	}
}

// fromCEL turns a formula's result into a normalized Go value.
func fromCEL(v ref.Val) (any, error) {
	switch x := v.(type) {
	case types.String:
		return string(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), nil
		}
		return float64(x), nil
	case types.Double:
		return normalizeFloat(float64(x)), nil
	case types.Bool:
		return bool(x), nil
	case types.Null:
		return nil, nil
	case types.Timestamp:
		return x.Time, nil
	case types.Duration:
		return x.Duration.String(), nil
	case *types.Optional:
		if !x.HasValue() {
			return nil, nil
		}
		return fromCEL(x.GetValue())
	case *types.Err:
		return nil, x
	case traits.Lister:
		n, ok := x.Size().(types.Int)
		if !ok {
			return nil, fmt.Errorf("list of unknown size")
		}
		out := make([]any, int(n))
		for i := range out {
			e, err := fromCEL(x.Get(types.Int(i)))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case traits.Mapper:
		out := map[string]any{}
		it := x.Iterator()
		for it.HasNext() == types.True {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", k)
			}
			e, err := fromCEL(x.Get(k))
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	}
	if v == nil {
		return nil, nil
	}
	return nil, fmt.Errorf("a %s value cannot be written to a customer field", v.Type().TypeName())
}
