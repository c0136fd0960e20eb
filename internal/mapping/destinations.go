package mapping

import (
	"strconv"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Systems are the descriptors of a mapping's two ends: which fields the
// destination accepts and requires, its caveats, how the source's documents
// are normalized and named. The engine reads them and never calls a
// connector.
type Systems struct {
	Source, Destination *connector.Descriptor
}

// wireType is the JSON type a destination field holds on the wire; rule
// values are converted to it so connectors never guess.
type wireType = connector.WireType

const (
	wireString = connector.WireString
	wireInt    = connector.WireInt
	wireList   = connector.WireList
)

// target is where a rule writes.
type target struct {
	field  v1alpha1.DestinationField
	custom string
}

func newTarget(d v1alpha1.RuleDestination) target {
	return target{field: d.Field, custom: d.CustomField}
}

// String names the target in messages: FirstName, or customField "Known To Film".
func (t target) String() string {
	if t.custom != "" {
		return "customField " + strconv.Quote(t.custom)
	}
	return string(t.field)
}

// resolveTarget checks that the destination accepts t and returns its wire
// type, or why it does not.
func resolveTarget(dst *connector.Descriptor, t target) (wireType, string) {
	switch {
	case t.field != "" && t.custom != "":
		return 0, "set exactly one of destination.field or destination.customField"
	case t.field == "" && t.custom == "":
		return 0, "destination needs field or customField"
	case t.custom != "":
		if !dst.Capabilities.CustomFields {
			return 0, dst.Name + " has no custom fields; use one of " + dst.AcceptedFields()
		}
		if strings.TrimSpace(t.custom) != t.custom {
			return 0, "customField must not start or end with spaces"
		}
		return wireString, ""
	}
	if why, ok := dst.Reserved[t.field]; ok {
		return 0, "field " + string(t.field) + " is not written by rules: " + why
	}
	w, ok := dst.Fields[t.field]
	if !ok {
		return 0, dst.Name + " does not accept field " + string(t.field) + "; it accepts " + dst.AcceptedFields()
	}
	return w, ""
}

// required reports whether a new destination record must have the field.
func required(dst *connector.Descriptor, t target) bool {
	if t.custom != "" {
		return false
	}
	for _, f := range dst.Required {
		if f == t.field {
			return true
		}
	}
	return false
}
