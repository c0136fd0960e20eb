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

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CollisionHandling says what to do when the destination already holds a
// record with the source's natural key (CustomerNumber) that is not linked to
// this source record.
// +kubebuilder:validation:Enum=Error;UpdateAndLink;LinkOnly
type CollisionHandling string

const (
	// CollisionError fails the record and changes nothing.
	CollisionError CollisionHandling = "Error"
	// CollisionUpdateAndLink updates the existing record and links it.
	CollisionUpdateAndLink CollisionHandling = "UpdateAndLink"
	// CollisionLinkOnly links the existing record without writing fields.
	CollisionLinkOnly CollisionHandling = "LinkOnly"
)

// TriggerEvent is a source-system event that starts a sync.
// +kubebuilder:validation:Enum=Created;Updated
type TriggerEvent string

const (
	// TriggerCreated is a customer created in the source system.
	TriggerCreated TriggerEvent = "Created"
	// TriggerUpdated is a customer updated in the source system.
	TriggerUpdated TriggerEvent = "Updated"
)

// WebhookTrigger accepts the source system's customer events over HTTP at
// POST /hooks/{namespace}/{mapping} on the operator's receiver.
type WebhookTrigger struct {
	// TokenSecretRef names the Secret key holding the bearer token senders
	// must present.
	// +required
	TokenSecretRef SecretKeyReference `json:"tokenSecretRef"`

	// HMACSecretRef names the Secret key holding an HMAC-SHA256 key; when
	// set, the body's signature must also be present and valid.
	// +optional
	HMACSecretRef *SecretKeyReference `json:"hmacSecretRef,omitempty"`

	// CoalesceWindow gathers the events that arrive within it into one
	// CustomerSyncRequest. A delivery is answered once its events are
	// stored, so a sender waits up to this long: at most 10s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) <= duration('10s')",message="coalesceWindow is at most 10s: senders wait for it before their delivery is answered"
	// +kubebuilder:default="2s"
	// +optional
	CoalesceWindow *metav1.Duration `json:"coalesceWindow,omitempty"`
}

// PollingTrigger lists the source's changed customers on an interval, for
// sources that cannot call out.
type PollingTrigger struct {
	// Interval between two polls.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +required
	Interval metav1.Duration `json:"interval"`
}

// Triggers start syncs without a manual CustomerSyncRequest.
type Triggers struct {
	// Events are the source events that start a sync. Deletes are never
	// synchronized.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=2
	// +required
	Events []TriggerEvent `json:"events"`

	// Webhook accepts pushed events.
	// +optional
	Webhook *WebhookTrigger `json:"webhook,omitempty"`

	// Polling pulls changes on an interval.
	// +optional
	Polling *PollingTrigger `json:"polling,omitempty"`

	// TTLSecondsAfterFinished is set on every CustomerSyncRequest a webhook
	// or a poll creates, so that they do not pile up: each is deleted this
	// long after it finishes. Default one day.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=86400
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
}

// ResponseFieldType is the JSON type of one field of a structured answer.
// +kubebuilder:validation:Enum=String;Boolean;Number;Integer
type ResponseFieldType string

// Response field types.
const (
	ResponseFieldString  ResponseFieldType = "String"
	ResponseFieldBoolean ResponseFieldType = "Boolean"
	ResponseFieldNumber  ResponseFieldType = "Number"
	ResponseFieldInteger ResponseFieldType = "Integer"
)

// ResponseField is one property of the JSON answer the model must return;
// together they make the strict json_schema response format.
type ResponseField struct {
	// Name of the property, as the response mapping reads it (Comment,
	// Known To Film).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	Name string `json:"name"`

	// Type of the property.
	// +kubebuilder:default=String
	// +optional
	Type ResponseFieldType `json:"type,omitempty"`

	// Enum restricts a String property to these values ("TRUE", "FALSE").
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=256
	// +optional
	Enum []string `json:"enum,omitempty"`

	// Description tells the model what to put in the property.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
}

// AzureOpenAI selects Azure OpenAI's deployment URLs and api-key header.
type AzureOpenAI struct {
	// APIVersion is the Azure OpenAI REST API version.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:default="2024-10-21"
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Deployment is the Azure deployment name; defaults to the model name.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Deployment string `json:"deployment,omitempty"`
}

// OpenAIAPI is the OpenAI endpoint a mapping asks.
type OpenAIAPI string

// The OpenAI APIs.
const (
	OpenAIResponses       OpenAIAPI = "Responses"
	OpenAIChatCompletions OpenAIAPI = "ChatCompletions"
)

