package openai

import (
	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Descriptor is what the operator knows about OpenAI: a model that answers
// a prompt about one customer with a structured answer. It stores nothing,
// so a mapping to it runs the enrich flow: the answer is written back to
// the customer's own system by the response mapping.
func Descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Type:         v1alpha1.SystemOpenAI,
		Name:         System,
		Capabilities: connector.Capabilities{Model: true, CustomFields: true},
		// The request's fields, as the seed's "OpenAI Add/Update Customer
		// FROM iPaaS" collection lists them; custom fields add more.
		Fields: map[v1alpha1.DestinationField]connector.WireType{
			v1alpha1.FieldID:             connector.WireString,
			v1alpha1.FieldPromptText:     connector.WireString,
			v1alpha1.FieldCustomerNumber: connector.WireString,
			v1alpha1.FieldFirstName:      connector.WireString,
			v1alpha1.FieldLastName:       connector.WireString,
			v1alpha1.FieldEmailAddress:   connector.WireString,
			v1alpha1.FieldCategories:     connector.WireList,
			v1alpha1.FieldComment:        connector.WireString,
		},
		StaticFields: []v1alpha1.DestinationField{v1alpha1.FieldPromptText},
		Required:     []v1alpha1.DestinationField{v1alpha1.FieldCustomerNumber},
		Validate:     validate,
		New: func(cfg connector.Config, spec *v1alpha1.CustomerMappingSpec) (connector.Validator, error) {
			if spec == nil || spec.OpenAI == nil {
				return nil, connector.InvalidConfig(System, "a mapping to OpenAI needs spec.openAI (model and responseFields)")
			}
			return New(ConfigFrom(cfg, *spec.OpenAI))
		},
	}
}

// validate is the seed's checks before a model call: scenario 2 (a
// customer without CustomerNumber fails with a clear message) and a prompt
// that is not empty.
func validate(p customer.Payload, _ bool) error {
	if connector.Blank(p, string(v1alpha1.FieldCustomerNumber), true) {
		return &customer.RecordError{Reason: v1alpha1.ReasonMissingCustomerNumber, Field: string(v1alpha1.FieldCustomerNumber),
			Message: "CustomerNumber is required to send a customer to OpenAI. Populate the iPaaS.com customer's CustomerNumber before sync."}
	}
	if connector.Blank(p, string(v1alpha1.FieldPromptText), true) {
		return &customer.RecordError{Reason: v1alpha1.ReasonInvalidPromptRequest, Field: string(v1alpha1.FieldPromptText),
			Message: "PromptText is empty. Write the instructions in the mapping's Static PromptText rule."}
	}
	return nil
}
