package connector

import (
	"time"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// ConfigFromEndpoint turns a mapping's SystemEndpoint and the data of the
// Secret it names into a Config. Logger, Concurrency and Registry are left
// for the caller to set.
func ConfigFromEndpoint(ep v1alpha1.SystemEndpoint, secretData map[string][]byte) Config {
	c := Config{BaseURL: ep.Endpoint, Credentials: make(map[string]string, len(secretData))}
	for k, v := range secretData {
		c.Credentials[k] = string(v)
	}
	if ep.SystemID != nil {
		c.SystemID = int64(*ep.SystemID)
	}
	if ep.RateLimit != nil {
		c.RateLimit = &RateLimit{RequestsPerSecond: float64(ep.RateLimit.RequestsPerSecond), Burst: int(ep.RateLimit.Burst)}
	}
	if ep.TimeoutSeconds > 0 {
		c.Timeout = time.Duration(ep.TimeoutSeconds) * time.Second
	}
	return c
}