// OpenAISettings configure the model call of a mapping whose destination is
// OpenAI.
type OpenAISettings struct {
	// Model is the chat model to call.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:default="gpt-4o-mini"
	// +optional
	Model string `json:"model,omitempty"`

	// Temperature is the sampling temperature, from 0 to 2, as a decimal
	// string ("0.2"). Unset uses the model's default.
	// +kubebuilder:validation:Pattern=`^([01](\.[0-9]{1,3})?|2(\.0{1,3})?)$`
	// +optional
	Temperature string `json:"temperature,omitempty"`

	// MaxCompletionTokens bounds the answer's length.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128000
	// +optional
	MaxCompletionTokens *int32 `json:"maxCompletionTokens,omitempty"`

	// API is the endpoint asked: Responses (/v1/responses, what iPaaS.com's
	// own OpenAI integration calls, so a restricted key with Responses Write
	// permission works) or ChatCompletions (/v1/chat/completions, for
	// OpenAI-compatible servers). Unset is Responses, or ChatCompletions
	// with azure.
	// +kubebuilder:validation:Enum=Responses;ChatCompletions
	// +optional
	API OpenAIAPI `json:"api,omitempty"`

	// Azure selects Azure OpenAI instead of the OpenAI API.
	// +optional
	Azure *AzureOpenAI `json:"azure,omitempty"`

	// ResponseFields are the properties of the structured answer; the
	// response mapping may read only these.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +required
	ResponseFields []ResponseField `json:"responseFields"`

	// FingerprintField is the iPaaS.com custom field that stores a hash of
	// the model, prompt, schema and fields last sent, so that an unchanged
	// customer is not sent (and billed) twice and the answer's own
	// write-back never leads to a second call. It need not exist: when
	// iPaaS.com does not define it for customers, the hashes are kept in
	// ConfigMaps next to the mapping instead (the mapping's Fingerprints
	// condition says which). Unset is "OpenAI Request Fingerprint".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	FingerprintField string `json:"fingerprintField,omitempty"`

	// ServiceTier is passed to OpenAI as service_tier: auto, default, flex
	// (cheaper, slower, may be unavailable) or priority. Unset sends none.
	// +kubebuilder:validation:Enum=auto;default;flex;priority
	// +optional
	ServiceTier string `json:"serviceTier,omitempty"`

	// PromptCacheKey is sent as prompt_cache_key (Responses API), so the
	// calls of this mapping, which share their instructions, are routed to
	// the same prompt cache. Unset is derived from the mapping's namespace
	// and name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	PromptCacheKey string `json:"promptCacheKey,omitempty"`

	// Batch sends large requests through OpenAI's Batch API (half the token
	// price, its own rate limits, answers within the completion window)
	// instead of one call per customer.
	// +optional
	Batch *OpenAIBatch `json:"batch,omitempty"`
}

// OpenAIBatch configures enrichment through the Batch API.
type OpenAIBatch struct {
	// MinRecords is the request size (records selected) from which a
	// request uses the Batch API; smaller requests call the model directly.
	// A request's spec.batch overrides it.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=1000
	// +optional
	MinRecords int32 `json:"minRecords,omitempty"`

	// PollIntervalSeconds is how often a running batch is checked; no
	// reconcile worker is held meanwhile.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	// +kubebuilder:default=30
	// +optional
	PollIntervalSeconds int32 `json:"pollIntervalSeconds,omitempty"`
}

