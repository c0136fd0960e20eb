package ipaas

import (
	"context"
	"fmt"
	"slices"
)

// Seed stores customers as given, without validation (tests plant bad records this way), and
// then the links. Customers without an id get the next sequential id; missing timestamps are
// set to now. Links in Customer.ExternalIDs are honoured too. No hooks are sent.
func (s *Server) Seed(d Data) (Data, error) {
	now := s.stamp()
	out := Data{}
	for _, c := range d.Customers {
		if c.ID == "" {
			c.ID = s.st.newID()
		}
		if c.CreatedDatetime.IsZero() {
			c.CreatedDatetime = Time{now}
		}
		if c.UpdatedDatetime.IsZero() {
			c.UpdatedDatetime = c.CreatedDatetime
		}
		links := c.ExternalIDs
		c.ExternalIDs = nil
		s.st.put(c)
		for _, x := range links {
			s.st.link(Link{TableName: "customer", SystemID: x.SystemID, ExternalID: x.ExternalID, InternalID: c.ID})
		}
		stored, _ := s.st.get(c.ID)
		out.Customers = append(out.Customers, stored)
	}
	for _, l := range d.Links {
		if !s.st.link(l) {
			return out, fmt.Errorf("link %d/%s: customer %q does not exist", l.SystemID, l.ExternalID, l.InternalID)
		}
		out.Links = append(out.Links, l)
	}
	return out, nil
}

// Customer returns a stored customer.
func (s *Server) Customer(id string) (Customer, bool) { return s.st.get(id) }

// Customers returns every customer in list order.
func (s *Server) Customers() []Customer { return s.st.all() }

// FindByCustomerNumber returns every customer with that customer_number (more than one means a
// duplicate was created).
func (s *Server) FindByCustomerNumber(n string) []Customer {
	out, _ := s.st.page(filter{customerNumber: &n}, 1, int(^uint(0)>>1))
	return out
}

// Lookup returns the iPaaS id linked to an external id.
func (s *Server) Lookup(systemID int, externalID string) (string, bool) {
	return s.st.lookup(systemID, externalID)
}

// Links returns every external-id link.
func (s *Server) Links() []Link { return s.st.allLinks() }

// CustomFieldDefinitions returns the definitions for the customer collection.
func (s *Server) CustomFieldDefinitions() []CustomFieldDefinition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.defs)
}

// SetCustomFieldDefinitions replaces the definitions (e.g. to test a missing "Known To Film").
func (s *Server) SetCustomFieldDefinitions(defs []CustomFieldDefinition) {
	s.mu.Lock()
	s.defs = slices.Clone(defs)
	s.mu.Unlock()
}

// SetHook changes the hook emitter's target at run time; an empty URL stops hooks.
func (s *Server) SetHook(cfg HookConfig) { s.hooks.set(cfg) }

// Hook returns the hook emitter's configuration.
func (s *Server) Hook() HookConfig { return s.hooks.config() }

// Notify sends a hook for a customer as if it had been written (scope e.g. ScopeDeleted, which
// the simulator never sends by itself); an unknown id is sent with no external id.
func (s *Server) Notify(scope, id string) {
	c, ok := s.st.get(id)
	if !ok {
		c = Customer{ID: id}
	}
	s.hooks.emit(scope, c)
}

// WaitHooks returns once every hook sent so far has been delivered or given up on.
func (s *Server) WaitHooks(ctx context.Context) error { return s.hooks.out.Wait(ctx) }

// HookDeliveries returns the recent delivery attempts and how many hooks were dropped.
func (s *Server) HookDeliveries() ([]HookDelivery, int) { return s.hooks.history() }

// Reset restores the state New produced: initial data, faults, keys, users, token lifetime,
// custom field definitions and hook target; all tokens are revoked and traffic forgotten.
func (s *Server) Reset() {
	s.st.reset()
	s.auth.reset(s.opts)
	s.hooks.set(s.opts.Hook)
	s.hooks.clearHistory()
	_ = s.core.Faults.Set(s.opts.Faults)
	s.core.ResetTraffic()
	_ = s.loadInitial()
}
