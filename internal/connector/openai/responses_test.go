package openai_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// responsesConfig asks the Responses API, the default.
func responsesConfig(s *sim.Server, key string) openai.Config {
	return openai.Config{Config: connector.Config{
		BaseURL: s.URL + "/v1", Credentials: map[string]string{"apiKey": key}, Registry: connector.NewRegistry(),
	}}
}

// The default API is Responses: the prompt as instructions, the mapped
// fields as input, the strict schema as text.format, nothing stored.
func TestResponsesAPIIsTheDefault(t *testing.T) {
	s := start(t, sim.Options{})
	ans, err := newClient(t, responsesConfig(s, apiKey)).Complete(ctx, request(prompt))
	if err != nil {
		t.Fatal(err)
	}
	want, usage := expected(t, prompt)
	if got, _ := json.Marshal(ans.Fields); string(got) != mustJSON(t, want) {
		t.Errorf("fields %s, want %s", got, mustJSON(t, want))
	}
	if ans.Usage != usage {
		t.Errorf("usage %+v, want %+v", ans.Usage, usage)
	}
	if s.CountFor(sim.RouteResponses) != 1 || s.CountFor(sim.RouteChat) != 0 {
		t.Fatalf("calls %v", s.Counts())
	}
	b := body(t, s)
	var instructions, input string
	_ = json.Unmarshal(b["instructions"], &instructions)
	_ = json.Unmarshal(b["input"], &input)
	var format struct {
		Format struct {
			Type   string `json:"type"`
			Name   string `json:"name"`
			Strict bool   `json:"strict"`
		} `json:"format"`
	}
	_ = json.Unmarshal(b["text"], &format)
	if instructions != prompt || input != janeJSON || string(b["store"]) != "false" ||
		format.Format.Type != "json_schema" || format.Format.Name != openai.SchemaName || !format.Format.Strict {
		t.Errorf("body: instructions %q input %q store %s text %s", instructions, input, b["store"], b["text"])
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Refusal, an answer cut at max_output_tokens and the content filter are
// the same reasons as with chat completions, and still report usage.
func TestResponsesUnusableAnswers(t *testing.T) {
	s := start(t, sim.Options{})
	c := newClient(t, responsesConfig(s, apiKey))
	for marker, reason := range map[string]openai.Reason{
		sim.MarkerRefusal: openai.ReasonRefused, sim.MarkerLength: openai.ReasonTruncated, sim.MarkerContentFilter: openai.ReasonContentFiltered,
	} {
		ans, err := c.Complete(ctx, request(prompt+" "+marker))
		if openai.ReasonOf(err) != reason {
			t.Errorf("%s: %v, want %s", marker, err, reason)
		}
		if ans == nil || ans.Usage.TotalTokens == 0 && reason != openai.ReasonContentFiltered {
			t.Errorf("%s: no usage reported: %+v", marker, ans)
		}
	}
}

// A restricted key with only Responses Write, as iPaaS.com's OpenAI guide
// has users create, validates and works with the default; asked to use
// chat completions, the mapping's validation says what to grant.
func TestRestrictedResponsesKey(t *testing.T) {
	const restricted = "sk-restricted-responses-only-0123"
	s := start(t, sim.Options{RestrictedKeys: map[string][]string{restricted: {sim.RouteResponses}}})
	c := newClient(t, responsesConfig(s, restricted))
	if err := c.Validate(ctx); err != nil {
		t.Fatalf("Validate with a Responses key: %v", err)
	}
	if s.CountFor(sim.RouteResponses) != 1 || s.CountFor(sim.RouteModels) != 0 {
		t.Errorf("Validate made %v, want one unbilled Responses probe", s.Counts())
	}
	if _, err := c.Complete(ctx, request(prompt)); err != nil {
		t.Fatalf("Complete with a Responses key: %v", err)
	}

	chat := responsesConfig(s, restricted)
	chat.ChatCompletions = true
	err := newClient(t, chat).Validate(ctx)
	if !errors.Is(err, connector.ErrUnauthorized) || !strings.Contains(err.Error(), "Chat completions") || !strings.Contains(err.Error(), "api: Responses") {
		t.Fatalf("chat completions with a Responses-only key: %v", err)
	}
	if strings.Contains(err.Error(), restricted) {
		t.Errorf("the key is in the error: %v", err)
	}

	s2 := start(t, sim.Options{RestrictedKeys: map[string][]string{restricted: {sim.RouteChat, sim.RouteModels}}})
	err = newClient(t, responsesConfig(s2, restricted)).Validate(ctx)
	if !errors.Is(err, connector.ErrUnauthorized) || !strings.Contains(err.Error(), "Write permission on Responses") {
		t.Fatalf("Responses with a chat-only key: %v", err)
	}
}
