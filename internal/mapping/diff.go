package mapping

import (
	"math"

	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Change is one field a write would change, with both values as display
// strings (lists and maps as compact JSON). The values are the customer's
// own: callers that store changes (a dry run's status) bound their size.
type Change struct {
	// Field is the standard field's PascalCase name or the custom field's name.
	Field string `json:"field"`
	// Custom is true for a custom field.
	Custom bool   `json:"custom,omitempty"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// Diff lists the fields of desired that differ from the current destination
// record (nil: no record yet, every value is new). Only fields present in
// desired are compared, as a write leaves the others alone; custom fields
// merge by name. A number and a numeric string are equal by value ("120"
// and 120), null and "" are equal. Standard fields come first, then custom
// fields, each sorted by name. An empty result means the write can be
// skipped.
func Diff(desired customer.Payload, current *customer.Record) []Change {
	var cur customer.Payload
	if current != nil {
		cur = current.Payload
	}
	var out []Change
	for _, name := range sortedKeys(desired.Fields) {
		to, from := desired.Fields[name], cur.Fields[name]
		if sameValue(from, to) {
			continue
		}
		out = append(out, Change{Field: name, From: display(from), To: display(to)})
	}
	for _, name := range sortedKeys(desired.CustomFields) {
		to, from := desired.CustomFields[name], cur.CustomFields[name]
		if sameValue(from, to) {
			continue
		}
		out = append(out, Change{Field: name, Custom: true, From: from, To: to})
	}
	return out
}

// sameValue compares two wire values as the destination would store them.
func sameValue(a, b any) bool {
	a, b = mustNormalize(a), mustNormalize(b)
	if isEmpty(a) || isEmpty(b) {
		return isEmpty(a) && isEmpty(b)
	}
	if ai, ok := a.(int64); ok {
		if bi, ok := b.(int64); ok {
			return ai == bi
		}
	}
	if x, ok := numeric(a, b); ok {
		y, _ := numeric(b, a)
		return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	switch a.(type) {
	case []any, map[string]any:
		return display(a) == display(b)
	}
	switch b.(type) {
	case []any, map[string]any:
		return false
	}
	sa, errA := toText(a)
	sb, errB := toText(b)
	return errA == nil && errB == nil && sa == sb
}

// numeric returns v as a float when v and other can be compared by value:
// at least one of them is a number and the other a number or numeric text.
func numeric(v, other any) (float64, bool) {
	_, vText := v.(string)
	_, oText := other.(string)
	if vText && oText {
		return 0, false
	}
	f, ok := asFloat(v)
	if !ok {
		return 0, false
	}
	_, ok = asFloat(other)
	return f, ok
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		n, ok := parseNumber(x)
		if !ok {
			return 0, false
		}
		return asFloat(n)
	}
	return 0, false
}

// display writes a value for a person: text as is, lists and maps as JSON.
func display(v any) string {
	v = mustNormalize(v)
	switch v.(type) {
	case []any, map[string]any:
		s, err := encodeJSON(v)
		if err != nil {
			return "<unprintable>"
		}
		return s
	}
	s, err := toText(v)
	if err != nil {
		return "<unprintable>"
	}
	return s
}
