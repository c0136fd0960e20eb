package ipaas

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

var errNoID = errors.New("the customer has no id")

// maxPages stops a list whose paging never ends from looping for ever.
const maxPages = 100000

// Fetch returns a customer's raw document, for flows whose source is
// iPaaS.com.
func (c *Connector) Fetch(ctx context.Context, id string) (map[string]any, error) {
	seg, err := connector.PathSegment(System, "GetCustomer", id)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	err = c.client.Do(ctx, connector.Call{Operation: "GetCustomer", Method: http.MethodGet,
		Path: pathCustomer + "/" + seg, Out: &raw})
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, connector.NotFound(System, "GetCustomer", "the response held no customer")
	}
	return raw, nil
}

// Get returns a customer by its iPaaS.com id.
func (c *Connector) Get(ctx context.Context, id string) (*customer.Record, error) {
	raw, err := c.Fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	return toRecord(raw)
}

// ListChanged pages through customers updated at or after since, following
// the X-Pagination header, and returns their ids without duplicates.
func (c *Connector) ListChanged(ctx context.Context, since time.Time) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"pageNumber": {strconv.Itoa(page)}, "pageSize": {strconv.Itoa(c.pageSize)}}
		if !since.IsZero() {
			q.Set("UpdatedSince", updatedSinceParam(since))
		}
		var items []map[string]any
		var h http.Header
		if err := c.client.Do(ctx, connector.Call{Operation: "ListCustomers", Method: http.MethodGet,
			Path: pathCustomers, Query: q, Out: &items, ResponseHeader: &h}); err != nil {
			return nil, err
		}
		for _, it := range items {
			if id := idString(it["id"]); id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(items) == 0 || !hasMorePages(h.Get("X-Pagination"), page, len(items), c.pageSize) {
			break
		}
	}
	return ids, nil
}

// FindByNaturalKey finds the customers whose CustomerNumber is the mapped
// record's: iPaaS.com requires a CustomerNumber, and the mappings write one
// that identifies the source record.
func (c *Connector) FindByNaturalKey(ctx context.Context, key connector.NaturalKey) ([]*customer.Record, error) {
	number := key.Value(FieldCustomerNumber)
	if number == "" {
		return []*customer.Record{}, nil // the caveats report the missing number
	}
	return c.SearchCustomers(ctx, FieldCustomerNumber, number)
}

// The fields SearchCustomers can search by [doc for EmailAddress, assumed
// for CustomerNumber].
const (
	FieldCustomerNumber = "CustomerNumber"
	FieldEmailAddress   = "EmailAddress"
)

// SearchCustomers returns the customers whose field equals value; the
// search answers an array, empty when nothing matches.
func (c *Connector) SearchCustomers(ctx context.Context, field, value string) ([]*customer.Record, error) {
	switch field {
	case FieldCustomerNumber, FieldEmailAddress:
	default:
		return nil, connector.Unsupported(System, "SearchCustomers", "iPaaS.com searches by CustomerNumber or EmailAddress only")
	}
	if value == "" {
		return nil, connector.Invalid(System, "SearchCustomers", map[string][]string{field: {"a search value is required"}})
	}
	var items []map[string]any
	if err := c.client.Do(ctx, connector.Call{Operation: "SearchCustomers", Method: http.MethodGet,
		Path: pathCustomers, Query: searchQuery(field, value), Out: &items}); err != nil {
		return nil, err
	}
	out := make([]*customer.Record, 0, len(items))
	for _, it := range items {
		r, err := toRecord(it)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Create stores a new customer and returns it with its id; the caller links
// it to sourceID (see Link), iPaaS.com keeps links apart from the customer.
func (c *Connector) Create(ctx context.Context, _ string, p customer.Payload) (*customer.Record, error) {
	body, err := toWire("CreateCustomer", p)
	if err != nil {
		return nil, err
	}
	return c.write(ctx, "CreateCustomer", http.MethodPost, pathCustomer, body)
}

// Update replaces the standard fields p names and merges its custom fields
// by name (PUT) [assumed].
func (c *Connector) Update(ctx context.Context, id string, p customer.Payload) (*customer.Record, error) {
	seg, err := connector.PathSegment(System, "UpdateCustomer", id)
	if err != nil {
		return nil, err
	}
	body, err := toWire("UpdateCustomer", p)
	if err != nil {
		return nil, err
	}
	return c.write(ctx, "UpdateCustomer", http.MethodPut, pathCustomer+"/"+seg, body)
}

func (c *Connector) write(ctx context.Context, op, method, path string, body map[string]any) (*customer.Record, error) {
	var raw map[string]any
	if err := c.client.Do(ctx, connector.Call{Operation: op, Method: method, Path: path, Body: body, Out: &raw}); err != nil {
		return nil, err
	}
	return toRecord(raw)
}
