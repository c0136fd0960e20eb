package ninetynineminds

import (
	"sort"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
	"sync"
	"time"
)

// store holds the records; every method copies in and out so callers never share memory with it.
type store struct {
	mu              sync.RWMutex
	customers       map[string]Customer
	customerJSON    map[string][]byte // the GET answer, encoded once per write: GETs dominate benchmarks
	order           []string          // creation order, the list order
	cards           map[string]LoyaltyCard
	cardsByCustomer map[string][]string
	txByCustomer    map[string][]Transaction
}

func newStore() *store {
	s := &store{}
	s.reset()
	return s
}

func (s *store) reset() {
	s.mu.Lock()
	s.customers = map[string]Customer{}
	s.customerJSON = map[string][]byte{}
	s.order = nil
	s.cards = map[string]LoyaltyCard{}
	s.cardsByCustomer = map[string][]string{}
	s.txByCustomer = map[string][]Transaction{}
	s.mu.Unlock()
}

func (s *store) customer(id string) (Customer, bool) {
	s.mu.RLock()
	c, ok := s.customers[id]
	s.mu.RUnlock()
	return c, ok
}

// customerBody returns the encoded GET answer for a customer.
func (s *store) customerBody(id string) ([]byte, bool) {
	s.mu.RLock()
	b, ok := s.customerJSON[id]
	s.mu.RUnlock()
	return b, ok
}

// putCustomer inserts or replaces; a new id goes to the end of the list order.
func (s *store) putCustomer(c Customer) {
	body, _ := simhttp.Marshal(envelope{Code: 200, Message: "success", Data: c})
	s.mu.Lock()
	if _, ok := s.customers[c.ID]; !ok {
		s.order = append(s.order, c.ID)
	}
	s.customers[c.ID] = c
	s.customerJSON[c.ID] = body
	s.mu.Unlock()
}

// page returns one page of customers updated at or after since (zero since: all), in creation order.
func (s *store) page(pageNo, pageSize int, since time.Time) ([]Customer, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Customer, 0, pageSize)
	total := 0
	first := (pageNo - 1) * pageSize
	for _, id := range s.order {
		c := s.customers[id]
		if !since.IsZero() && c.UpdatedAt.Before(since) {
			continue
		}
		if total >= first && len(out) < pageSize {
			out = append(out, c)
		}
		total++
	}
	return out, total
}

func (s *store) allCustomers() []Customer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Customer, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.customers[id])
	}
	return out
}

func (s *store) card(id string) (LoyaltyCard, bool) {
	s.mu.RLock()
	c, ok := s.cards[id]
	s.mu.RUnlock()
	return c, ok
}

func (s *store) putCard(c LoyaltyCard) {
	s.mu.Lock()
	if _, ok := s.cards[c.ID]; !ok {
		s.cardsByCustomer[c.CustomerID] = append(s.cardsByCustomer[c.CustomerID], c.ID)
	}
	s.cards[c.ID] = c
	s.mu.Unlock()
}

func (s *store) cardsOf(customerID string) []LoyaltyCard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.cardsByCustomer[customerID]
	out := make([]LoyaltyCard, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.cards[id])
	}
	return out
}

func (s *store) addTransaction(t Transaction) {
	s.mu.Lock()
	list := s.txByCustomer[t.CustomerID]
	for i := range list {
		if list[i].ID == t.ID {
			list[i] = t
			s.mu.Unlock()
			return
		}
	}
	s.txByCustomer[t.CustomerID] = append(list, t)
	s.mu.Unlock()
}

func (s *store) transactionsOf(customerID string) []Transaction {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append(make([]Transaction, 0, len(s.txByCustomer[customerID])), s.txByCustomer[customerID]...)
}

func (s *store) all() Data {
	d := Data{Customers: s.allCustomers()}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range d.Customers {
		for _, id := range s.cardsByCustomer[c.ID] {
			d.LoyaltyCards = append(d.LoyaltyCards, s.cards[id])
		}
		d.Transactions = append(d.Transactions, s.txByCustomer[c.ID]...)
	}
	// Cards and transactions seeded for customers that do not exist are kept and shown too.
	known := make(map[string]bool, len(d.Customers))
	for _, c := range d.Customers {
		known[c.ID] = true
	}
	var orphans []string
	for cid := range s.cardsByCustomer {
		if !known[cid] {
			orphans = append(orphans, cid)
		}
	}
	for cid := range s.txByCustomer {
		if !known[cid] && len(s.cardsByCustomer[cid]) == 0 {
			orphans = append(orphans, cid)
		}
	}
	sort.Strings(orphans)
	for _, cid := range orphans {
		for _, id := range s.cardsByCustomer[cid] {
			d.LoyaltyCards = append(d.LoyaltyCards, s.cards[id])
		}
		d.Transactions = append(d.Transactions, s.txByCustomer[cid]...)
	}
	return d
}