// CustomerMappingSpec declares a mapping collection: where customers come
// from, where they go, and the rules that turn one into the other.
// +kubebuilder:validation:XValidation:rule="self.source.system != self.destination.system",message="source.system and destination.system must differ"
// +kubebuilder:validation:XValidation:rule="self.source.system == 'OpenAI' || has(self.source.endpoint)",message="source.endpoint is required for this system",fieldPath=".source.endpoint",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.source.system == 'OpenAI' || has(self.source.credentialsSecretRef)",message="source.credentialsSecretRef is required for this system",fieldPath=".source.credentialsSecretRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.destination.system == 'OpenAI' || has(self.destination.endpoint)",message="destination.endpoint is required for this system",fieldPath=".destination.endpoint",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.destination.credentialsSecretRef)",message="destination.credentialsSecretRef is required",fieldPath=".destination.credentialsSecretRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.source.system != 'OpenAI' || self.destination.system == 'IPaaS'",message="a mapping whose source is OpenAI (a response mapping) must write to IPaaS"
// +kubebuilder:validation:XValidation:rule="!(self.source.system == 'NinetyNineMinds' && self.destination.system == 'IPaaS') || has(self.destination.systemID)",message="destination.systemID (the id iPaaS.com gives 99minds) is required to link external ids",fieldPath=".destination.systemID",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!(self.source.system == 'IPaaS' && self.destination.system == 'NinetyNineMinds') || has(self.source.systemID)",message="source.systemID (the id iPaaS.com gives 99minds) is required: the link to the 99minds customer is kept in the iPaaS.com customer's external ids",fieldPath=".source.systemID",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.destination.system != 'OpenAI' || has(self.responseMappingRef)",message="a mapping to OpenAI needs responseMappingRef, the mapping that writes the answer back",fieldPath=".responseMappingRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.destination.system != 'OpenAI' || has(self.openAI)",message="a mapping to OpenAI needs openAI (model and responseFields)",fieldPath=".openAI",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.destination.system != 'OpenAI' || self.addRules.exists(r, r.type == 'Static' && has(r.destination.field) && r.destination.field == 'PromptText')",message="a mapping to OpenAI needs a Static rule whose destination field is PromptText",fieldPath=".addRules",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="self.destination.system == 'OpenAI' || (!has(self.responseMappingRef) && !has(self.openAI))",message="responseMappingRef and openAI apply only to a mapping whose destination is OpenAI"
type CustomerMappingSpec struct {
	// Source is the system customers are read from.
	// +required
	Source SystemEndpoint `json:"source"`

	// Destination is the system customers are written to.
	// +required
	Destination SystemEndpoint `json:"destination"`

	// AddRules are the "Customer Add" collection: used when the destination
	// has no record linked to the source record. For a destination without
	// add and update (OpenAI), they are the one collection.
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=200
	// +required
	AddRules []Rule `json:"addRules"`

	// UpdateRules are the "Customer Update" collection: used when a linked
	// destination record exists. When empty, addRules are used for updates.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=200
	// +optional
	UpdateRules []Rule `json:"updateRules,omitempty"`

	// Filter is a CEL expression returning bool, with source in scope; a
	// record for which it is false is Skipped with this filter as reason.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Filter string `json:"filter,omitempty"`

	// ErrorFilters fail a record with the filter's reason and message when
	// their expression is true, before anything is written.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +optional
	ErrorFilters []ErrorFilter `json:"errorFilters,omitempty"`

	// CollisionHandling says what to do when the destination already holds an
	// unlinked record with the same CustomerNumber: Error, UpdateAndLink or
	// LinkOnly.
	// +kubebuilder:default=UpdateAndLink
	// +optional
	CollisionHandling CollisionHandling `json:"collisionHandling,omitempty"`

	// Suspend disables the mapping (the mapping documents' Mapping Status):
	// sync requests that use it wait, and triggers create none.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Triggers start syncs on source events or by polling.
	// +optional
	Triggers *Triggers `json:"triggers,omitempty"`

	// OpenAI configures the model call; required when the destination is
	// OpenAI.
	// +optional
	OpenAI *OpenAISettings `json:"openAI,omitempty"`

	// ResponseMappingRef names the CustomerMapping (source OpenAI, destination
	// IPaaS) that writes the model's answer back; required when the
	// destination is OpenAI.
	// +optional
	ResponseMappingRef *LocalObjectReference `json:"responseMappingRef,omitempty"`

	// ValidationInterval is how often connections and credentials are
	// checked again while nothing changes.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(s|m|h))+$`
	// +kubebuilder:default="10m"
	// +optional
	ValidationInterval *metav1.Duration `json:"validationInterval,omitempty"`
}

// PollingStatus records how far polling has read the source.
type PollingStatus struct {
	// Watermark is the update time up to which the source has been read,
	// with microseconds so that the next window starts exactly where this
	// one ended; the next poll asks for changes since a little before it.
	// +optional
	Watermark *metav1.MicroTime `json:"watermark,omitempty"`

	// LastPollTime is when the source was last polled.
	// +optional
	LastPollTime *metav1.Time `json:"lastPollTime,omitempty"`

	// LastRequestName is the CustomerSyncRequest the last poll created.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	LastRequestName string `json:"lastRequestName,omitempty"`
}

// CustomerMappingStatus is the observed state of a CustomerMapping.
type CustomerMappingStatus struct {
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling, Stalled and Conflicting.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastValidatedTime is when connections and credentials last passed.
	// +optional
	LastValidatedTime *metav1.Time `json:"lastValidatedTime,omitempty"`

	// ConflictsWith names the mappings in this namespace that write the same
	// destination fields of the same destination.
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	// +optional
	ConflictsWith []string `json:"conflictsWith,omitempty"`

	// Polling is the polling trigger's progress.
	// +optional
	Polling *PollingStatus `json:"polling,omitempty"`

	// LastHandledReconcileAt is the last reconcile.customersync.io/requestedAt
	// annotation value handled.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
}

// CustomerMapping declares a mapping collection: a source and a destination
// system, the credentials to reach them, and the rules that turn a source
// customer into a destination customer.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=custmap,categories=customersync
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.spec.source.system`
// +kubebuilder:printcolumn:name="Destination",type=string,JSONPath=`.spec.destination.system`
// +kubebuilder:printcolumn:name="Suspended",type=boolean,JSONPath=`.spec.suspend`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="References",type=string,JSONPath=`.status.conditions[?(@.type=="ReferencesReady")].reason`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CustomerMapping struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired mapping.
	// +required
	Spec CustomerMappingSpec `json:"spec"`

	// Status is the observed state.
	// +optional
	Status CustomerMappingStatus `json:"status,omitempty"`
}

// CustomerMappingList is a list of CustomerMappings.
// +kubebuilder:object:root=true
type CustomerMappingList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CustomerMapping `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CustomerMapping{}, &CustomerMappingList{})
}
