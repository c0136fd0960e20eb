package ninetynineminds

import (
	"fmt"
	"strings"
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
