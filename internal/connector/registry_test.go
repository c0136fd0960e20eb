package connector_test

import (
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestLimiterKeyHidesCredential(t *testing.T) {
	creds := map[string]string{"apiKey": "very-secret-key"}
	k := connector.LimiterKey("99minds", "https://api.example", creds)
	if strings.Contains(k, "very-secret-key") {
		t.Fatalf("the key holds the secret: %s", k)
	}
	if k != connector.LimiterKey("99minds", "https://api.example", map[string]string{"apiKey": "very-secret-key"}) {
		t.Error("the key is not stable")
	}
	if k == connector.LimiterKey("99minds", "https://api.example", map[string]string{"apiKey": "other"}) {
		t.Error("different credentials share a key")
	}
	if k == connector.LimiterKey("iPaaS.com", "https://api.example", creds) {
		t.Error("different systems share a key")
	}
}

func TestRegistryLimiter(t *testing.T) {
	r := connector.NewRegistry()
	if r.Limiter("k", nil) != nil {
		t.Fatal("no rate limit must mean no limiter")
	}
	a := r.Limiter("k", &connector.RateLimit{RequestsPerSecond: 10})
	b := r.Limiter("k", &connector.RateLimit{RequestsPerSecond: 10, Burst: 10})
	if a != b {
		t.Fatal("one credential must share one limiter")
	}
	if a.Limit() != 10 || a.Burst() != 10 {
		t.Fatalf("limit %v burst %d", a.Limit(), a.Burst())
	}
	c := r.Limiter("k", &connector.RateLimit{RequestsPerSecond: 5, Burst: 2})
	if c.Limit() != rate.Limit(5) || c.Burst() != 2 || a.Limit() != rate.Limit(5) {
		t.Fatalf("changed settings not applied to every holder: %v/%d, old holder %v", c.Limit(), c.Burst(), a.Limit())
	}
	if r.Limiter("other", &connector.RateLimit{RequestsPerSecond: 5}) == c {
		t.Fatal("different credentials share a limiter")
	}
}
