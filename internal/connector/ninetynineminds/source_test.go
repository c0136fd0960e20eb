package ninetynineminds_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

const (
	apiKey = "test-99minds-key-0123456789"
	janeID = "customer_35b4d7776af9ac875a"
	cardID = "loyaltycard_000000000000000001"
)

var ctx = context.Background()

// start runs a simulator seeded with Jane (one card, two transactions, one
// with its amount as a string and one without an amount).
func start(t *testing.T) *sim.Server {
	t.Helper()
	s := sim.StartForTest(t, sim.Options{APIKeys: []string{apiKey}, Seed: 7})
	_, err := s.Seed(sim.Data{
		Customers: []sim.Customer{{ID: janeID, Name: "Jane Doe", Email: "jane@example.com", PhoneNumber: "+15555550123",
			UpdatedAt: time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)}},
		LoyaltyCards: []sim.LoyaltyCard{{ID: cardID, CustomerID: janeID, PointBalance: sim.NumText("120"), Active: true}},
		Transactions: []sim.Transaction{
			{CardID: cardID, CustomerID: janeID, Amount: sim.NumText("25"), ClientOrderID: "1001"},
			{CardID: cardID, CustomerID: janeID, TransactionType: sim.TxRedemption},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func config(url string, mods ...func(*ninetynineminds.Config)) ninetynineminds.Config {
	cfg := ninetynineminds.Config{Config: connector.Config{
		BaseURL: url, Credentials: map[string]string{"apiKey": apiKey}, Registry: connector.NewRegistry(),
	}}
	for _, m := range mods {
		m(&cfg)
	}
	return cfg
}

func newConnector(t *testing.T, cfg ninetynineminds.Config) *ninetynineminds.Connector {
	t.Helper()
	c, err := ninetynineminds.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchAssemblesOneDocument(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL))
	doc, err := c.Fetch(ctx, janeID)
	if err != nil {
		t.Fatal(err)
	}
	if doc["id"] != janeID || doc["email"] != "jane@example.com" || doc["name"] != "Jane Doe" {
		t.Errorf("customer fields: %v", doc)
	}
	cards, _ := doc["loyalty_cards"].([]any)
	if len(cards) != 1 || cards[0].(map[string]any)["point_balance"] != int64(120) {
		t.Fatalf("loyalty_cards = %#v (want point_balance 120 as a number)", doc["loyalty_cards"])
	}
	txs, _ := doc["transactions"].([]any)
	if len(txs) != 2 {
		t.Fatalf("transactions = %#v", doc["transactions"])
	}
	if a := txs[0].(map[string]any)["amount"]; a != int64(25) {
		t.Errorf(`amount "25" read as %#v, want 25`, a)
	}
	if a := txs[1].(map[string]any)["amount"]; a != int64(0) {
		t.Errorf("a missing amount read as %#v, want 0", a)
	}
	for _, route := range []string{sim.RouteGetCustomer, sim.RouteCardsByCustomer, sim.RouteTransactions} {
		if n := s.CountFor(route); n != 1 {
			t.Errorf("%s called %d times", route, n)
		}
	}
}

func TestFetchCustomerWithoutCards(t *testing.T) {
	s := start(t)
	d, _ := s.Seed(sim.Data{Customers: []sim.Customer{{Name: "Solo", Email: "solo@example.com"}}})
	doc, err := newConnector(t, config(s.URL)).Fetch(ctx, d.Customers[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if cards, ok := doc["loyalty_cards"].([]any); !ok || len(cards) != 0 {
		t.Errorf("loyalty_cards = %#v, want []", doc["loyalty_cards"])
	}
}

// TestFetchRunsConcurrently holds every request until all three are in
// flight: sequential calls would never get there.
func TestFetchRunsConcurrently(t *testing.T) {
	s := start(t)
	gate := &barrier{n: 3, release: make(chan struct{})}
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.Base = gate }))
	if _, err := c.Fetch(ctx, janeID); err != nil {
		t.Fatal(err)
	}
	if gate.max != 3 {
		t.Fatalf("at most %d requests were in flight, want 3", gate.max)
	}
}

type barrier struct {
	mu       sync.Mutex
	n, in    int
	max      int
	release  chan struct{}
	released bool
}

func (b *barrier) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	b.in++
	b.max = max(b.max, b.in)
	if b.in == b.n && !b.released {
		b.released = true
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(10 * time.Second): // a failure timeout: the test fails, it never passes by waiting
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	b.mu.Lock()
	b.in--
	b.mu.Unlock()
	return resp, err
}

func TestFetchUnknownIDIsNotFound(t *testing.T) {
	s := start(t)
	_, err := newConnector(t, config(s.URL)).Fetch(ctx, "customer_000000000000000000")
	if !errors.Is(err, connector.ErrNotFound) || connector.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
}

func TestFetchFailsFastOnOneCall(t *testing.T) {
	s := start(t)
	if err := s.SetFaults(fault.Config{Paths: []string{"/loyaltycards/transactions"}, ErrorRate: 1, ErrorStatus: 502}); err != nil {
		t.Fatal(err)
	}
	_, err := newConnector(t, config(s.URL)).Fetch(ctx, janeID)
	var e *connector.Error
	if !errors.As(err, &e) || e.StatusCode != 502 || e.Kind != connector.KindUnavailable || e.Operation != "ListTransactions" {
		t.Fatalf("got %v", err)
	}
}

func TestListChangedPages(t *testing.T) {
	s := start(t)
	s.Generate(250)
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.PageSize = 100 }))
	ids, err := c.ListChanged(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 251 {
		t.Fatalf("%d ids, want 251", len(ids))
	}
	if n := s.CountFor(sim.RouteListCustomers); n != 3 {
		t.Errorf("%d list calls, want 3 pages", n)
	}
	// Generated customers are stamped in 2025-01; Jane was updated in June.
	ids, err = c.ListChanged(ctx, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(ids) != 1 || ids[0] != janeID {
		t.Fatalf("updated_since: %v %v", ids, err)
	}
}

func TestValidate(t *testing.T) {
	s := start(t)
	if err := newConnector(t, config(s.URL)).Validate(ctx); err != nil {
		t.Fatal(err)
	}
	bad := config(s.URL)
	bad.Credentials = map[string]string{"apiKey": "wrong-key-123"}
	err := newConnector(t, bad).Validate(ctx)
	if !errors.Is(err, connector.ErrUnauthorized) || connector.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]ninetynineminds.Config{
		"no key":   {Config: connector.Config{BaseURL: "https://api.example"}},
		"bad url":  {Config: connector.Config{BaseURL: "api.example", Credentials: map[string]string{"apiKey": "k"}}},
		"user url": {Config: connector.Config{BaseURL: "https://u:p@api.example", Credentials: map[string]string{"apiKey": "k"}}},
	} {
		if _, err := ninetynineminds.New(cfg); !errors.Is(err, connector.ErrInvalidConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
