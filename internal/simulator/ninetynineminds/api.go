package ninetynineminds

import (
	"fmt"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// Seed stores records as given, without validation, so tests can plant bad data (no email, a
// bad phone, a non-numeric amount). Missing ids and timestamps are filled in; records with an
// existing id replace it. It returns the records as stored.
func (s *Server) Seed(d Data) (Data, error) {
	now := s.stamp()
	out := Data{}
	for _, c := range d.Customers {
		if c.ID == "" {
			c.ID = s.newID("customer_")
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = c.CreatedAt
		}
		s.st.putCustomer(c)
		out.Customers = append(out.Customers, c)
	}
	for _, c := range d.LoyaltyCards {
		if c.CustomerID == "" {
			return out, fmt.Errorf("loyalty card %q has no customer_id", c.ID)
		}
		if c.ID == "" {
			c.ID = s.newID("loyaltycard_")
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		s.st.putCard(c)
		out.LoyaltyCards = append(out.LoyaltyCards, c)
	}
	for _, t := range d.Transactions {
		if t.CustomerID == "" {
			return out, fmt.Errorf("transaction %q has no customer_id", t.ID)
		}
		if t.ID == "" {
			t.ID = s.newID("transaction_")
		}
		if t.TransactionDate.IsZero() {
			t.TransactionDate = now
		}
		if t.TransactionType == "" {
			t.TransactionType = TxCredit
		}
		t.TransactionType = strings.ToUpper(t.TransactionType)
		s.st.addTransaction(t)
		out.Transactions = append(out.Transactions, t)
	}
	return out, nil
}

// Customer returns a stored customer.
func (s *Server) Customer(id string) (Customer, bool) { return s.st.customer(id) }

// Customers returns every customer in list order.
func (s *Server) Customers() []Customer { return s.st.allCustomers() }

// LoyaltyCards returns a customer's cards.
func (s *Server) LoyaltyCards(customerID string) []LoyaltyCard { return s.st.cardsOf(customerID) }

// Transactions returns a customer's transactions.
func (s *Server) Transactions(customerID string) []Transaction {
	return s.st.transactionsOf(customerID)
}

// All returns every stored record.
func (s *Server) All() Data { return s.st.all() }

// Reset restores the state New produced: the initial data (re-seeded with the same ids), the
// initial faults and webhook target, and no recorded traffic or deliveries.
func (s *Server) Reset() {
	s.st.reset()
	s.hooks.Set(s.opts.Webhook)
	s.hooks.ClearHistory()
	_ = s.core.Faults.Set(s.opts.Faults)
	s.core.ResetTraffic()
	_ = s.loadInitial()
}

// Count is the number of API requests received (admin calls excluded).
func (s *Server) Count() int64 { return s.core.Recorder.Count() }

// CountFor is the number of requests on one route, e.g. CountFor(RouteGetCustomer).
func (s *Server) CountFor(pattern string) int64 { return s.core.Recorder.CountFor(pattern) }

// Counts returns the request count per route pattern.
func (s *Server) Counts() map[string]int64 { return s.core.Recorder.Counts() }

// Requests returns the last n requests received, oldest first (all kept when n <= 0).
func (s *Server) Requests(n int) []simhttp.Request { return s.core.Recorder.Last(n) }

// SetFaults replaces the faults in force.
func (s *Server) SetFaults(cfg fault.Config) error { return s.core.Faults.Set(cfg) }

// Faults returns the faults in force.
func (s *Server) Faults() fault.Config { return s.core.Faults.Config() }

// FaultStats returns how many faults were injected.
func (s *Server) FaultStats() fault.Stats { return s.core.Faults.Stats() }
