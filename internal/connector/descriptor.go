package connector

import (
	"context"
	"sort"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Descriptor is everything the operator knows about one system, stated once,
// in the system's connector package: what it can do, which fields it
// accepts, its caveats, how its documents are normalized, what its webhooks
// send and how its connector is built. The mapping engine, the syncer, the
// receiver and the controllers look it up (package systems) and never test a
// system type themselves.
type Descriptor struct {
	// Type is the system's name in the API (spec.source.system).
	Type v1alpha1.SystemType
	// Name is the system's name in messages, logs and metrics ("99minds").
	Name string
	// Capabilities say what the system's connector can do.
	Capabilities Capabilities
	// Fields are the standard fields a mapping may write to the system, with
	// their wire types.
	Fields map[v1alpha1.DestinationField]WireType
	// StaticFields must be written by a Static rule of spec.addRules
	// (OpenAI's PromptText).
	StaticFields []v1alpha1.DestinationField
	// Reserved are fields the flow writes itself, with the reason, so a rule
	// may not (99minds' ClientCustomerId carries the source's id).
	Reserved map[v1alpha1.DestinationField]string
	// Required are the fields a new record must have (Validate enforces
	// them). A rule that feeds one of them from an absent source field yields
	// an empty value, so the record fails with the field's caveat
	// (MissingEmailAddress, ...) rather than a formula error.
	Required []v1alpha1.DestinationField
	// JSONNames maps the mapping documents' PascalCase names to the JSON
	// names of the system's records where they differ (iPaaS.com's
	// snake_case); a Field rule reading the system by a document name is
	// refused with the name to write instead.
	JSONNames map[string]string
	// Validate checks a payload against the system's caveats before it is
	// written; creating is true for a new record, which must have every
	// required field. The error is a *customer.RecordError. Nil: no caveats.
	Validate func(p customer.Payload, creating bool) error
	// Normalize checks and repairs a document read from the system, in
	// place, before it is mapped. The error is a *customer.RecordError. Nil:
	// documents are mapped as read.
	Normalize func(doc map[string]any) error
	// Apply returns a copy of a document as the system stores it after p is
	// written to it. Required with Capabilities.Update for a system the
	// enrich flow writes back to.
	Apply func(doc map[string]any, p customer.Payload) map[string]any
	// WebhookIDFields are the fields of a webhook notification that may hold
	// the system's own record id, in order of preference.
	WebhookIDFields []string
	// New builds the connector from its endpoint's Config and the mapping
	// it serves (for system settings such as spec.openAI). The result
	// implements Source, Destination, LinkStore and Model as Capabilities
	// say; systems.TestDescriptors checks that it does.
	New func(cfg Config, spec *v1alpha1.CustomerMappingSpec) (Validator, error)
}

// Capabilities are what a system's connector can do; the syncer picks a
// flow from them and refuses a mapping that asks for more.
type Capabilities struct {
	// ReadByID: Source.Fetch returns one record.
	ReadByID bool
	// ListChanged: Source.ListChanged lists the records changed since a
	// time (bulk syncs and polling).
	ListChanged bool
	// Create and Update: Destination writes records.
	Create, Update bool
	// FindByLink: the system keeps the external-id links between its
	// records and other systems' (LinkStore), as a hub does. Whichever end
	// of a mapping has it holds the mapping's links.
	FindByLink bool
	// FindByNaturalKey: Destination.FindByNaturalKey finds a record again
	// without a link, so an attempt that stopped between create and link
	// never creates a second record.
	FindByNaturalKey bool
	// CustomFields: records carry named custom fields
	// (Destination.CustomFieldDefinitions lists them).
	CustomFields bool
	// Model: the system answers prompts (Model); a mapping to it runs the
	// enrich flow.
	Model bool
}

// List names the capabilities that are set, for docs and messages.
func (c Capabilities) List() []string {
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{
		{c.ReadByID, "read by id"}, {c.ListChanged, "list changed since"}, {c.Create, "create"},
		{c.Update, "update"}, {c.FindByLink, "find by link"}, {c.FindByNaturalKey, "find by natural key"},
		{c.CustomFields, "custom fields"}, {c.Model, "model"},
	} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return out
}

// WireType is the JSON type a destination field holds on the wire; rule
// values are converted to it so that connectors never guess.
type WireType int

// The wire types of destination fields.
const (
	// WireString is text; custom fields are always text.
	WireString WireType = iota
	// WireInt is an integer (iPaaS.com category_id).
	WireInt
	// WireList is a list passed through as is (iPaaS.com categories).
	WireList
)

// String names the type in messages.
func (w WireType) String() string {
	switch w {
	case WireInt:
		return "an integer"
	case WireList:
		return "a list"
	}
	return "a string"
}

// AcceptedFields lists the standard fields the system accepts, sorted, and
// says whether it has custom fields, for messages.
func (d *Descriptor) AcceptedFields() string {
	names := make([]string, 0, len(d.Fields))
	for f := range d.Fields {
		if _, reserved := d.Reserved[f]; !reserved {
			names = append(names, string(f))
		}
	}
	sort.Strings(names)
	s := strings.Join(names, ", ")
	if d.Capabilities.CustomFields {
		s += " and custom fields"
	}
	return s
}

// LinkStore is a system that keeps external-id links to other systems'
// records: iPaaS.com, the hub, keeps them for every direction, whether it is
// a mapping's destination or its source.
type LinkStore interface {
	// FindByLink returns the record linked to externalID (the other
	// system's id of it), or ErrNotFound when none is linked.
	FindByLink(ctx context.Context, externalID string) (*customer.Record, error)
	// LinkedID returns the other system's id linked to one of this system's
	// records, read from the record's document; "" when none is.
	LinkedID(doc map[string]any) string
	// Link records that this system's record id corresponds to externalID;
	// linking again is harmless.
	Link(ctx context.Context, id, externalID string) error
}
