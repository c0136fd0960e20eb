package openai

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/sashabaranov/go-openai/jsonschema"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// schema is the answer's JSON schema: what was sent and what the answer
// is checked against.
type schema struct {
	props map[string]property
	names []string        // sorted
	raw   json.RawMessage // canonical JSON, exactly as sent
}

type property struct {
	typ  jsonschema.DataType
	enum []string // sorted, distinct; String only
}

var fieldTypes = map[v1alpha1.ResponseFieldType]jsonschema.DataType{
	"": jsonschema.String, v1alpha1.ResponseFieldString: jsonschema.String, v1alpha1.ResponseFieldBoolean: jsonschema.Boolean,
	v1alpha1.ResponseFieldNumber: jsonschema.Number, v1alpha1.ResponseFieldInteger: jsonschema.Integer,
}

// Schema returns response_format.json_schema.schema for these fields, as
// sent: an object whose properties are the fields (type, enum,
// description), all required, additionalProperties false (strict mode).
// It is canonical: properties and required are sorted by name and enum
// values sorted and deduplicated (the CRD declares them a set), so the
// order of the fields or of their enums changes nothing.
func Schema(fields []v1alpha1.ResponseField) (json.RawMessage, error) {
	s, err := newSchema(fields)
	if err != nil {
		return nil, err
	}
	return slices.Clone(s.raw), nil
}

func newSchema(fields []v1alpha1.ResponseField) (*schema, error) {
	if len(fields) == 0 {
		return nil, connector.InvalidConfig(System, "openAI.responseFields is empty: the model must be asked for at least one property")
	}
	s := &schema{props: make(map[string]property, len(fields))}
	def := jsonschema.Definition{Type: jsonschema.Object, Properties: make(map[string]jsonschema.Definition, len(fields)), AdditionalProperties: false}
	for _, f := range fields {
		typ, ok := fieldTypes[f.Type]
		switch {
		case f.Name == "":
			return nil, connector.InvalidConfig(System, "a response field has no name")
		case s.props[f.Name].typ != "":
			return nil, connector.InvalidConfig(System, fmt.Sprintf("response field %q is declared twice", f.Name))
		case !ok:
			return nil, connector.InvalidConfig(System, fmt.Sprintf("response field %q has unknown type %q", f.Name, f.Type))
		case len(f.Enum) > 0 && typ != jsonschema.String:
			return nil, connector.InvalidConfig(System, fmt.Sprintf("response field %q: enum applies to String fields only", f.Name))
		}
		enum := slices.Compact(slices.Sorted(slices.Values(f.Enum)))
		s.props[f.Name] = property{typ: typ, enum: enum}
		s.names = append(s.names, f.Name)
		def.Properties[f.Name] = jsonschema.Definition{Type: typ, Enum: enum, Description: f.Description}
	}
	slices.Sort(s.names)
	def.Required = s.names
	raw, err := json.Marshal(&def)
	if err != nil {
		return nil, connector.InvalidConfig(System, "the response schema cannot be encoded: "+err.Error())
	}
	s.raw = raw
	return s, nil
}

// check decodes an answer and checks it against the schema. It returns
// the problems found, naming properties (never values: they may quote the
// customer), or nil.
func (s *schema) check(content string) (map[string]any, []string) {
	var out map[string]any
	if err := connector.DecodeJSON([]byte(content), &out); err != nil || out == nil {
		return nil, []string{"the answer is not a JSON object"}
	}
	var problems []string
	for _, name := range s.names {
		v, ok := out[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("property %q is missing", name))
			continue
		}
		p := s.props[name]
		v, ok = conform(p.typ, v)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("property %q is not of type %s", name, p.typ))
		case len(p.enum) > 0 && !slices.Contains(p.enum, v.(string)):
			problems = append(problems, fmt.Sprintf("property %q is not one of its enum values", name))
		default:
			out[name] = v
		}
	}
	if extra := len(out) - len(s.names) + countMissing(out, s.names); extra > 0 {
		problems = append(problems, fmt.Sprintf("%d propert%s not in the schema", extra, plural(extra, "y is", "ies are")))
	}
	return out, problems
}

// conform reports whether v has JSON type typ, turning a whole float into
// the int64 an integer property holds.
func conform(typ jsonschema.DataType, v any) (any, bool) {
	switch typ {
	case jsonschema.String:
		_, ok := v.(string)
		return v, ok
	case jsonschema.Boolean:
		_, ok := v.(bool)
		return v, ok
	case jsonschema.Number:
		switch v.(type) {
		case int64, float64:
			return v, true
		}
	case jsonschema.Integer:
		switch n := v.(type) {
		case int64:
			return n, true
		case float64:
			if n >= -(1<<63) && n < 1<<63 && n == math.Trunc(n) {
				return int64(n), true
			}
		}
	}
	return v, false
}

func countMissing(out map[string]any, names []string) int {
	n := 0
	for _, name := range names {
		if _, ok := out[name]; !ok {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
