package mapping

import (
	"sort"
	"strconv"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// wireType is the JSON type a destination field holds on the wire; rule
// values are converted to it so connectors never guess.
type wireType int

const (
	wireString wireType = iota // text; custom fields are always text
	wireInt                    // iPaaS.com category_id
	wireList                   // iPaaS.com categories, passed through as a list
)

func (w wireType) String() string {
	switch w {
	case wireInt:
		return "an integer"
	case wireList:
		return "a list"
	}
	return "a string"
}

// destinationFields are the standard fields each system accepts, from the
// mapping documents and docs/external-apis.md.
var destinationFields = map[v1alpha1.SystemType]map[v1alpha1.DestinationField]wireType{
	v1alpha1.SystemIPaaS: {
		v1alpha1.FieldCustomerNumber: wireString,
		v1alpha1.FieldFirstName:      wireString,
		v1alpha1.FieldLastName:       wireString,
		v1alpha1.FieldEmailAddress:   wireString,
		v1alpha1.FieldCompany:        wireString,
		v1alpha1.FieldComment:        wireString,
		v1alpha1.FieldCategories:     wireList,
		v1alpha1.FieldCategoryID:     wireInt,
	},
	v1alpha1.SystemOpenAI: {
		v1alpha1.FieldID:             wireString,
		v1alpha1.FieldPromptText:     wireString,
		v1alpha1.FieldCustomerNumber: wireString,
		v1alpha1.FieldFirstName:      wireString,
		v1alpha1.FieldLastName:       wireString,
		v1alpha1.FieldEmailAddress:   wireString,
		v1alpha1.FieldCategories:     wireList,
		v1alpha1.FieldComment:        wireString,
	},
	v1alpha1.SystemNinetyNineMinds: {
		v1alpha1.FieldName:             wireString,
		v1alpha1.FieldEmail:            wireString,
		v1alpha1.FieldPhoneNumber:      wireString,
		v1alpha1.FieldCompany:          wireString,
		v1alpha1.FieldNotes:            wireString,
		v1alpha1.FieldClientCustomerID: wireString,
	},
}

// customFieldSystems accept custom fields: iPaaS.com's defined custom
// fields, and extra request fields sent to OpenAI.
var customFieldSystems = map[v1alpha1.SystemType]bool{
	v1alpha1.SystemIPaaS:  true,
	v1alpha1.SystemOpenAI: true,
}

// ipaasJSONNames are iPaaS.com's snake_case JSON names of the PascalCase
// fields the mapping documents use, to point a Field rule that reads an
// iPaaS.com record by the document's name at the name the record has.
var ipaasJSONNames = map[string]string{
	"CustomerNumber": "customer_number",
	"FirstName":      "first_name",
	"LastName":       "last_name",
	"EmailAddress":   "email_address",
	"Company":        "company",
	"Comment":        "comment",
	"Categories":     "categories",
	"CategoryId":     "category_id",
}

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

// resolveTarget checks that system accepts t and returns its wire type.
func resolveTarget(system v1alpha1.SystemType, t target) (wireType, string) {
	switch {
	case t.field != "" && t.custom != "":
		return 0, "set exactly one of destination.field or destination.customField"
	case t.field == "" && t.custom == "":
		return 0, "destination needs field or customField"
	case t.custom != "":
		if !customFieldSystems[system] {
			return 0, string(system) + " has no custom fields; use one of " + acceptedFields(system)
		}
		if strings.TrimSpace(t.custom) != t.custom {
			return 0, "customField must not start or end with spaces"
		}
		return wireString, ""
	}
	fields, ok := destinationFields[system]
	if !ok {
		return 0, "unknown destination system " + strconv.Quote(string(system))
	}
	w, ok := fields[t.field]
	if !ok {
		return 0, string(system) + " does not accept field " + string(t.field) + "; it accepts " + acceptedFields(system)
	}
	return w, ""
}

// acceptedFields lists a system's standard fields, for messages.
func acceptedFields(system v1alpha1.SystemType) string {
	names := make([]string, 0, len(destinationFields[system]))
	for f := range destinationFields[system] {
		names = append(names, string(f))
	}
	sort.Strings(names)
	s := strings.Join(names, ", ")
	if customFieldSystems[system] {
		s += " and custom fields"
	}
	return s
}
