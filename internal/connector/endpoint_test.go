package connector_test

import (
	"errors"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestConfigFromEndpoint(t *testing.T) {
	sys := int32(4711)
	ep := v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS, Endpoint: "https://api.ipaas.com", SystemID: &sys,
		RateLimit: &v1alpha1.RateLimit{RequestsPerSecond: 10, Burst: 20}, TimeoutSeconds: 15}
	cfg := connector.ConfigFromEndpoint(ep, map[string][]byte{"apiKey": []byte("k")})
	if cfg.BaseURL != ep.Endpoint || cfg.SystemID != 4711 || cfg.Timeout != 15*time.Second ||
		*cfg.RateLimit != (connector.RateLimit{RequestsPerSecond: 10, Burst: 20}) || cfg.Credential("apiKey") != "k" {
		t.Fatalf("%+v", cfg)
	}
	bare := connector.ConfigFromEndpoint(v1alpha1.SystemEndpoint{Endpoint: "https://x"}, nil)
	if bare.RateLimit != nil || bare.Timeout != 0 || bare.SystemID != 0 {
		t.Fatalf("%+v", bare)
	}
	if err := bare.RequireCredentials("x", "apiKey"); !errors.Is(err, connector.ErrInvalidConfig) {
		t.Fatalf("missing key: %v", err)
	}
}

func TestPathSegment(t *testing.T) {
	for _, bad := range []string{"", ".", ".."} {
		if _, err := connector.PathSegment("s", "Op", bad); !errors.Is(err, connector.ErrValidation) {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, _ := connector.PathSegment("s", "Op", "a/b c"); got != "a%2Fb%20c" {
		t.Errorf("got %q", got)
	}
}

func TestDecodeJSONKeepsBigIDs(t *testing.T) {
	var m map[string]any
	if err := connector.DecodeJSON([]byte(`{"id": 9007199254740993, "n": 1.5, "list": [1, {"x": 2}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if m["id"] != int64(9007199254740993) || m["n"] != 1.5 {
		t.Errorf("%#v", m)
	}
	if inner := m["list"].([]any)[1].(map[string]any)["x"]; inner != int64(2) {
		t.Errorf("nested %#v", inner)
	}
}
