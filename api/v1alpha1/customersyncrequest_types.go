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

// Operation chooses between the Customer Add and Customer Update collections.
// +kubebuilder:validation:Enum=Auto;Add;Update
type Operation string

const (
	// OperationAuto decides per record from the external-id link: Add when
	// the destination has no linked record, Update when it has one.
	OperationAuto Operation = "Auto"
	// OperationAdd only creates; a record that already exists fails.
	OperationAdd Operation = "Add"
	// OperationUpdate only updates; a record that does not exist fails.
	OperationUpdate Operation = "Update"
)

// MaxCustomerIDs is how many ids one request's spec.customerIDs holds.
const MaxCustomerIDs = 5000

// AllCustomers selects every customer of the source, as a bulk
// (initialization) sync.
type AllCustomers struct {
	// UpdatedSince limits the sync to customers changed at or after this
	// time.
	// +optional
	UpdatedSince *metav1.Time `json:"updatedSince,omitempty"`
}

// CustomerSyncRequestSpec says which customers to move with which mapping.
// It is immutable: to sync again, create another request.
// +kubebuilder:validation:XValidation:rule="has(self.customerIDs) != has(self.all)",message="set exactly one of customerIDs or all"
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable; create a new CustomerSyncRequest instead"
type CustomerSyncRequestSpec struct {
	// MappingRef names the CustomerMapping, in this namespace, to sync with.
	// +required
	MappingRef LocalObjectReference `json:"mappingRef"`

	// CustomerIDs are the customers to sync, in the source system's id format
	// (99minds: customer_ and 18 hex digits; iPaaS.com: the CustomerNumber
	// or the iPaaS id). 1 to 5,000 unique IDs.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5000
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=128
	// +kubebuilder:validation:items:Pattern=`^\S+$`
	// +optional
	CustomerIDs []string `json:"customerIDs,omitempty"`

	// All syncs every customer of the source instead of a list.
	// +optional
	All *AllCustomers `json:"all,omitempty"`

	// Operation is Auto (decided per record by the external-id link), Add or
	// Update.
	// +kubebuilder:default=Auto
	// +optional
	Operation Operation `json:"operation,omitempty"`

	// DryRun computes each record's field changes and shows them in status
	// without writing to the destination.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`

	// BackoffLimit is how many times a record that failed for a transient
	// reason (rate limit, server error, timeout) is retried.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=6
	// +optional
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`

	// ActiveDeadlineSeconds bounds the request's run time from startTime;
	// when it passes, unfinished records fail with DeadlineExceeded.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`

	// TTLSecondsAfterFinished deletes the request this long after it
	// completes or fails. Unset keeps it.
	// +kubebuilder:validation:Minimum=0
	// +optional
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`

	// Batch says whether a mapping to OpenAI asks the model through the
	// Batch API: Auto (when the mapping's openAI.batch is set and the
	// request selects at least its minRecords), Always or Never. A request
	// for a mapping that cannot batch fails with BatchNotSupported when
	// this is Always.
	// +kubebuilder:validation:Enum=Auto;Always;Never
	// +optional
	Batch BatchMode `json:"batch,omitempty"`
}

// BatchMode is spec.batch of a request.
type BatchMode string

// The batch modes.
const (
	BatchAuto   BatchMode = "Auto"
	BatchAlways BatchMode = "Always"
	BatchNever  BatchMode = "Never"
)

// RecordAction is what happened to one record.
// +kubebuilder:validation:Enum=Created;Updated;Linked;Unchanged;Skipped;Failed;Retrying;WouldCreate;WouldUpdate
type RecordAction string

const (
	// ActionCreated: the destination record was created and linked.
	ActionCreated RecordAction = "Created"
	// ActionUpdated: the destination record was updated.
	ActionUpdated RecordAction = "Updated"
	// ActionLinked: an existing destination record was linked, not written.
	ActionLinked RecordAction = "Linked"
	// ActionUnchanged: the destination already held the mapped values.
	ActionUnchanged RecordAction = "Unchanged"
	// ActionSkipped: the mapping's filter excluded the record.
	ActionSkipped RecordAction = "Skipped"
	// ActionFailed: the record failed; reason and message say why.
	ActionFailed RecordAction = "Failed"
	// ActionRetrying: a transient failure; the record will be tried again.
	ActionRetrying RecordAction = "Retrying"
	// ActionWouldCreate: dry run; the record would be created.
	ActionWouldCreate RecordAction = "WouldCreate"
	// ActionWouldUpdate: dry run; the record would be updated.
	ActionWouldUpdate RecordAction = "WouldUpdate"
)

// ReasonCount is how many records failed with one reason.
type ReasonCount struct {
	// Reason is a failure reason (MissingEmailAddress, ...).
	// +kubebuilder:validation:MaxLength=64
	// +required
	Reason string `json:"reason"`

	// Count is how many records failed with it.
	// +required
	Count int32 `json:"count"`
}

// FieldChange is one destination field a sync changes, or would change.
type FieldChange struct {
	// Field is the destination field or custom field name.
	// +kubebuilder:validation:MaxLength=128
	// +required
	Field string `json:"field"`

	// From is the current value, shortened to 256 characters.
	// +kubebuilder:validation:MaxLength=260
	// +optional
	From string `json:"from,omitempty"`

	// To is the new value, shortened to 256 characters.
	// +kubebuilder:validation:MaxLength=260
	// +optional
	To string `json:"to,omitempty"`
}

// RecordResult is the outcome of one record. Results hold ids, outcomes and
// reasons, never the customer's payload.
type RecordResult struct {
	// ID is the record's id in the source system.
	// +kubebuilder:validation:MaxLength=128
	// +required
	ID string `json:"id"`

	// Action is what happened.
	// +required
	Action RecordAction `json:"action"`

	// DestinationID is the record's id in the destination system.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	DestinationID string `json:"destinationID,omitempty"`

	// Attempts is how many times the record was tried.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`

	// Reason is a CamelCase word for a failure or skip (MissingEmailAddress).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message says what went wrong and what to do about it.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`

	// Changes are the field changes, shown for dry runs.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +optional
	Changes []FieldChange `json:"changes,omitempty"`

	// NextAttemptTime is when a Retrying record is tried again.
	// +optional
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`
}

// OpenAIUsage counts the model calls a request made and the tokens billed.
type OpenAIUsage struct {
	OpenAITokens `json:",inline"`
	// Batched is the part of the counts above that went through the Batch
	// API, billed at half the token price.
	// +optional
	Batched *OpenAITokens `json:"batched,omitempty"`
}

// OpenAITokens are model calls and their tokens, by kind.
type OpenAITokens struct {
	// ModelCalls is the number of model calls made (a batch line counts as
	// one).
	// +optional
	ModelCalls int64 `json:"modelCalls,omitempty"`
	// PromptTokens billed as input, cached ones included.
	// +optional
	PromptTokens int64 `json:"promptTokens,omitempty"`
	// CachedPromptTokens is the part of promptTokens served from OpenAI's
	// prompt cache (billed at a discount).
	// +optional
	CachedPromptTokens int64 `json:"cachedPromptTokens,omitempty"`
	// CompletionTokens billed as output.
	// +optional
	CompletionTokens int64 `json:"completionTokens,omitempty"`
	// TotalTokens billed.
	// +optional
	TotalTokens int64 `json:"totalTokens,omitempty"`
}

// BatchStatus is the OpenAI batch a request waits for.
type BatchStatus struct {
	// ID is the batch's id at OpenAI; empty while it is being created.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	ID string `json:"id,omitempty"`
	// InputFileID is the uploaded JSONL file, one line per customer.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	InputFileID string `json:"inputFileID,omitempty"`
	// Manifest is the ConfigMap, owned by the request, that lists the
	// batch's customers and the fingerprint of what was sent for each.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Manifest string `json:"manifest,omitempty"`
	// State is OpenAI's: validating, in_progress, finalizing, completed,
	// failed, expired, cancelling or cancelled.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	State string `json:"state,omitempty"`
	// Records is the number of customers in the batch.
	// +optional
	Records int32 `json:"records"`
	// Completed is OpenAI's count of lines answered so far.
	// +optional
	Completed int32 `json:"completed"`
	// Failed is OpenAI's count of lines that failed so far.
	// +optional
	Failed int32 `json:"failed"`
	// SubmittedAt is when the input file was uploaded.
	// +optional
	SubmittedAt *metav1.Time `json:"submittedAt,omitempty"`
}

// CustomerSyncRequestStatus is the observed progress of a sync request.
type CustomerSyncRequestStatus struct {
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Complete or Failed when finished (as a Job has them), and
	// Reconciling, Waiting and Stalled while it is not.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Phase summarises the conditions for humans: Pending, Waiting, Running,
	// Complete or Failed. Automation should read the conditions.
	// +kubebuilder:validation:Enum=Pending;Waiting;Running;Complete;Failed
	// +optional
	Phase string `json:"phase,omitempty"`

	// StartTime is when processing began.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the request finished.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// MappingGeneration is the generation of the mapping used.
	// +optional
	MappingGeneration int64 `json:"mappingGeneration,omitempty"`

	// Total is the number of records selected.
	// +optional
	Total int32 `json:"total"`

	// Started is how many records, in selection order, have had at least
	// one attempt; a restarted operator resumes after them.
	// +optional
	Started int32 `json:"started"`

	// Processed is how many records have a final outcome: succeeded + failed
	// + skipped.
	// +optional
	Processed int32 `json:"processed"`

	// Retrying is how many records failed transiently and wait for another
	// attempt (their results have action Retrying and nextAttemptTime).
	// +optional
	Retrying int32 `json:"retrying"`

	// Cursor is, for a bulk (all) sync, the last source ID in sorted order
	// with an outcome; a restarted operator resumes after it even if the
	// source's list changed meanwhile.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Cursor string `json:"cursor,omitempty"`

	// Succeeded counts records created, updated, linked or already unchanged.
	// +optional
	Succeeded int32 `json:"succeeded"`

	// Failed counts records that failed for good.
	// +optional
	Failed int32 `json:"failed"`

	// Skipped counts records the mapping's filter excluded.
	// +optional
	Skipped int32 `json:"skipped"`

	// Results are per-record outcomes, failures first, at most 1,000 and at
	// most 256 KiB of them; the counts and failureReasons cover every record.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	// +optional
	Results []RecordResult `json:"results,omitempty"`

	// OmittedResults is how many records' results status.results leaves out
	// to stay within its bounds (failures are kept first, then records
	// waiting to retry, which are never left out).
	// +optional
	OmittedResults int32 `json:"omittedResults,omitempty"`

	// FailureReasons counts the records that failed for good, by reason,
	// including those whose results were left out.
	// +listType=map
	// +listMapKey=reason
	// +kubebuilder:validation:MaxItems=64
	// +optional
	FailureReasons []ReasonCount `json:"failureReasons,omitempty"`

	// OpenAI counts model calls and tokens, for mappings to OpenAI.
	// +optional
	OpenAI *OpenAIUsage `json:"openAI,omitempty"`

	// Batch is the OpenAI batch in progress; its customers count as started
	// and get their outcomes when it ends.
	// +optional
	Batch *BatchStatus `json:"batch,omitempty"`

	// Batches is how many OpenAI batches the request has finished.
	// +optional
	Batches int32 `json:"batches,omitempty"`
}

// CustomerSyncRequest is one sync job: the customers to move and the
// mapping to move them with. It runs to completion like a batch Job and
// reports Complete or Failed.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=custsync,categories=customersync
// +kubebuilder:printcolumn:name="Mapping",type=string,JSONPath=`.spec.mappingRef.name`
// +kubebuilder:printcolumn:name="Total",type=integer,JSONPath=`.status.total`
// +kubebuilder:printcolumn:name="Succeeded",type=integer,JSONPath=`.status.succeeded`
// +kubebuilder:printcolumn:name="Failed",type=integer,JSONPath=`.status.failed`
// +kubebuilder:printcolumn:name="Retrying",type=integer,JSONPath=`.status.retrying`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Dry Run",type=boolean,JSONPath=`.spec.dryRun`,priority=1
// +kubebuilder:printcolumn:name="Batch",type=string,JSONPath=`.status.batch.state`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CustomerSyncRequest struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the sync job; immutable once created.
	// +required
	Spec CustomerSyncRequestSpec `json:"spec"`

	// Status is the observed progress.
	// +optional
	Status CustomerSyncRequestStatus `json:"status,omitempty"`
}

// CustomerSyncRequestList is a list of CustomerSyncRequests.
// +kubebuilder:object:root=true
type CustomerSyncRequestList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CustomerSyncRequest `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CustomerSyncRequest{}, &CustomerSyncRequestList{})
}
