package openai_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

const (
	apiKey = "sk-test-operator-0123456789abcdef"
	prompt = "Write a short, bulleted summary of this customer profile and return it in the Comment field. " +
		"Check whether this customer is known by imdb.com. Return TRUE or FALSE in the Known To Film field."
	// janeJSON is the user message jane() must produce: the mapped fields,
	// in mapping order, nothing else.
	janeJSON = `{"CustomerNumber":"CUST-10045","FirstName":"Jane","LastName":"Doe","EmailAddress":"jane.doe@example.com",` +
		`"Categories":["Retail","VIP"],"Comment":"Prefers <email> & calls"}`
)

var ctx = context.Background()

// responseFields ask for every type the CRD allows.
func responseFields() []v1alpha1.ResponseField {
	return []v1alpha1.ResponseField{
		{Name: "Comment", Type: v1alpha1.ResponseFieldString, Description: "A short, bulleted summary of the customer."},
		{Name: "Known To Film", Type: v1alpha1.ResponseFieldString, Enum: []string{"TRUE", "FALSE"}},
		{Name: "Score", Type: v1alpha1.ResponseFieldInteger},
		{Name: "Ratio", Type: v1alpha1.ResponseFieldNumber},
		{Name: "Vip", Type: v1alpha1.ResponseFieldBoolean},
	}
}

func jane() []openai.Field {
	return []openai.Field{
		{Name: "CustomerNumber", Value: "CUST-10045"},
		{Name: "FirstName", Value: "Jane"},
		{Name: "LastName", Value: "Doe"},
		{Name: "EmailAddress", Value: "jane.doe@example.com"},
		{Name: "Categories", Value: []any{"Retail", "VIP"}},
		{Name: "Comment", Value: "Prefers <email> & calls"},
	}
}

func request(p string) openai.Request {
	return openai.Request{Prompt: p, Fields: jane(), ResponseFields: responseFields()}
}

// start runs the simulator accepting apiKey.
func start(t *testing.T, o sim.Options) *sim.Server {
	t.Helper()
	if o.APIKeys == nil {
		o.APIKeys = []string{apiKey}
	}
	return sim.StartForTest(t, o)
}

// config calls the simulator's chat completions route with apiKey and a
// private registry, so no limiter is shared between tests. Most tests here
// look at the chat completions body; responses_test.go covers the
// Responses API, the default.
func config(s *sim.Server) openai.Config {
	return openai.Config{Config: connector.Config{
		BaseURL: s.URL + "/v1", Credentials: map[string]string{"apiKey": apiKey}, Registry: connector.NewRegistry(),
	}, ChatCompletions: true}
}

func newClient(t *testing.T, cfg openai.Config) *openai.Client {
	t.Helper()
	c, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// expected is the simulator's answer and usage for prompt and janeJSON.
func expected(t *testing.T, p string) (map[string]any, openai.Usage) {
	t.Helper()
	schema, err := openai.Schema(responseFields())
	if err != nil {
		t.Fatal(err)
	}
	content, err := sim.ExpectedJSON(p, janeJSON, schema)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := connector.DecodeJSON([]byte(content), &fields); err != nil {
		t.Fatal(err)
	}
	return fields, usageFor(p, content)
}

// usageFor is the usage the simulator reports for prompt, janeJSON and a
// completion text.
func usageFor(p, completion string) openai.Usage {
	u := sim.ExpectedUsage([]sim.Message{{Role: "system", Content: p}, {Role: "user", Content: janeJSON}}, completion, 1)
	return openai.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

// body decodes the top level of the last request's body.
func body(t *testing.T, s *sim.Server) map[string]json.RawMessage {
	t.Helper()
	reqs := s.Requests(1)
	if len(reqs) != 1 {
		t.Fatal("no request recorded")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(reqs[0].Body), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
