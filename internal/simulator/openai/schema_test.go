package openai_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// conforms is a small validator for the keywords the generator supports.
func conforms(v any, s, root map[string]any) error {
	if ref, ok := s["$ref"].(string); ok {
		defs, _ := root["$defs"].(map[string]any)
		return conforms(v, defs[ref[len("#/$defs/"):]].(map[string]any), root)
	}
	if enum, ok := s["enum"].([]any); ok {
		if !slices.Contains(enum, v) {
			return fmt.Errorf("%v not in %v", v, enum)
		}
		return nil
	}
	if opts, ok := s["anyOf"].([]any); ok {
		for _, o := range opts {
			if conforms(v, o.(map[string]any), root) == nil {
				return nil
			}
		}
		return fmt.Errorf("%v matches no anyOf option", v)
	}
	typ := s["type"]
	if list, ok := typ.([]any); ok {
		if v == nil && slices.Contains(list, any("null")) {
			return nil
		}
		typ = list[0]
	}
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%v is not an object", v)
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range s["required"].([]any) {
			if _, ok := m[r.(string)]; !ok {
				return fmt.Errorf("missing %s", r)
			}
		}
		for k, x := range m {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return fmt.Errorf("unexpected property %s", k)
			}
			if err := conforms(x, ps, root); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%v is not an array", v)
		}
		if mn, ok := s["minItems"].(float64); ok && len(a) < int(mn) {
			return fmt.Errorf("%d items < %v", len(a), mn)
		}
		if mx, ok := s["maxItems"].(float64); ok && len(a) > int(mx) {
			return fmt.Errorf("%d items > %v", len(a), mx)
		}
		for _, x := range a {
			if err := conforms(x, s["items"].(map[string]any), root); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%v is not a string", v)
		}
		if mx, ok := s["maxLength"].(float64); ok && len(str) > int(mx) {
			return fmt.Errorf("%q longer than %v", str, mx)
		}
		if mn, ok := s["minLength"].(float64); ok && len(str) < int(mn) {
			return fmt.Errorf("%q shorter than %v", str, mn)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok || (typ == "integer" && f != float64(int64(f))) {
			return fmt.Errorf("%v is not an %s", v, typ)
		}
		if mn, ok := s["minimum"].(float64); ok && f < mn {
			return fmt.Errorf("%v < %v", f, mn)
		}
		if mx, ok := s["maximum"].(float64); ok && f > mx {
			return fmt.Errorf("%v > %v", f, mx)
		}
	}
	return nil
}

func TestAnswersConformToSchemas(t *testing.T) {
	schemas := map[string]string{
		"flat": string(schema),
		"nested and arrays": `{"type":"object","additionalProperties":false,"required":["tags","address","maybe"],"properties":{
			"tags":{"type":"array","items":{"type":"string","maxLength":8},"minItems":2,"maxItems":4},
			"address":{"type":"object","additionalProperties":false,"required":["city","zip"],"properties":{"city":{"type":"string"},"zip":{"type":"string","minLength":40}}},
			"maybe":{"type":["string","null"]}}}`,
		"refs and anyOf": `{"type":"object","additionalProperties":false,"required":["p","q"],"$defs":{"P":{"type":"object","additionalProperties":false,"required":["n"],"properties":{"n":{"type":"integer","minimum":-5,"maximum":-1}}}},
			"properties":{"p":{"$ref":"#/$defs/P"},"q":{"anyOf":[{"type":"null"},{"type":"number","minimum":10,"maximum":11}]}}}`,
		"formats and const": `{"type":"object","additionalProperties":false,"required":["when","day","mail","id","kind"],"properties":{
			"when":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},"mail":{"type":"string","format":"email"},
			"id":{"type":"string","format":"uuid"},"kind":{"const":"customer"}}}`,
	}
	for name, sch := range schemas {
		t.Run(name, func(t *testing.T) {
			var root map[string]any
			if err := json.Unmarshal([]byte(sch), &root); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 25; i++ {
				got, err := openai.ExpectedJSON("prompt", fmt.Sprintf(`{"n":%d}`, i), []byte(sch))
				if err != nil {
					t.Fatal(err)
				}
				var v any
				if err := json.Unmarshal([]byte(got), &v); err != nil {
					t.Fatalf("not JSON: %s", got)
				}
				if err := conforms(v, root, root); err != nil {
					t.Fatalf("%s does not conform: %v", got, err)
				}
			}
		})
	}
}

func TestExpectedContentFormats(t *testing.T) {
	msgs := []openai.Message{{Role: "system", Content: "be brief, answer in json"}, {Role: "assistant", Content: "ignored"}, {Role: "user", Content: "hi"}}
	text, _ := openai.ExpectedContent(msgs, nil)
	obj, _ := openai.ExpectedContent(msgs, &openai.ResponseFormat{Type: openai.FormatJSONObject})
	if len(text) == 0 || !json.Valid([]byte(obj)) {
		t.Errorf("text %q object %q", text, obj)
	}
	noAssistant, _ := openai.ExpectedContent([]openai.Message{msgs[0], msgs[2]}, nil)
	if noAssistant != text {
		t.Error("assistant messages must not change the answer")
	}
	// The answer to a property does not move when another property is added.
	a, _ := openai.ExpectedJSON("p", "u", []byte(`{"type":"object","properties":{"x":{"type":"string"}}}`))
	b, _ := openai.ExpectedJSON("p", "u", []byte(`{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"boolean"}}}`))
	var ma, mb map[string]any
	_ = json.Unmarshal([]byte(a), &ma)
	_ = json.Unmarshal([]byte(b), &mb)
	if ma["x"] != mb["x"] {
		t.Errorf("x changed: %v vs %v", ma["x"], mb["x"])
	}
}

func TestCountTokens(t *testing.T) {
	for in, want := range map[string]int{"": 0, "hello world": 4, `{"a":1}`: 7, "supercalifragilistic": 5, "  a  ": 1} {
		if got := openai.CountTokens(in); got != want {
			t.Errorf("CountTokens(%q) = %d, want %d", in, got, want)
		}
	}
}
