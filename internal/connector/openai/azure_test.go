package openai_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// azureConfig calls the simulator's Azure routes: the base URL is the
// resource endpoint, without /v1.
func azureConfig(s *sim.Server, az openai.Azure) openai.Config {
	cfg := config(s)
	cfg.BaseURL, cfg.Azure = s.URL, &az
	return cfg
}

func TestAzureDeploymentRoute(t *testing.T) {
	s := start(t, sim.Options{Deployments: []string{"enrich-prod"}})
	c := newClient(t, azureConfig(s, openai.Azure{Deployment: "enrich-prod"}))
	a, err := c.Complete(ctx, request(prompt))
	if err != nil {
		t.Fatal(err)
	}
	want, usage := expected(t, prompt)
	if !reflect.DeepEqual(a.Fields, want) || a.Usage != usage {
		t.Errorf("answer %+v", a)
	}
	if s.CountFor(sim.RouteAzureChat) != 1 || s.CountFor(sim.RouteChat) != 0 {
		t.Fatalf("counts %v", s.Counts())
	}
	r := s.Requests(1)[0]
	if r.Path != "/openai/deployments/enrich-prod/chat/completions" || r.Query != "api-version="+openai.DefaultAzureAPIVersion {
		t.Errorf("sent to %s?%s", r.Path, r.Query)
	}
	if r.Header.Get("Api-Key") != "<redacted>" || r.Header.Get("Authorization") != "" {
		t.Errorf("auth headers %v", r.Header)
	}
}

func TestAzureDeploymentFromModelAndAPIVersion(t *testing.T) {
	s := start(t, sim.Options{Deployments: []string{"gpt-4o"}})
	cfg := azureConfig(s, openai.Azure{APIVersion: "2025-01-01-preview"})
	cfg.Model = "gpt-4o"
	if _, err := newClient(t, cfg).Complete(ctx, request(prompt)); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests(1)[0]; r.Path != "/openai/deployments/gpt-4o/chat/completions" || r.Query != "api-version=2025-01-01-preview" {
		t.Errorf("sent to %s?%s", r.Path, r.Query)
	}
}

func TestAzureErrors(t *testing.T) {
	s := start(t, sim.Options{Deployments: []string{"enrich-prod"}})

	_, err := newClient(t, azureConfig(s, openai.Azure{Deployment: "missing"})).Complete(ctx, request(prompt))
	if connector.KindOf(err) != connector.KindNotFound || connector.IsTransient(err) {
		t.Errorf("unknown deployment: %v", err)
	}

	cfg := azureConfig(s, openai.Azure{Deployment: "enrich-prod"})
	cfg.Credentials = map[string]string{"apiKey": "0123456789abcdef0123456789abcdef"}
	_, err = newClient(t, cfg).Complete(ctx, request(prompt))
	var ce *connector.Error
	if connector.KindOf(err) != connector.KindUnauthorized || connector.IsTransient(err) || !asError(err, &ce) || ce.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: %v", err)
	}
}
