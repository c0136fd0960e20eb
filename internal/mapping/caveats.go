package mapping

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// The systems' caveats, from the mapping documents' "System Caveats" and
// "Error Handling" sections, checked before anything is written so a record
// fails with a reason users can grep and a message that says what to fix.

// phonePattern is the 99minds rule: numeric, or "+" then 8 to 15 digits.
var phonePattern = regexp.MustCompile(`^(\+[0-9]{8,15}|[0-9]+)$`)

// Validate checks a mapped payload against the destination system's
// caveats. For Add every required field must be present; for Update a field
// left out is left unchanged, so only the fields present are checked. The
// error is a *RecordError.
func Validate(system v1alpha1.SystemType, p customer.Payload, set RuleSet) error {
	switch system {
	case v1alpha1.SystemIPaaS:
		return validateIPaaS(p, set)
	case v1alpha1.SystemOpenAI:
		return validateOpenAI(p)
	case v1alpha1.SystemNinetyNineMinds:
		return validateNinetyNineMinds(p, set)
	}
	return nil
}

func validateIPaaS(p customer.Payload, set RuleSet) error {
	if err := checkEmail(p, string(v1alpha1.FieldEmailAddress), set); err != nil {
		return err
	}
	var missing []string
	for _, f := range []v1alpha1.DestinationField{v1alpha1.FieldFirstName, v1alpha1.FieldLastName} {
		if blank(p, string(f), set) {
			missing = append(missing, string(f))
		}
	}
	if len(missing) > 0 {
		return &RecordError{Reason: v1alpha1.ReasonMissingNameFields, Field: strings.Join(missing, ","),
			Message: fmt.Sprintf("FirstName or LastName not found (%s empty). Ensure both are populated before sync.",
				strings.Join(missing, " and "))}
	}
	if blank(p, string(v1alpha1.FieldCustomerNumber), set) {
		return &RecordError{Reason: v1alpha1.ReasonMissingCustomerNumber, Field: string(v1alpha1.FieldCustomerNumber),
			Message: "Customer Number is required: CustomerNumber is empty. Map the source record's id to CustomerNumber."}
	}
	return nil
}

func validateOpenAI(p customer.Payload) error {
	if blank(p, string(v1alpha1.FieldCustomerNumber), Add) {
		return &RecordError{Reason: v1alpha1.ReasonMissingCustomerNumber, Field: string(v1alpha1.FieldCustomerNumber),
			Message: "CustomerNumber is required to send a customer to OpenAI. Populate the iPaaS.com customer's CustomerNumber before sync."}
	}
	if blank(p, string(v1alpha1.FieldPromptText), Add) {
		return &RecordError{Reason: v1alpha1.ReasonInvalidPromptRequest, Field: string(v1alpha1.FieldPromptText),
			Message: "PromptText is empty. Write the instructions in the mapping's Static PromptText rule."}
	}
	return nil
}

func validateNinetyNineMinds(p customer.Payload, set RuleSet) error {
	if err := checkEmail(p, string(v1alpha1.FieldEmail), set); err != nil {
		return err
	}
	if blank(p, string(v1alpha1.FieldName), set) {
		return &RecordError{Reason: v1alpha1.ReasonMissingNameFields, Field: string(v1alpha1.FieldName),
			Message: "Name not found: the Name field is mandatory in 99minds. Ensure it is populated before sync."}
	}
	if v, ok := p.Fields[string(v1alpha1.FieldPhoneNumber)]; ok {
		if s, _ := toText(v); s != "" && !phonePattern.MatchString(s) {
			return invalidPhone(string(v1alpha1.FieldPhoneNumber))
		}
	}
	return nil
}

// checkEmail requires a well-formed address in field.
func checkEmail(p customer.Payload, field string, set RuleSet) error {
	if blank(p, field, set) {
		return &RecordError{Reason: v1alpha1.ReasonMissingEmailAddress, Field: field,
			Message: fmt.Sprintf("Email required for customer creation. Provide a valid email: %s is empty.", field)}
	}
	v, ok := p.Fields[field]
	if !ok {
		return nil
	}
	s, _ := toText(v)
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return &RecordError{Reason: v1alpha1.ReasonMissingEmailAddress, Field: field,
			Message: fmt.Sprintf("Email required for customer creation. Provide a valid email: %s is not an address like name@example.com.", field)}
	}
	return nil
}

// blank reports a required field as missing: empty when present, or absent
// when the whole record is being created.
func blank(p customer.Payload, field string, set RuleSet) bool {
	v, ok := p.Fields[field]
	if !ok {
		return set != Update
	}
	s, err := toText(v)
	return err == nil && strings.TrimSpace(s) == ""
}

func invalidPhone(field string) error {
	return &RecordError{Reason: v1alpha1.ReasonInvalidPhoneNumber, Field: field,
		Message: field + " must be numeric or international (+ then 8 to 15 digits, e.g. +15555550123). Correct it in 99minds."}
}

// NormalizeSource checks and repairs a source document before mapping, in
// place. For 99minds (the customer with loyalty_cards and transactions
// added): a phone_number must be numeric or "+" international; every card's
// point_balance and every transaction's amount must be numeric, numeric
// strings become numbers, and absent or null ones become 0; missing
// loyalty_cards or transactions become empty lists so formulas can iterate
// them. Other systems' documents are left as they are. The error is a
// *RecordError.
func NormalizeSource(system v1alpha1.SystemType, record map[string]any) error {
	if system != v1alpha1.SystemNinetyNineMinds || record == nil {
		return nil
	}
	if v, ok := record["phone_number"]; ok && v != nil {
		s, err := toText(mustNormalize(v))
		if err != nil || (s != "" && !phonePattern.MatchString(s)) {
			return invalidPhone("phone_number")
		}
		record["phone_number"] = s
	}
	if err := normalizeAmounts(record, "loyalty_cards", "point_balance"); err != nil {
		return err
	}
	return normalizeAmounts(record, "transactions", "amount")
}

// normalizeAmounts makes record[list][i][field] a number, 0 when absent.
func normalizeAmounts(record map[string]any, list, field string) error {
	raw, ok := record[list]
	if !ok || raw == nil {
		record[list] = []any{}
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		return &RecordError{Reason: v1alpha1.ReasonMappingFailed, Field: list,
			Message: list + " must be a list; check the 99minds connector's document."}
	}
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return &RecordError{Reason: v1alpha1.ReasonMappingFailed, Field: fmt.Sprintf("%s[%d]", list, i),
				Message: fmt.Sprintf("%s[%d] must be an object.", list, i)}
		}
		n, err := amount(m[field])
		if err != nil {
			path := fmt.Sprintf("%s[%d].%s", list, i, field)
			return &RecordError{Reason: v1alpha1.ReasonInvalidAmount, Field: path,
				Message: fmt.Sprintf("%s must be numeric (it is %s). Correct it in 99minds; a missing amount counts as 0.", path, err)}
		}
		m[field] = n
	}
	return nil
}

// amount reads a 99minds amount: a number or numeric string; 0 when absent.
func amount(v any) (any, error) {
	switch x := mustNormalize(v).(type) {
	case nil:
		return int64(0), nil
	case int64, float64:
		return x, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return int64(0), nil
		}
		if n, ok := parseNumber(x); ok {
			return n, nil
		}
		return nil, fmt.Errorf("%q", shorten(x, 20))
	default:
		return nil, fmt.Errorf("a %s", kindOf(x))
	}
}

// mustNormalize normalizes a scalar; an unsupported value becomes its kind
// so callers report it instead of crashing.
func mustNormalize(v any) any {
	n, err := normalize(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return n
}
