package connector

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// Config is what every connector is built from: plain values the caller
// read from a SystemEndpoint and its Secret, never Kubernetes clients.
type Config struct {
	// BaseURL is the system's API root, e.g. https://api.ipaas.com.
	BaseURL string
	// Credentials are the Secret's data: apiKey, or username, password and
	// companyId, as each connector documents.
	Credentials map[string]string
	// SystemID is the id iPaaS.com gives the other system of a mapping; it
	// keys external-id links. Unused by other connectors.
	SystemID int64
	// RateLimit paces requests per credential; nil means no client-side limit.
	RateLimit *RateLimit
	// Timeout bounds one HTTP call; default DefaultTimeout.
	Timeout time.Duration
	// Concurrency is how many calls the caller runs at once against this
	// system; it sizes the connection pool. Default DefaultConcurrency.
	Concurrency int
	// Logger receives V(1) request lines; never secrets or payloads.
	Logger logr.Logger
	// Registry shares limiters and pools; default DefaultRegistry.
	Registry *Registry
	// Base replaces the pooled base transport (tests, proxies).
	Base http.RoundTripper
	// Resends is how many times a call answered 429 is sent again after its
	// Retry-After (TransportConfig.Resends); the connector of a system whose
	// 429 always means "slow down" defaults it. Negative sends once.
	Resends int
}

// NewTransport builds the shared transport for this config: the limiter
// is the one registered for system+endpoint+credential.
func (c Config) NewTransport(system string) *Transport {
	reg := c.Registry
	if reg == nil {
		reg = DefaultRegistry
	}
	key := LimiterKey(system, strings.TrimRight(c.BaseURL, "/"), c.Credentials)
	return NewTransport(TransportConfig{
		System: system, Limiter: reg.Limiter(key, c.RateLimit), Adaptive: reg.Adaptive(key), Resends: c.Resends,
		Timeout: c.Timeout, Concurrency: c.Concurrency, Base: c.Base, Registry: reg, Logger: c.Logger,
	})
}

// Credential returns one credential value, trimmed.
func (c Config) Credential(name string) string { return strings.TrimSpace(c.Credentials[name]) }

// RequireCredentials fails with the names (never the values) of the keys
// that are missing or empty.
func (c Config) RequireCredentials(system string, keys ...string) error {
	var missing []string
	for _, k := range keys {
		if c.Credential(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return InvalidConfig(system, "the credentials Secret lacks "+strings.Join(missing, ", "))
}
