package openai_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

func TestCompleteReturnsPredictedAnswer(t *testing.T) {
	s := start(t, sim.Options{})
	c := newClient(t, config(s))
	a, err := c.Complete(ctx, request(prompt))
	if err != nil {
		t.Fatal(err)
	}
	want, usage := expected(t, prompt)
	if !reflect.DeepEqual(a.Fields, want) {
		t.Errorf("fields %v\nwant   %v", a.Fields, want)
	}
	if a.Usage != usage || a.Usage.TotalTokens == 0 {
		t.Errorf("usage %+v, want %+v", a.Usage, usage)
	}
	if a.Model != openai.DefaultModel || a.FinishReason != "stop" {
		t.Errorf("model %q, finish %q", a.Model, a.FinishReason)
	}
	if _, ok := a.Fields["Score"].(int64); !ok {
		t.Errorf("Score is %T, want int64", a.Fields["Score"])
	}
	if k := a.Fields["Known To Film"]; k != "TRUE" && k != "FALSE" {
		t.Errorf("Known To Film = %v", k)
	}
	if s.CountFor(sim.RouteChat) != 1 {
		t.Errorf("counts %v", s.Counts())
	}
}

func TestCompleteSendsPromptMappedFieldsAndStrictSchema(t *testing.T) {
	s := start(t, sim.Options{})
	if _, err := newClient(t, config(s)).Complete(ctx, request(prompt)); err != nil {
		t.Fatal(err)
	}
	sent := s.ChatRequests(1)[0]
	if sent.Model != openai.DefaultModel || sent.Stream {
		t.Errorf("model %q stream %v", sent.Model, sent.Stream)
	}
	wantMsgs := []sim.Message{{Role: "system", Content: prompt}, {Role: "user", Content: janeJSON}}
	if !reflect.DeepEqual(sent.Messages, wantMsgs) {
		t.Errorf("messages %+v", sent.Messages)
	}
	f := sent.ResponseFormat
	if f == nil || f.Type != sim.FormatJSONSchema || f.JSONSchema == nil || f.JSONSchema.Name != openai.SchemaName || !f.JSONSchema.Strict {
		t.Fatalf("response_format %+v", f)
	}
	var schema struct {
		Type                 string   `json:"type"`
		Required             []string `json:"required"`
		AdditionalProperties *bool    `json:"additionalProperties"`
		Properties           map[string]struct {
			Type        string   `json:"type"`
			Enum        []string `json:"enum"`
			Description string   `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(f.JSONSchema.Schema, &schema); err != nil {
		t.Fatal(err)
	}
	names := []string{"Comment", "Known To Film", "Ratio", "Score", "Vip"}
	if schema.Type != "object" || !slices.Equal(schema.Required, names) || schema.AdditionalProperties == nil || *schema.AdditionalProperties {
		t.Errorf("schema %s", f.JSONSchema.Schema)
	}
	types := map[string]string{"Comment": "string", "Known To Film": "string", "Ratio": "number", "Score": "integer", "Vip": "boolean"}
	for name, typ := range types {
		if p := schema.Properties[name]; p.Type != typ {
			t.Errorf("%s: type %q, want %q", name, p.Type, typ)
		}
	}
	if p := schema.Properties["Known To Film"]; !slices.Equal(p.Enum, []string{"FALSE", "TRUE"}) {
		t.Errorf("enum %v", p.Enum)
	}
	if p := schema.Properties["Comment"]; p.Description != "A short, bulleted summary of the customer." {
		t.Errorf("description %q", p.Description)
	}
	if len(schema.Properties) != len(types) {
		t.Errorf("properties %v", schema.Properties)
	}
	// The schema sent is exactly what Schema returns (the engine and tests
	// can predict answers from it).
	want, _ := openai.Schema(responseFields())
	if string(f.JSONSchema.Schema) != string(want) {
		t.Errorf("schema sent %s\nSchema()    %s", f.JSONSchema.Schema, want)
	}
	// Nothing else leaves the cluster: no temperature or token limit unless
	// configured, no user id, no metadata.
	if keys := keysOf(body(t, s)); !slices.Equal(keys, []string{"messages", "model", "response_format", "stream"}) {
		t.Errorf("body keys %v", keys)
	}
}

func TestTemperatureAndTokenLimitAreSentWhenSet(t *testing.T) {
	s := start(t, sim.Options{})
	for _, tc := range []struct{ temperature, want string }{
		{"0.2", "0.2"}, {"1", "1"}, {"2.0", "2"},
		{"0", "1e-45"}, // go-openai omits 0: the smallest float32 stands in for it
	} {
		cfg := config(s)
		cfg.Temperature, cfg.MaxCompletionTokens = tc.temperature, 300
		if _, err := newClient(t, cfg).Complete(ctx, request(prompt)); err != nil {
			t.Fatal(err)
		}
		b := body(t, s)
		if got := string(b["temperature"]); got != tc.want {
			t.Errorf("temperature %q sent as %s, want %s", tc.temperature, got, tc.want)
		}
		if got := string(b["max_completion_tokens"]); got != "300" {
			t.Errorf("max_completion_tokens %s", got)
		}
		if _, ok := b["max_tokens"]; ok {
			t.Error("max_tokens sent")
		}
	}
}

func TestBadRequestsAreNotSent(t *testing.T) {
	s := start(t, sim.Options{})
	c := newClient(t, config(s))
	dup := append(jane(), openai.Field{Name: "FirstName", Value: "Joan"})
	cases := []struct {
		name string
		req  openai.Request
		kind connector.Kind
	}{
		{"empty prompt", openai.Request{Prompt: " \n", Fields: jane(), ResponseFields: responseFields()}, connector.KindValidation},
		{"no fields", openai.Request{Prompt: prompt, ResponseFields: responseFields()}, connector.KindValidation},
		{"duplicate field", openai.Request{Prompt: prompt, Fields: dup, ResponseFields: responseFields()}, connector.KindValidation},
		{"unencodable value", openai.Request{Prompt: prompt, Fields: []openai.Field{{Name: "Score", Value: func() {}}}, ResponseFields: responseFields()}, connector.KindValidation},
		{"no response fields", openai.Request{Prompt: prompt, Fields: jane()}, connector.KindInvalidConfig},
		{"duplicate response field", openai.Request{Prompt: prompt, Fields: jane(),
			ResponseFields: append(responseFields(), v1alpha1.ResponseField{Name: "Comment"})}, connector.KindInvalidConfig},
		{"enum on a number", openai.Request{Prompt: prompt, Fields: jane(),
			ResponseFields: []v1alpha1.ResponseField{{Name: "Score", Type: v1alpha1.ResponseFieldInteger, Enum: []string{"1"}}}}, connector.KindInvalidConfig},
		{"unknown type", openai.Request{Prompt: prompt, Fields: jane(),
			ResponseFields: []v1alpha1.ResponseField{{Name: "Score", Type: "Date"}}}, connector.KindInvalidConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := c.Complete(ctx, tc.req)
			if a != nil || connector.KindOf(err) != tc.kind || !errors.Is(err, connector.ErrPermanent) {
				t.Fatalf("answer %v, err %v (%s)", a, err, connector.KindOf(err))
			}
			if _, ferr := openai.Fingerprint("m", tc.req); connector.KindOf(ferr) != tc.kind {
				t.Errorf("Fingerprint: %v", ferr)
			}
		})
	}
	if n := s.Count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestUserMessageKeepsFieldOrderAndTypes(t *testing.T) {
	got, err := openai.UserMessage([]openai.Field{
		{Name: "Z", Value: int64(1) << 60}, {Name: "A", Value: 2.5}, {Name: "M", Value: nil},
		{Name: "B", Value: true}, {Name: "Nested", Value: map[string]any{"y": 1, "x": "<&>"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Z":1152921504606846976,"A":2.5,"M":null,"B":true,"Nested":{"x":"<&>","y":1}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func keysOf(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
