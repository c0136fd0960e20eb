package mapping

import "github.com/customersync/customer-sync-operator/internal/customer"

// NormalizeSource checks and repairs a source document in place before it
// is mapped, as the source system's descriptor says (99minds: numeric
// amounts, list shapes, the phone format). The error is a
// *customer.RecordError.
func (p *Program) NormalizeSource(doc map[string]any) error {
	if p.systems.Source == nil || p.systems.Source.Normalize == nil {
		return nil
	}
	return p.systems.Source.Normalize(doc)
}

// Validate checks a mapped payload against the destination's caveats
// (the mapping documents' "System Caveats" and "Error Handling"), before
// anything is written. For Add every required field must be present; for
// Update a field left out is left unchanged, so only the fields present are
// checked. The error is a *customer.RecordError.
func (p *Program) Validate(payload customer.Payload, set RuleSet) error {
	if p.systems.Destination.Validate == nil {
		return nil
	}
	return p.systems.Destination.Validate(payload, set == Add)
}
