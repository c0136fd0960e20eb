package mapping

import (
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// functionLib is the helpers formulas need to turn one system's customer
// into another's, as iPaaS.com's formula helpers do. Every helper is
// deterministic: there is no now(), so a dry run and the real run agree.
// docs/mapping.md documents each with an example.
type functionLib struct{}

// LibraryName implements cel.Library.
func (functionLib) LibraryName() string { return "customersync.mapping" }

// CompileOptions implements cel.Library.
func (functionLib) CompileOptions() []cel.EnvOption {
	listDyn := cel.ListType(cel.DynType)
	return []cel.EnvOption{
		cel.Function("firstWord",
			cel.Overload("firstWord_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return splitName(v, true) }))),
		cel.Function("lastWords",
			cel.Overload("lastWords_dyn", []*cel.Type{cel.DynType}, cel.StringType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return splitName(v, false) }))),
		cel.Function("sum",
			cel.Overload("sum_list", []*cel.Type{listDyn}, cel.DynType, cel.UnaryBinding(sumList)),
			cel.MemberOverload("list_sum", []*cel.Type{listDyn}, cel.DynType, cel.UnaryBinding(sumList))),
		cel.Function("default",
			cel.Overload("default_dyn_dyn", []*cel.Type{cel.DynType, cel.DynType}, cel.DynType,
				cel.BinaryBinding(defaultValue))),
		cel.Function("customField",
			cel.Overload("customField_dyn_string", []*cel.Type{cel.DynType, cel.StringType}, cel.StringType,
				cel.BinaryBinding(customFieldValue))),
		cel.Function("toJSON",
			cel.Overload("toJSON_dyn", []*cel.Type{cel.DynType}, cel.StringType, cel.UnaryBinding(toJSONValue))),
		cel.Function("formatTime",
			cel.Overload("formatTime_dyn_string", []*cel.Type{cel.DynType, cel.StringType}, cel.StringType,
				cel.BinaryBinding(formatTimeValue))),
	}
}

// ProgramOptions implements cel.Library.
func (functionLib) ProgramOptions() []cel.ProgramOption { return nil }

// splitName returns the first word of a full name, or the words after it:
// "Jane van Doe" → "Jane" / "van Doe". null gives "".
func splitName(v ref.Val, first bool) ref.Val {
	var s string
	switch x := v.(type) {
	case types.String:
		s = string(x)
	case types.Null:
		return types.String("")
	default:
		return types.NewErr("%s needs a string, got %s", nameFunc(first), v.Type().TypeName())
	}
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, isSpace)
	if i < 0 {
		if first {
			return types.String(s)
		}
		return types.String("")
	}
	if first {
		return types.String(s[:i])
	}
	return types.String(strings.Join(strings.Fields(s[i:]), " "))
}

func nameFunc(first bool) string {
	if first {
		return "firstWord"
	}
	return "lastWords"
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' }

// sumList adds ints, doubles and numeric strings; null and "" count as 0, as
// a missing 99minds amount does. The result is an int while every element
// is integral, else a double.
func sumList(v ref.Val) ref.Val {
	l, ok := v.(traits.Lister)
	if !ok {
		return types.NewErr("sum needs a list, got %s", v.Type().TypeName())
	}
	var isum int64
	var fsum float64
	isFloat := false
	it := l.Iterator()
	for i := 0; it.HasNext() == types.True; i++ {
		e := it.Next()
		var n any
		switch x := e.(type) {
		case types.Int:
			n = int64(x)
		case types.Uint:
			n = normalizeFloat(float64(x))
		case types.Double:
			n = normalizeFloat(float64(x))
		case types.Null:
			continue
		case types.String:
			if strings.TrimSpace(string(x)) == "" {
				continue
			}
			p, ok := parseNumber(string(x))
			if !ok {
				return types.NewErr("sum: element %d is %q, not a number", i, shorten(string(x), 20))
			}
			n = p
		default:
			return types.NewErr("sum: element %d is a %s, not a number", i, e.Type().TypeName())
		}
		switch x := n.(type) {
		case int64:
			if isFloat {
				fsum += float64(x)
				continue
			}
			s := isum + x
			if (s > isum) != (x > 0) {
				return types.NewErr("sum: integer overflow")
			}
			isum = s
		case float64:
			if !isFloat {
				isFloat = true
				fsum = float64(isum)
			}
			fsum += x
		}
	}
	if isFloat {
		return numberVal(fsum)
	}
	return types.Int(isum)
}

// defaultValue returns fallback when value is null or "".
func defaultValue(value, fallback ref.Val) ref.Val {
	switch x := value.(type) {
	case types.Null:
		return fallback
	case types.String:
		if x == "" {
			return fallback
		}
	}
	return value
}

// customFieldValue reads the value of an iPaaS.com record's custom field by
// name from its custom_fields list; "" when the record has none by that name.
func customFieldValue(record, name ref.Val) ref.Val {
	m, ok := record.(traits.Mapper)
	if !ok {
		if _, isNull := record.(types.Null); isNull {
			return types.String("")
		}
		return types.NewErr("customField needs a record (map), got %s", record.Type().TypeName())
	}
	fields, found := m.Find(types.String("custom_fields"))
	if !found {
		return types.String("")
	}
	l, ok := fields.(traits.Lister)
	if !ok {
		return types.String("")
	}
	it := l.Iterator()
	for it.HasNext() == types.True {
		entry, ok := it.Next().(traits.Mapper)
		if !ok {
			continue
		}
		n, found := entry.Find(types.String("custom_field_name"))
		if !found || n.Equal(name) != types.True {
			continue
		}
		val, found := entry.Find(types.String("value"))
		if !found {
			return types.String("")
		}
		g, err := fromCEL(val)
		if err != nil {
			return types.NewErr("customField: %v", err)
		}
		s, err := toText(g)
		if err != nil {
			return types.NewErr("customField: %v", err)
		}
		return types.String(s)
	}
	return types.String("")
}

// toJSONValue writes any value as compact JSON with sorted keys.
func toJSONValue(v ref.Val) ref.Val {
	g, err := fromCEL(v)
	if err != nil {
		return types.NewErr("toJSON: %v", err)
	}
	s, err := encodeJSON(g)
	if err != nil {
		return types.NewErr("toJSON: %v", err)
	}
	return types.String(s)
}

// formatTimeValue formats an RFC 3339 string or a timestamp with a Go
// layout, keeping the input's own offset.
func formatTimeValue(v, layout ref.Val) ref.Val {
	l, ok := layout.(types.String)
	if !ok {
		return types.NewErr("formatTime needs a layout string")
	}
	var t time.Time
	switch x := v.(type) {
	case types.String:
		p, err := time.Parse(time.RFC3339Nano, string(x))
		if err != nil {
			return types.NewErr("formatTime: %q is not an RFC 3339 time", shorten(string(x), 40))
		}
		t = p
	case types.Timestamp:
		t = x.Time
	default:
		return types.NewErr("formatTime needs an RFC 3339 string or a timestamp, got %s", v.Type().TypeName())
	}
	if len(l) > 256 {
		return types.NewErr("formatTime: layout longer than 256 characters")
	}
	return types.String(t.Format(string(l)))
}
