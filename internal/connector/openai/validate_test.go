package openai_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// maskedKeyServer answers GET /v1/models with OpenAI's real 401 body, which
// quotes the key partly masked, to prove that not even its ends reach an
// error.
func maskedKeyServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		masked := key
		if len(key) > 12 {
			masked = key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
		}
		writeBody(w, http.StatusUnauthorized, fmt.Sprintf(`{"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, masked))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func TestValidate(t *testing.T) {
	s := start(t, sim.Options{APIKeys: []string{apiKey}})
	cfg := openai.Config{Config: connector.Config{BaseURL: s.URL + "/v1", Credentials: map[string]string{"apiKey": apiKey}, Registry: connector.NewRegistry()},
		ChatCompletions: true}
	if err := newClient(t, cfg).Validate(ctx); err != nil {
		t.Fatal(err)
	}
	// A real call, and a cheap one: the model list, never a completion.
	if s.CountFor(sim.RouteModels) != 1 || s.CountFor(sim.RouteChat) != 0 {
		t.Errorf("Validate made %v", s.Counts())
	}

	cfg.Credentials = map[string]string{"apiKey": "sk-wrong-key-9876543210"}
	if err := newClient(t, cfg).Validate(ctx); connector.KindOf(err) != connector.KindUnauthorized {
		t.Fatalf("wrong key: %v", err)
	}

	cfg.BaseURL = maskedKeyServer(t) + "/v1"
	err := newClient(t, cfg).Validate(ctx)
	var ce *connector.Error
	if !asError(err, &ce) || ce.Kind != connector.KindUnauthorized || ce.Class != connector.Permanent ||
		ce.Operation != "Validate" || ce.Request != "GET /v1/models" || ce.Code != "invalid_api_key" {
		t.Fatalf("%+v", ce)
	}
	// OpenAI quotes the key masked; not even its ends are kept.
	if strings.Contains(err.Error(), "sk-wrong") || strings.Contains(err.Error(), "3210") || !strings.Contains(err.Error(), "provided: [REDACTED]. You") {
		t.Errorf("key fragment in %q", err)
	}
}

func TestValidateAzure(t *testing.T) {
	s := start(t, sim.Options{APIKeys: []string{apiKey}})
	cfg := openai.Config{Config: connector.Config{BaseURL: s.URL, Credentials: map[string]string{"apiKey": apiKey}, Registry: connector.NewRegistry()},
		Azure: &openai.Azure{Deployment: "enrich-prod"}}
	if err := newClient(t, cfg).Validate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = map[string]string{"apiKey": "0123456789abcdef0123456789abcdef"}
	err := newClient(t, cfg).Validate(ctx)
	var ce *connector.Error
	if !asError(err, &ce) || ce.Kind != connector.KindUnauthorized || ce.Request != "GET /openai/models?api-version="+openai.DefaultAzureAPIVersion {
		t.Fatalf("%+v", ce)
	}
}
