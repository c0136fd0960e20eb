package ipaas

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Descriptor is what the operator knows about iPaaS.com: the hub, which
// keeps the external-id links of every direction, searches customers by
// CustomerNumber and has custom fields (docs/external-apis.md §2).
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Type: v1alpha1.SystemIPaaS,
		Name: System,
		Capabilities: connector.Capabilities{
			ReadByID: true, ListChanged: true, Create: true, Update: true,
			FindByLink: true, FindByNaturalKey: true, CustomFields: true,
		},
		Fields: map[v1alpha1.DestinationField]connector.WireType{
			v1alpha1.FieldCustomerNumber: connector.WireString,
			v1alpha1.FieldFirstName:      connector.WireString,
			v1alpha1.FieldLastName:       connector.WireString,
			v1alpha1.FieldEmailAddress:   connector.WireString,
			v1alpha1.FieldCompany:        connector.WireString,
			v1alpha1.FieldComment:        connector.WireString,
			v1alpha1.FieldCategories:     connector.WireList,
			v1alpha1.FieldCategoryID:     connector.WireInt,
		},
		Required: []v1alpha1.DestinationField{
			v1alpha1.FieldCustomerNumber, v1alpha1.FieldFirstName, v1alpha1.FieldLastName, v1alpha1.FieldEmailAddress,
		},
		JSONNames: standardFields,
		Validate:  validate,
		Apply:     apply,
		// An iPaaS.com hook names the customer by its iPaaS.com id [doc].
		WebhookIDFields: []string{"id", "external_id"},
		New: func(cfg connector.Config, _ *v1alpha1.CustomerMappingSpec) (connector.Validator, error) {
			return New(Config{Config: cfg})
		},
	}
}

// validate is the mapping documents' iPaaS.com caveats: EmailAddress is
// required, FirstName and LastName must not be empty, Customer Number is
// required.
func validate(p customer.Payload, creating bool) error {
	if err := connector.RequireEmail(p, string(v1alpha1.FieldEmailAddress), creating); err != nil {
		return err
	}
	var missing []string
	for _, f := range []v1alpha1.DestinationField{v1alpha1.FieldFirstName, v1alpha1.FieldLastName} {
		if connector.Blank(p, string(f), creating) {
			missing = append(missing, string(f))
		}
	}
	if len(missing) > 0 {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingNameFields, Field: strings.Join(missing, ","),
			Message: fmt.Sprintf("FirstName or LastName not found (%s empty). Ensure both are populated before sync.",
				strings.Join(missing, " and "))}
	}
	if connector.Blank(p, string(v1alpha1.FieldCustomerNumber), creating) {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingCustomerNumber, Field: string(v1alpha1.FieldCustomerNumber),
			Message: "Customer Number is required: CustomerNumber is empty. Map the source record's id to CustomerNumber."}
	}
	return nil
}

// apply returns a copy of a customer document with a payload written into
// it, as iPaaS.com stores an update: standard fields replace, custom fields
// merge by name [assumed, as Update].
func apply(raw map[string]any, p customer.Payload) map[string]any {
	out := maps.Clone(raw)
	if out == nil {
		out = map[string]any{}
	}
	for name, v := range p.Fields {
		if json, ok := standardFields[name]; ok {
			out[json] = v
		}
	}
	if len(p.CustomFields) == 0 {
		return out
	}
	var merged []any
	seen := map[string]bool{}
	if list, ok := out["custom_fields"].([]any); ok {
		for _, item := range list {
			f, ok := item.(map[string]any)
			if !ok {
				continue
			}
			name, _ := f["custom_field_name"].(string)
			if v, ok := p.CustomFields[name]; ok {
				f = map[string]any{"custom_field_name": name, "value": v}
				seen[name] = true
			}
			merged = append(merged, f)
		}
	}
	names := make([]string, 0, len(p.CustomFields))
	for name := range p.CustomFields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !seen[name] {
			merged = append(merged, map[string]any{"custom_field_name": name, "value": p.CustomFields[name]})
		}
	}
	out["custom_fields"] = merged
	return out
}
