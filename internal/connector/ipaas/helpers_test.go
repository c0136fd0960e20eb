package ipaas_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

const (
	apiKey    = "test-ipaas-key-0123456789"
	user      = "ops@example.com"
	password  = "pa55-w0rd-very-secret"
	companyID = "42"
	systemID  = 4711
	janeExtID = "customer_35b4d7776af9ac875a"
)

var ctx = context.Background()

type contextT = context.Context

// clock is a fake clock shared by the simulator and the connector, so
// token lifetimes and cache TTLs pass without waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// start runs a simulator with Jane (linked to systemID) and John.
func start(t *testing.T, o sim.Options) *sim.Server {
	t.Helper()
	if o.APIKeys == nil {
		o.APIKeys = []string{apiKey}
	}
	if o.Users == nil {
		o.Users = []sim.User{{EmailAddress: user, Password: password, CompanyIDs: []string{companyID}}}
	}
	s := sim.StartForTest(t, o)
	_, err := s.Seed(sim.Data{Customers: []sim.Customer{
		{ID: "158056", CustomerNumber: janeExtID, FirstName: "Jane", LastName: "Doe",
			EmailAddress: "jane@example.com", Company: "Acme",
			CustomFields:    []sim.CustomField{{Name: "99minds Loyalty Points Balance", Value: "120"}},
			ExternalIDs:     []sim.ExternalID{{SystemID: systemID, ExternalID: janeExtID}},
			UpdatedDatetime: sim.Time{Time: time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)}},
		{ID: "158057", CustomerNumber: "CUST-10045", FirstName: "John", LastName: "Roe", EmailAddress: "john@example.com",
			UpdatedDatetime: sim.Time{Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keyConfig(url string) ipaas.Config {
	return ipaas.Config{Config: connector.Config{
		BaseURL: url, Credentials: map[string]string{"apiKey": apiKey}, SystemID: systemID, Registry: connector.NewRegistry(),
	}}
}

func signInConfig(url string) ipaas.Config {
	return ipaas.Config{Config: connector.Config{
		BaseURL: url, SystemID: systemID, Registry: connector.NewRegistry(),
		Credentials: map[string]string{"username": user, "password": password, "companyId": companyID},
	}}
}

func newConnector(t *testing.T, cfg ipaas.Config) *ipaas.Connector {
	t.Helper()
	c, err := ipaas.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fmtAll prints an error with every verb a caller might use.
func fmtAll(err error) string { return fmt.Sprintf("%v %+v %#v", err, err, err) }
