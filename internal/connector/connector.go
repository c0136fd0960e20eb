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
// (FindByLink, FindByNaturalKey) and linking at once after it.
type Destination interface {
	Validator
	// FindByLink returns the record linked to externalID, the id of the
	// record in the other system, or ErrNotFound when none is linked.
	FindByLink(ctx context.Context, externalID string) (*customer.Record, error)
	// FindByNaturalKey returns every record whose key field equals the
	// value (none is an empty slice, not an error), or ErrUnsupported where
	// the system cannot search by that field.
	FindByNaturalKey(ctx context.Context, key NaturalKey) ([]*customer.Record, error)
	// Get returns a record by its id in this system, or ErrNotFound.
	Get(ctx context.Context, id string) (*customer.Record, error)
	// Create stores a new record. It may return the created record together
	// with an error when a follow-up step failed: the caller must link that
	// record before retrying, so the retry updates instead of creating again.
	Create(ctx context.Context, p customer.Payload) (*customer.Record, error)
	// Update changes the fields p names (custom fields merge by name).
	Update(ctx context.Context, id string, p customer.Payload) (*customer.Record, error)
	// Link records that this system's record id corresponds to externalID.
	Link(ctx context.Context, id, externalID string) error
	// CustomFieldDefinitions lists the custom fields records may carry
	// (empty where the system has none).
	CustomFieldDefinitions(ctx context.Context) ([]CustomFieldDefinition, error)
}

// NaturalKey is a search by a field that identifies a customer outside any
// link: its customer number or its e-mail address.
type NaturalKey struct {
	// Field is a standard field name, KeyCustomerNumber or KeyEmailAddress.
	Field string
	Value string
}

// The natural keys destinations may search by.
const (
	KeyCustomerNumber = "CustomerNumber"
	KeyEmailAddress   = "EmailAddress"
)

// CustomFieldDefinition is a custom field a destination accepts.
type CustomFieldDefinition struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	DataType string `json:"dataType"`
}
