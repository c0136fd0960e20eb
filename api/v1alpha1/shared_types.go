/*
Copyright 2026 The customer-sync-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

// SystemType names a business system the operator reads from or writes to.
// +kubebuilder:validation:Enum=NinetyNineMinds;IPaaS;OpenAI
type SystemType string

const (
	// SystemNinetyNineMinds is the 99minds loyalty and gift card platform.
	SystemNinetyNineMinds SystemType = "NinetyNineMinds"
	// SystemIPaaS is the iPaaS.com integration hub's customer store.
	SystemIPaaS SystemType = "IPaaS"
	// SystemOpenAI is OpenAI's chat completions API or any compatible server.
	SystemOpenAI SystemType = "OpenAI"
)

// LocalObjectReference names an object in the same namespace as the referrer.
type LocalObjectReference struct {
	// Name of the referenced object, in the referrer's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
}

// SecretKeyReference names one key of a Secret in the referrer's namespace.
type SecretKeyReference struct {
	// Name of the Secret, in the referrer's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Key inside the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +required
	Key string `json:"key"`
}

// RateLimit bounds the request rate to one system. Every sync that uses the
// same credentials shares one limiter, so the bound holds across requests.
type RateLimit struct {
	// RequestsPerSecond is the sustained request rate allowed.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +required
	RequestsPerSecond int32 `json:"requestsPerSecond"`

	// Burst is how many requests may be sent at once above the sustained
	// rate. Defaults to requestsPerSecond.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +optional
	Burst int32 `json:"burst,omitempty"`
}

// SystemEndpoint says where a system is and how to authenticate to it.
type SystemEndpoint struct {
	// System is the kind of system: NinetyNineMinds, IPaaS or OpenAI.
	// +required
	System SystemType `json:"system"`

	// Endpoint is the base URL of the system's API, for example
	// https://api.giftcard.99minds.io, https://api.ipaas.com or
	// https://api.openai.com/v1. Required for NinetyNineMinds and IPaaS;
	// OpenAI defaults to https://api.openai.com/v1.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// CredentialsSecretRef names a Secret in the mapping's namespace holding
	// the credentials. NinetyNineMinds reads key apiKey; IPaaS reads apiKey, or
	// username, password and companyId; OpenAI reads apiKey and, optionally,
	// organization. Required except for an OpenAI source (a response mapping),
	// whose records come from the model's answer.
	// +optional
	CredentialsSecretRef *LocalObjectReference `json:"credentialsSecretRef,omitempty"`

	// SystemID is the id iPaaS.com gives the other system of this mapping;
	// it keys the external-id links that decide between Add and Update.
	// Set it on the IPaaS end of a mapping between IPaaS and NinetyNineMinds,
	// whichever way it runs: iPaaS.com keeps the links of both directions.
	// +kubebuilder:validation:Minimum=1
	// +optional
	SystemID *int32 `json:"systemID,omitempty"`

	// RateLimit bounds the request rate to this system per credential.
	// Unset means no client-side limit.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// TimeoutSeconds bounds one HTTP call to this system.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=600
	// +kubebuilder:default=30
	// +optional
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
}

// RuleType is the kind of a mapping rule, as iPaaS.com names them.
// +kubebuilder:validation:Enum=Static;Field;DynamicFormula;LookupTranslation
type RuleType string

const (
	// RuleStatic writes a constant value.
	RuleStatic RuleType = "Static"
	// RuleField copies one source field.
	RuleField RuleType = "Field"
	// RuleDynamicFormula evaluates a CEL expression over the source record.
	RuleDynamicFormula RuleType = "DynamicFormula"
	// RuleLookupTranslation translates a source value through a table.
	RuleLookupTranslation RuleType = "LookupTranslation"
)

// DestinationField is a standard field of a destination system, named in
// PascalCase as the mapping documents name them.
// iPaaS.com: CustomerNumber, FirstName, LastName, EmailAddress, Company,
// Comment, Categories, CategoryId. OpenAI request: Id, PromptText,
// CustomerNumber, FirstName, LastName, EmailAddress, Categories, Comment.
// 99minds: Name, Email, PhoneNumber, Company, Notes, ClientCustomerId.
// +kubebuilder:validation:Enum=Id;PromptText;CustomerNumber;FirstName;LastName;EmailAddress;Company;Comment;Categories;CategoryId;Name;Email;PhoneNumber;Notes;ClientCustomerId
// +kubebuilder:validation:MaxLength=32
type DestinationField string

// Destination fields. Each system accepts its own subset.
const (
	FieldID               DestinationField = "Id"
	FieldPromptText       DestinationField = "PromptText"
	FieldCustomerNumber   DestinationField = "CustomerNumber"
	FieldFirstName        DestinationField = "FirstName"
	FieldLastName         DestinationField = "LastName"
	FieldEmailAddress     DestinationField = "EmailAddress"
	FieldCompany          DestinationField = "Company"
	FieldComment          DestinationField = "Comment"
	FieldCategories       DestinationField = "Categories"
	FieldCategoryID       DestinationField = "CategoryId"
	FieldName             DestinationField = "Name"
	FieldEmail            DestinationField = "Email"
	FieldPhoneNumber      DestinationField = "PhoneNumber"
	FieldNotes            DestinationField = "Notes"
	FieldClientCustomerID DestinationField = "ClientCustomerId"
)

// RuleDestination is where a rule writes: a standard field or a custom field.
// +kubebuilder:validation:XValidation:rule="has(self.field) != has(self.customField)",message="set exactly one of field or customField"
type RuleDestination struct {
	// Field is a standard field of the destination system.
	// +optional
	Field DestinationField `json:"field,omitempty"`

	// CustomField is the name of an iPaaS.com custom field (it must be
	// defined for the customer collection), or of an extra field of an OpenAI
	// request.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^\S(.*\S)?$`
	// +optional
	CustomField string `json:"customField,omitempty"`
}

// LookupTranslation translates one source value through a table, as
// iPaaS.com's Lookup Translation mapping type does.
// +kubebuilder:validation:XValidation:rule="has(self.table) != has(self.configMapRef)",message="set exactly one of table or configMapRef"
type LookupTranslation struct {
	// SourceField is the dotted path of the value to translate, for example
	// company or loyalty_cards[0].active.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +required
	SourceField string `json:"sourceField"`

	// Table maps source values to destination values.
	// +kubebuilder:validation:MinProperties=1
	// +kubebuilder:validation:MaxProperties=1000
	// +optional
	Table map[string]string `json:"table,omitempty"`

	// ConfigMapRef names a ConfigMap in the mapping's namespace whose data is
	// the table, for tables kept apart from the mapping.
	// +optional
	ConfigMapRef *LocalObjectReference `json:"configMapRef,omitempty"`
}

// Rule produces one destination field. Exactly one value key is set, and it
// is the one its type needs: value (Static), sourceField (Field), formula
// (DynamicFormula) or lookupTranslation (LookupTranslation).
// +kubebuilder:validation:XValidation:rule="[has(self.value), has(self.sourceField), has(self.formula), has(self.lookupTranslation)].filter(x, x).size() == 1",message="set exactly one of value, sourceField, formula or lookupTranslation"
// +kubebuilder:validation:XValidation:rule="self.type != 'Static' || has(self.value)",message="a Static rule needs value",fieldPath=".value",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.type != 'Field' || has(self.sourceField)",message="a Field rule needs sourceField",fieldPath=".sourceField",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.type != 'DynamicFormula' || has(self.formula)",message="a DynamicFormula rule needs formula",fieldPath=".formula",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.type != 'LookupTranslation' || has(self.lookupTranslation)",message="a LookupTranslation rule needs lookupTranslation",fieldPath=".lookupTranslation",reason=FieldValueRequired
type Rule struct {
	// Type is the mapping type: Static, Field, DynamicFormula or
	// LookupTranslation.
	// +required
	Type RuleType `json:"type"`

	// Value is the constant a Static rule writes, converted to the
	// destination's type ("true", "0", "Hello").
	// +kubebuilder:validation:MaxLength=32768
	// +optional
	Value *string `json:"value,omitempty"`

	// SourceField is the dotted path a Field rule copies, in the source API's
	// own JSON names, with array indexes allowed: email, loyalty_cards[0].id.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SourceField string `json:"sourceField,omitempty"`

	// Formula is the CEL expression a DynamicFormula rule evaluates, with
	// source (the source record) and destination (the current destination
	// record, when one exists) in scope. See docs/mapping.md.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Formula string `json:"formula,omitempty"`

	// LookupTranslation translates a source value through a table.
	// +optional
	LookupTranslation *LookupTranslation `json:"lookupTranslation,omitempty"`

	// Default is used when the rule yields no value: a missing source path,
	// a null or empty formula result, or a lookup key not in the table.
	// Without a default, a missing path or lookup key fails the record; an
	// empty result leaves a custom field out (iPaaS.com refuses empty custom
	// fields) and writes "" to a standard field, whose caveats (for example
	// MissingNameFields) then say what is missing.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Default *string `json:"default,omitempty"`

	// Destination is the field the rule writes.
	// +required
	Destination RuleDestination `json:"destination"`

	// Description says why the rule exists; shown to humans only.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
}

// ErrorFilter fails a record on purpose, with a reason and message of the
// mapping author's choosing, when its expression is true.
type ErrorFilter struct {
	// Expression is a CEL expression returning bool, with source and
	// destination in scope; true fails the record.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +required
	Expression string `json:"expression"`

	// Reason is the CamelCase reason recorded for a record this filter fails.
	// +kubebuilder:validation:Pattern=`^[A-Z][A-Za-z0-9]*$`
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:default=ErrorFilterMatched
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message tells the user what to fix.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Message string `json:"message"`
}
