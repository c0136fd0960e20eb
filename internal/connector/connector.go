package connector

import (
	"context"
	"time"

	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Validator checks a connector's configuration and credentials with one
// cheap, real, authenticated call; the mapping's Ready condition uses it.
type Validator interface {
	Validate(ctx context.Context) error
}

// Source is a system records are read from.
type Source interface {
	Validator
	// Fetch returns one record as the system's own JSON document (numbers
	// as int64 or float64), ErrNotFound when the id is unknown.
	Fetch(ctx context.Context, id string) (map[string]any, error)
	// ListChanged returns the ids of records changed at or after since (all
	// records when since is zero), or ErrUnsupported where the system
	// cannot list.
	ListChanged(ctx context.Context, since time.Time) ([]string, error)
}

// Destination is a system records are written to. Every method is
// idempotent except Create, which the caller guards by observing first
// (a link, then FindByNaturalKey) and linking at once after it.
type Destination interface {
	Validator
	// FindByNaturalKey returns every record that matches the new record by
	// the system's natural key (none is an empty slice, not an error): the
	// record an attempt that stopped before linking created, or one made
	// outside the operator. Each system searches by its own key.
	FindByNaturalKey(ctx context.Context, key NaturalKey) ([]*customer.Record, error)
	// Get returns a record by its id in this system, or ErrNotFound.
	Get(ctx context.Context, id string) (*customer.Record, error)
	// Create stores a new record for the source record sourceID. It may
	// return the created record together with an error when a follow-up step
	// failed; the caller then retries, finds the record by its natural key
	// and completes it.
	Create(ctx context.Context, sourceID string, p customer.Payload) (*customer.Record, error)
	// Update changes the fields p names (custom fields merge by name).
	Update(ctx context.Context, id string, p customer.Payload) (*customer.Record, error)
	// CustomFieldDefinitions lists the custom fields records may carry
	// (empty where the system has none).
	CustomFieldDefinitions(ctx context.Context) ([]CustomFieldDefinition, error)
}

// NaturalKey is what FindByNaturalKey searches with: the id of the source
// record and the record the Add rules map it to. iPaaS.com searches by the
// mapped CustomerNumber; 99minds by the client_customer_id its Create stamps
// with the source id.
type NaturalKey struct {
	SourceID string
	Payload  customer.Payload
}

// Value returns a standard field of the mapped record as text ("" when
// absent or not text).
func (k NaturalKey) Value(field string) string {
	s, _ := k.Payload.Fields[field].(string)
	return s
}

// CustomFieldDefinition is a custom field a destination accepts.
type CustomFieldDefinition struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	DataType string `json:"dataType"`
}
