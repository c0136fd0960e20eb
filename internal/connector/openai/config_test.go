package openai_test

import (
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
)

func TestConfigErrors(t *testing.T) {
	good := func() openai.Config {
		return openai.Config{Config: connector.Config{Credentials: map[string]string{"apiKey": apiKey}, Registry: connector.NewRegistry()}}
	}
	cases := []struct {
		name, want string
		edit       func(*openai.Config)
	}{
		{"no key", "apiKey", func(c *openai.Config) { c.Credentials = map[string]string{"organization": "org-1"} }},
		{"blank key", "apiKey", func(c *openai.Config) { c.Credentials = map[string]string{"apiKey": "  "} }},
		{"temperature not a number", `temperature "warm"`, func(c *openai.Config) { c.Temperature = "warm" }},
		{"temperature too high", `temperature "2.5"`, func(c *openai.Config) { c.Temperature = "2.5" }},
		{"temperature negative", `temperature "-0.1"`, func(c *openai.Config) { c.Temperature = "-0.1" }},
		{"temperature NaN", `temperature "NaN"`, func(c *openai.Config) { c.Temperature = "NaN" }},
		{"negative tokens", "maxCompletionTokens", func(c *openai.Config) { c.MaxCompletionTokens = -1 }},
		{"relative URL", "absolute", func(c *openai.Config) { c.BaseURL = "api.openai.com/v1" }},
		{"azure without endpoint", "resource endpoint", func(c *openai.Config) { c.Azure = &openai.Azure{} }},
		{"azure bad deployment", `deployment "../x"`, func(c *openai.Config) {
			c.BaseURL, c.Azure = "https://res.openai.azure.com", &openai.Azure{Deployment: "../x"}
		}},
		{"reasoning model with temperature", `model "o3-mini"`, func(c *openai.Config) { c.Model, c.Temperature = "o3-mini", "0.2" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.edit(&cfg)
			c, err := openai.New(cfg)
			if c != nil || connector.KindOf(err) != connector.KindInvalidConfig || connector.IsTransient(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v", err)
			}
			if strings.Contains(err.Error(), apiKey) {
				t.Errorf("key in %v", err)
			}
		})
	}
	c, err := openai.New(good())
	if err != nil || c.Model() != openai.DefaultModel {
		t.Fatalf("defaults: %v", err)
	}
}

func TestConfigFrom(t *testing.T) {
	tokens := int32(400)
	base := connector.Config{BaseURL: "https://res.openai.azure.com", Credentials: map[string]string{"apiKey": apiKey}}
	got := openai.ConfigFrom(base, v1alpha1.OpenAISettings{
		Model: "gpt-4o", Temperature: "0.3", MaxCompletionTokens: &tokens,
		Azure: &v1alpha1.AzureOpenAI{APIVersion: "2024-10-21", Deployment: "enrich"}, ResponseFields: responseFields(),
	})
	if got.Model != "gpt-4o" || got.Temperature != "0.3" || got.MaxCompletionTokens != 400 || got.BaseURL != base.BaseURL ||
		got.Azure == nil || *got.Azure != (openai.Azure{APIVersion: "2024-10-21", Deployment: "enrich"}) {
		t.Errorf("%+v", got)
	}
	if _, err := openai.New(got); err != nil {
		t.Error(err)
	}
	if plain := openai.ConfigFrom(base, v1alpha1.OpenAISettings{}); plain.Azure != nil || plain.MaxCompletionTokens != 0 {
		t.Errorf("%+v", plain)
	}
}
