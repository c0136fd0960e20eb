package ninetynineminds

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Get returns a customer by its 99minds id.
func (c *Connector) Get(ctx context.Context, id string) (*customer.Record, error) {
	seg, err := connector.PathSegment(System, "GetCustomer", id)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if _, err := c.get(ctx, "GetCustomer", pathCustomers+"/"+seg, nil, &raw); err != nil {
		return nil, err
	}
	return toRecord(raw)
}

// FindByNaturalKey finds the customers an earlier Create made for the
// source record: those whose client_customer_id is the source id. The
// contract has no search, so the customer list is scanned, incrementally
// (see clientIndex), and every candidate is read again to confirm it.
func (c *Connector) FindByNaturalKey(ctx context.Context, key connector.NaturalKey) ([]*customer.Record, error) {
	out := []*customer.Record{}
	if key.SourceID == "" {
		return out, nil
	}
	ids, err := c.index.lookup(ctx, c, key.SourceID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		rec, err := c.Get(ctx, id)
		if errors.Is(err, connector.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if v, _ := rec.Raw[linkField].(string); v == key.SourceID {
			out = append(out, rec)
		}
	}
	return out, nil
}

// Create stores a new customer with client_customer_id set to the source
// record's id, so that FindByNaturalKey finds it again, and, with
// EnsureCard, issues it a card. When the card fails the created customer is
// returned with the error.
func (c *Connector) Create(ctx context.Context, sourceID string, p customer.Payload) (*customer.Record, error) {
	body, err := toWire("CreateCustomer", p)
	if err != nil {
		return nil, err
	}
	delete(body, "id")
	if sourceID != "" {
		body[linkField] = sourceID
	}
	rec, err := c.save(ctx, "CreateCustomer", body)
	if err != nil {
		c.index.created(sourceID, "") // it may have been stored all the same
		return nil, err
	}
	c.index.created(sourceID, rec.ID)
	return rec, c.maybeEnsureCard(ctx, rec.ID)
}

// Update changes the fields p names: a POST that carries the id [assumed].
func (c *Connector) Update(ctx context.Context, id string, p customer.Payload) (*customer.Record, error) {
	if id == "" {
		return nil, connector.Invalid(System, "UpdateCustomer", map[string][]string{"id": {"a customer id is required"}})
	}
	body, err := toWire("UpdateCustomer", p)
	if err != nil {
		return nil, err
	}
	rec, err := c.save(ctx, "UpdateCustomer", updateBody(id, body))
	if err != nil {
		return nil, err
	}
	return rec, c.maybeEnsureCard(ctx, rec.ID)
}

// CustomFieldDefinitions returns none: 99minds has no custom fields.
func (c *Connector) CustomFieldDefinitions(context.Context) ([]connector.CustomFieldDefinition, error) {
	return []connector.CustomFieldDefinition{}, nil
}

// IssueLoyaltyCard issues a card to a customer with a starting balance
// (0 is the usual amount) and returns the card as 99minds stored it.
func (c *Connector) IssueLoyaltyCard(ctx context.Context, customerID string, amount float64) (map[string]any, error) {
	var card map[string]any
	if _, err := c.call(ctx, "IssueLoyaltyCard", http.MethodPost, pathIssueCard, nil, issueBody(customerID, amount), &card); err != nil {
		return nil, err
	}
	return card, nil
}

// EnsureLoyaltyCard issues a card with amount 0 unless the customer has
// one, so repeating it never issues a second card. It returns the first
// card and whether it was issued now.
func (c *Connector) EnsureLoyaltyCard(ctx context.Context, customerID string) (map[string]any, bool, error) {
	var cards []map[string]any
	if _, err := c.get(ctx, "ListLoyaltyCards", pathCards, url.Values{"customer_id": {customerID}}, &cards); err != nil {
		return nil, false, err
	}
	if len(cards) > 0 {
		return cards[0], false, nil
	}
	card, err := c.IssueLoyaltyCard(ctx, customerID, 0)
	return card, err == nil, err
}

func (c *Connector) maybeEnsureCard(ctx context.Context, id string) error {
	if !c.ensure {
		return nil
	}
	_, _, err := c.EnsureLoyaltyCard(ctx, id)
	return err
}

func (c *Connector) save(ctx context.Context, op string, body map[string]any) (*customer.Record, error) {
	var raw map[string]any
	if _, err := c.call(ctx, op, http.MethodPost, pathCustomers, nil, body, &raw); err != nil {
		return nil, err
	}
	return toRecord(raw)
}

// toWire turns a payload into a 99minds body, rejecting fields 99minds
// does not have before any request is sent.
func toWire(op string, p customer.Payload) (map[string]any, error) {
	body := map[string]any{}
	bad := map[string][]string{}
	for name, v := range p.Fields {
		wire, ok := standardFields[name]
		if !ok {
			bad[name] = []string{"99minds customers have no field " + name + "; use " + fieldList()}
			continue
		}
		s, ok := connector.Text(v)
		if !ok || v == nil {
			bad[name] = []string{"must be text"}
			continue
		}
		body[wire] = s
	}
	for name := range p.CustomFields {
		bad[name] = []string{"99minds has no custom fields"}
	}
	if len(bad) > 0 {
		return nil, connector.Invalid(System, op, bad)
	}
	return body, nil
}

func fieldList() string {
	names := make([]string, 0, len(standardFields))
	for n := range standardFields {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// toRecord builds the neutral view of a 99minds customer.
func toRecord(raw map[string]any) (*customer.Record, error) {
	id, _ := raw["id"].(string)
	if id == "" {
		return nil, connector.BadResponse(System, "ReadCustomer", "", errors.New("the customer has no id"))
	}
	fields := map[string]any{}
	for name, wire := range standardFields {
		if v, ok := raw[wire]; ok && v != nil {
			fields[name] = v
		}
	}
	return &customer.Record{ID: id, Payload: customer.Payload{Fields: fields}, Raw: raw}, nil
}
