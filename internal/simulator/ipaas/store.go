package ipaas

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

type linkKey struct {
	systemID   int
	externalID string
}

// store holds customers and external-id links; it copies in and out.
type store struct {
	mu        sync.RWMutex
	firstID   int
	nextID    int
	customers map[string]Customer
	encoded   map[string][]byte // GET answers, re-encoded on every write: GETs dominate benchmarks
	order     []string          // creation order, the list order
	links     map[linkKey]string
}

func newStore(firstID int) *store {
	if firstID <= 0 {
		firstID = DefaultFirstID
	}
	s := &store{firstID: firstID}
	s.reset()
	return s
}

func (s *store) reset() {
	s.mu.Lock()
	s.nextID = s.firstID
	s.customers = map[string]Customer{}
	s.encoded = map[string][]byte{}
	s.order = nil
	s.links = map[linkKey]string{}
	s.mu.Unlock()
}

// newID hands out sequential numeric ids, like the real service.
func (s *store) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		id := strconv.Itoa(s.nextID)
		s.nextID++
		if _, taken := s.customers[id]; !taken {
			return id
		}
	}
}

func (s *store) get(id string) (Customer, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.customers[id]
	return clone(c), ok
}

// body returns the encoded GET answer for a customer.
func (s *store) body(id string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.encoded[id]
	return b, ok
}

// save stores c and its encoded answer; the caller holds the write lock.
func (s *store) save(c Customer) {
	s.customers[c.ID] = c
	s.encoded[c.ID], _ = simhttp.Marshal(output(c))
}

func (s *store) put(c Customer) {
	c = clone(c)
	s.mu.Lock()
	if _, ok := s.customers[c.ID]; !ok {
		s.order = append(s.order, c.ID)
	}
	s.save(c)
	s.mu.Unlock()
}

// update applies fn to a stored customer under the write lock, so concurrent updates of one
// customer serialise; fn returns false to abort.
func (s *store) update(id string, fn func(*Customer) bool) (Customer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[id]
	if !ok {
		return Customer{}, false
	}
	c = clone(c)
	if !fn(&c) {
		return c, true
	}
	s.save(c)
	return clone(c), true
}

type filter struct {
	customerNumber, email *string
	since                 time.Time
}

func (f filter) match(c *Customer) bool {
	if f.customerNumber != nil && c.CustomerNumber != *f.customerNumber {
		return false
	}
	if f.email != nil && !strings.EqualFold(c.EmailAddress, *f.email) {
		return false
	}
	return f.since.IsZero() || !c.UpdatedDatetime.Before(f.since)
}

// page returns one page of matching customers in creation order, and the number matching.
func (s *store) page(f filter, pageNo, pageSize int) ([]Customer, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Customer, 0, min(pageSize, 64))
	first, total := (pageNo-1)*pageSize, 0
	for _, id := range s.order {
		c := s.customers[id]
		if !f.match(&c) {
			continue
		}
		if total >= first && len(out) < pageSize {
			out = append(out, clone(c))
		}
		total++
	}
	return out, total
}

func (s *store) all() []Customer {
	out, _ := s.page(filter{}, 1, int(^uint(0)>>1))
	return out
}

func (s *store) lookup(systemID int, externalID string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.links[linkKey{systemID, externalID}]
	return id, ok
}

// link points (systemID, externalID) at internalID, moving it off any other customer and
// replacing the customer's previous link for that system.
func (s *store) link(l Link) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	target, ok := s.customers[l.InternalID]
	if !ok {
		return false
	}
	key := linkKey{l.SystemID, l.ExternalID}
	if prev, ok := s.links[key]; ok && prev != l.InternalID {
		if c, ok := s.customers[prev]; ok {
			c = clone(c)
			c.ExternalIDs = slices.DeleteFunc(c.ExternalIDs, func(e ExternalID) bool { return e.SystemID == l.SystemID && e.ExternalID == l.ExternalID })
			s.save(c)
		}
	}
	target = clone(target)
	target.ExternalIDs = slices.DeleteFunc(target.ExternalIDs, func(e ExternalID) bool {
		if e.SystemID == l.SystemID {
			delete(s.links, linkKey{e.SystemID, e.ExternalID})
			return true
		}
		return false
	})
	target.ExternalIDs = append(target.ExternalIDs, ExternalID{SystemID: l.SystemID, ExternalID: l.ExternalID, InternalID: l.InternalID})
	s.save(target)
	s.links[key] = l.InternalID
	return true
}

func (s *store) allLinks() []Link {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Link, 0, len(s.links))
	for _, id := range s.order {
		for _, e := range s.customers[id].ExternalIDs {
			out = append(out, Link{TableName: "customer", SystemID: e.SystemID, ExternalID: e.ExternalID, InternalID: id})
		}
	}
	return out
}

// clone copies the slices so stored records never alias caller memory.
func clone(c Customer) Customer {
	c.Categories = slices.Clone(c.Categories)
	c.CustomFields = slices.Clone(c.CustomFields)
	c.ExternalIDs = slices.Clone(c.ExternalIDs)
	if c.CategoryID != nil {
		v := *c.CategoryID
		c.CategoryID = &v
	}
	return c
}
