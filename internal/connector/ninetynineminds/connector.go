package ninetynineminds

import (
	"context"
	"net/url"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// System is the connector's name in metrics, logs and errors.
const System = "99minds"

// CredentialAPIKey is the Secret key holding the API Secret Key.
const CredentialAPIKey = "apiKey"

const defaultPageSize = 100

// Config configures a Connector.
type Config struct {
	connector.Config
	// PageSize is the page size of ListChanged; default 100.
	PageSize int
	// EnsureCard issues a loyalty card (amount 0) to a customer that has
	// none whenever Create or Update writes it.
	EnsureCard bool
	// IndexRefresh is how often FindByNaturalKey lists what changed at most;
	// default DefaultIndexRefresh, negative lists on every lookup.
	IndexRefresh time.Duration
}

// Connector reads and writes 99minds customers.
type Connector struct {
	client   *connector.Client
	pageSize int
	ensure   bool
	index    clientIndex
}

var (
	_ connector.Source      = (*Connector)(nil)
	_ connector.Destination = (*Connector)(nil)
)

// New checks the config (base URL, apiKey) and builds a Connector; it sends
// no request (Validate does).
func New(cfg Config) (*Connector, error) {
	if err := cfg.RequireCredentials(System, CredentialAPIKey); err != nil {
		return nil, err
	}
	if cfg.Resends == 0 {
		cfg.Resends = connector.DefaultResends // a 429 means "slow down": resend that call only
	}
	tr := cfg.NewTransport(System)
	client, err := connector.NewClient(connector.ClientConfig{
		System: System, BaseURL: cfg.BaseURL, Transport: tr,
		Auth: connector.Bearer(cfg.Credential(CredentialAPIKey)), ParseError: parseError,
	})
	if err != nil {
		return nil, err
	}
	ps := cfg.PageSize
	if ps <= 0 {
		ps = defaultPageSize
	}
	every := cfg.IndexRefresh
	switch {
	case every == 0:
		every = DefaultIndexRefresh
	case every < 0:
		every = 0
	}
	return &Connector{client: client, pageSize: ps, ensure: cfg.EnsureCard, index: clientIndex{every: every}}, nil
}

// Validate lists one customer: cheap, and it proves the key is accepted.
func (c *Connector) Validate(ctx context.Context) error {
	q := url.Values{"page_no": {"1"}, "page_size": {"1"}}
	var out []map[string]any
	_, err := c.get(ctx, "Validate", pathCustomers, q, &out)
	return err
}
