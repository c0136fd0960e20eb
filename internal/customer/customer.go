// Package customer holds the system-neutral customer record that flows
// between the mapping engine and the connectors, so that neither has to know
// the other: mapping produces a Payload, a destination connector turns it into
// its own wire format, and turns what it stores back into a Record.
package customer

// Payload is what a mapping produces for one destination record: standard
// fields by their PascalCase name (EmailAddress, FirstName, ...) holding
// wire-typed values (string, int64, float64, bool, []any, map[string]any),
// and custom fields by name holding non-empty strings.
type Payload struct {
	Fields       map[string]any    `json:"fields,omitempty"`
	CustomFields map[string]string `json:"customFields,omitempty"`
}

// Record is a customer as a destination holds it now: its id in that
// system, the same neutral view as a Payload (for diffs), and the raw wire
// document (for formulas that read the current destination).
type Record struct {
	ID string
	Payload
	Raw map[string]any
}

// RecordError is every failure of one record that is not the systems' doing:
// a filter, a rule or a system's caveat refused it. Reason is a stable
// CamelCase word from api/v1alpha1 (MissingEmailAddress, MappingFailed, ...)
// or an error filter's own reason; Field names the field concerned; Message
// says what to fix and never carries more of the customer than a field name
// or a short value.
type RecordError struct {
	Reason  string
	Field   string
	Message string
}

// Error reads "MissingEmailAddress: Email required for customer creation. ...".
func (e *RecordError) Error() string { return e.Reason + ": " + e.Message }
