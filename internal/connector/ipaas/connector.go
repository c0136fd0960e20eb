package ipaas

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// System is the connector's name in metrics, logs and errors.
const System = "iPaaS.com"

// Secret keys the connector reads: apiKey, or username, password and
// companyId. When apiKey is set the sign-in keys are ignored.
const (
	CredentialAPIKey    = "apiKey"
	CredentialUsername  = "username"
	CredentialPassword  = "password"
	CredentialCompanyID = "companyId"
)

// Defaults for Config.
const (
	DefaultCustomFieldsTTL = time.Minute
	defaultPageSize        = 100
)

// Config configures a Connector.
type Config struct {
	connector.Config
	// CustomFieldsTTL is how long custom field definitions are cached per
	// connection; default DefaultCustomFieldsTTL, negative disables the cache.
	CustomFieldsTTL time.Duration
	// PageSize is the page size of ListChanged; default 100.
	PageSize int
	// Now is the clock for token expiry and the cache; default time.Now.
	Now func() time.Time
}

// Connector reads and writes iPaaS.com customers.
type Connector struct {
	client   *connector.Client
	systemID int64
	pageSize int
	fields   *fieldCache
}

var (
	_ connector.Source      = (*Connector)(nil)
	_ connector.Destination = (*Connector)(nil)
)

// New checks the config and credentials and builds a Connector; it sends
// no request (Validate does, signing in when configured to).
func New(cfg Config) (*Connector, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = defaultPageSize
	}
	if cfg.CustomFieldsTTL == 0 {
		cfg.CustomFieldsTTL = DefaultCustomFieldsTTL
	}
	if _, err := connector.ParseBaseURL(System, cfg.BaseURL); err != nil {
		return nil, err
	}
	// iPaaS.com's 429 means "slow down" (plan or volume limits): only the
	// refused call is sent again, after its Retry-After.
	if cfg.Resends == 0 {
		cfg.Resends = connector.DefaultResends
	}
	tr := cfg.NewTransport(System)
	auth, err := newAuthorizer(cfg, tr)
	if err != nil {
		return nil, err
	}
	client, err := connector.NewClient(connector.ClientConfig{System: System, BaseURL: cfg.BaseURL, Transport: tr, Auth: auth})
	if err != nil {
		return nil, err
	}
	key := connector.LimiterKey(System, strings.TrimRight(cfg.BaseURL, "/"), cfg.Credentials)
	return &Connector{
		client: client, systemID: cfg.SystemID, pageSize: cfg.PageSize,
		fields: sharedFieldCache(key, cfg.CustomFieldsTTL, cfg.Now),
	}, nil
}

// newAuthorizer picks the auth mode from the credentials present.
func newAuthorizer(cfg Config, tr http.RoundTripper) (connector.Authorizer, error) {
	if key := cfg.Credential(CredentialAPIKey); key != "" {
		return connector.Bearer(key), nil
	}
	if err := cfg.RequireCredentials(System, CredentialUsername, CredentialPassword, CredentialCompanyID); err != nil {
		return nil, connector.InvalidConfig(System,
			"the credentials Secret needs apiKey, or username, password and companyId")
	}
	return newTokenAuth(cfg, tr)
}

// Validate reads one customer of the list: a cheap call that proves the
// endpoint, the credentials (signing in if needed) and the company.
func (c *Connector) Validate(ctx context.Context) error {
	var out []map[string]any
	q := url.Values{"pageNumber": {"1"}, "pageSize": {"1"}}
	return c.client.Do(ctx, connector.Call{Operation: "Validate", Method: http.MethodGet, Path: pathCustomers, Query: q, Out: &out})
}
