package connector

import (
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Helpers for the systems' caveats (Descriptor.Validate), so that every
// system words a missing or malformed field the same way.

// Blank reports a required field as missing: empty when present, or absent
// when the record is being created (an update leaves absent fields as they
// are).
func Blank(p customer.Payload, field string, creating bool) bool {
	v, ok := p.Fields[field]
	if !ok {
		return creating
	}
	s, isText := Text(v)
	return isText && strings.TrimSpace(s) == ""
}

// RequireEmail is the seeds' "Missing EmailAddress" caveat: field must hold
// a plain, well-formed address.
func RequireEmail(p customer.Payload, field string, creating bool) error {
	if Blank(p, field, creating) {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingEmailAddress, Field: field,
			Message: fmt.Sprintf("Email required for customer creation. Provide a valid email: %s is empty.", field)}
	}
	v, ok := p.Fields[field]
	if !ok {
		return nil
	}
	s, _ := Text(v)
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingEmailAddress, Field: field,
			Message: fmt.Sprintf("Email required for customer creation. Provide a valid email: %s is not an address like name@example.com.", field)}
	}
	return nil
}

// Text renders a scalar wire value as text; ok is false for lists, objects
// and non-finite numbers.
func Text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
