package ninetynineminds

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/text"
)

// Descriptor is what the operator knows about 99minds: customers read by id
// (with their loyalty cards and transactions) and listed by updated_since,
// written by one POST, no custom fields, no link table and no search; a
// customer it created is found again by the client_customer_id it stamps
// (docs/external-apis.md §1).
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Type: v1alpha1.SystemNinetyNineMinds,
		Name: System,
		Capabilities: connector.Capabilities{
			ReadByID: true, ListChanged: true, Create: true, Update: true, FindByNaturalKey: true,
		},
		Fields: map[v1alpha1.DestinationField]connector.WireType{
			v1alpha1.FieldName:             connector.WireString,
			v1alpha1.FieldEmail:            connector.WireString,
			v1alpha1.FieldPhoneNumber:      connector.WireString,
			v1alpha1.FieldCompany:          connector.WireString,
			v1alpha1.FieldNotes:            connector.WireString,
			v1alpha1.FieldClientCustomerID: connector.WireString,
		},
		Reserved: map[v1alpha1.DestinationField]string{
			v1alpha1.FieldClientCustomerID: "the operator sets it to the source record's id when it creates the customer, so that an interrupted create is found again",
		},
		Required:  []v1alpha1.DestinationField{v1alpha1.FieldName, v1alpha1.FieldEmail},
		Validate:  validate,
		Normalize: normalize,
		// 99minds sends its own id as external_id, in the iPaaS.com hook
		// format [assumed].
		WebhookIDFields: []string{"external_id", "id"},
		New: func(cfg connector.Config, _ *v1alpha1.CustomerMappingSpec) (connector.Validator, error) {
			// As iPaaS.com's own 99minds integration does, a customer the
			// operator writes has a loyalty card (balance 0 when issued).
			return New(Config{Config: cfg, EnsureCard: true})
		},
	}
}

// phonePattern is the 99minds rule [doc]: numeric, or "+" then 8 to 15 digits.
var phonePattern = regexp.MustCompile(`^(\+[0-9]{8,15}|[0-9]+)$`)

// validate is the mapping document's 99minds caveats: Email and Name are
// mandatory, the phone number numeric or international.
func validate(p customer.Payload, creating bool) error {
	if err := connector.RequireEmail(p, string(v1alpha1.FieldEmail), creating); err != nil {
		return err
	}
	if connector.Blank(p, string(v1alpha1.FieldName), creating) {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingNameFields, Field: string(v1alpha1.FieldName),
			Message: "Name not found: the Name field is mandatory in 99minds. Ensure it is populated before sync."}
	}
	if v, ok := p.Fields[string(v1alpha1.FieldPhoneNumber)]; ok {
		if s, _ := connector.Text(v); s != "" && !phonePattern.MatchString(s) {
			return invalidPhone(string(v1alpha1.FieldPhoneNumber))
		}
	}
	return nil
}

func invalidPhone(field string) error {
	return &customer.RecordError{Reason: v1alpha1.ReasonInvalidPhoneNumber, Field: field,
		Message: field + " must be numeric or international (+ then 8 to 15 digits, e.g. +15555550123). Correct it in 99minds."}
}

// normalize checks and repairs a 99minds document (the customer with
// loyalty_cards and transactions added) before mapping: a phone_number must
// be numeric or "+" international; every card's point_balance and every
// transaction's amount must be numeric [doc], numeric strings become
// numbers and absent or null ones 0; missing loyalty_cards or transactions
// become empty lists so formulas can iterate them.
func normalize(doc map[string]any) error {
	if doc == nil {
		return nil
	}
	if v, ok := doc["phone_number"]; ok && v != nil {
		s, isText := connector.Text(connector.NormalizeNumbers(v))
		if !isText || (s != "" && !phonePattern.MatchString(s)) {
			return invalidPhone("phone_number")
		}
		doc["phone_number"] = s
	}
	if err := normalizeList(doc, "loyalty_cards", "point_balance"); err != nil {
		return err
	}
	return normalizeList(doc, "transactions", "amount")
}

// normalizeList makes doc[list][i][field] a number, 0 when absent.
func normalizeList(doc map[string]any, list, field string) error {
	raw, ok := doc[list]
	if !ok || raw == nil {
		doc[list] = []any{}
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		return &customer.RecordError{Reason: v1alpha1.ReasonMappingFailed, Field: list,
			Message: list + " must be a list; check the 99minds connector's document."}
	}
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return &customer.RecordError{Reason: v1alpha1.ReasonMappingFailed, Field: fmt.Sprintf("%s[%d]", list, i),
				Message: fmt.Sprintf("%s[%d] must be an object.", list, i)}
		}
		n, why := amount(m[field])
		if why != "" {
			path := fmt.Sprintf("%s[%d].%s", list, i, field)
			return &customer.RecordError{Reason: v1alpha1.ReasonInvalidAmount, Field: path,
				Message: fmt.Sprintf("%s must be numeric (it is %s). Correct it in 99minds; a missing amount counts as 0.", path, why)}
		}
		m[field] = n
	}
	return nil
}

// amount reads a 99minds amount: a number or numeric string, 0 when absent;
// why names what it is otherwise, without quoting more than a short value.
func amount(v any) (any, string) {
	switch x := connector.NormalizeNumbers(v).(type) {
	case nil:
		return int64(0), ""
	case int64:
		return x, ""
	case int:
		return int64(x), ""
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, "not a finite number"
		}
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x), ""
		}
		return x, ""
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return int64(0), ""
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, ""
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return amount(f)
		}
		return nil, strconv.Quote(text.Truncate(x, 20+len(text.Ellipsis)))
	case bool:
		return nil, "a boolean"
	case []any:
		return nil, "a list"
	case map[string]any:
		return nil, "an object"
	default:
		return nil, fmt.Sprintf("a %T", x)
	}
}
