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

// Condition types. Ready, Reconciling and Stalled follow the kstatus
// conventions Flux uses; Complete and Failed are a Job's, so that
// `kubectl wait --for=condition=Complete` works on a CustomerSyncRequest.
const (
	// ConditionReady: the mapping compiled, its Secrets resolved and both
	// connections validated.
	ConditionReady = "Ready"
	// ConditionReconciling: the controller is working towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled: progress needs a change of the spec or of a
	// referenced object; retrying alone will not help.
	ConditionStalled = "Stalled"
	// ConditionConflicting: another mapping writes the same destination
	// fields of the same destination.
	ConditionConflicting = "Conflicting"
	// ConditionSuspended: the mapping is disabled by spec.suspend; it has no
	// Ready condition meanwhile, so health checks read it as current.
	ConditionSuspended = "Suspended"
	// ConditionReferencesReady: False while a mapping this one's flow uses
	// (the response mapping) is not Ready; absent otherwise.
	ConditionReferencesReady = "ReferencesReady"
	// ConditionFingerprints: where a mapping to a model keeps the
	// fingerprints of what it sent (reason CustomField or ConfigMap).
	ConditionFingerprints = "Fingerprints"
	// ConditionWaiting: a sync request waits for its mapping.
	ConditionWaiting = "Waiting"
	// ConditionComplete: a sync request finished; some records may have
	// failed (reason PartiallySucceeded).
	ConditionComplete = "Complete"
	// ConditionFailed: a sync request finished and failed.
	ConditionFailed = "Failed"
)

// Condition reasons: stable CamelCase words users can grep for.
const (
	// ReasonProgressing: work is under way.
	ReasonProgressing = "Progressing"
	// ReasonValidated: the mapping is ready for use.
	ReasonValidated = "Validated"
	// ReasonSuspended: the mapping is disabled by spec.suspend.
	ReasonSuspended = "Suspended"
	// ReasonInvalidRule: a rule cannot be used as written.
	ReasonInvalidRule = "InvalidRule"
	// ReasonInvalidFormula: a CEL formula or filter does not compile.
	ReasonInvalidFormula = "InvalidFormula"
	// ReasonCredentialsNotFound: a referenced Secret or key is missing.
	ReasonCredentialsNotFound = "CredentialsNotFound"
	// ReasonConnectionFailed: a system could not be reached or refused the
	// credentials.
	ReasonConnectionFailed = "ConnectionFailed"
	// ReasonMissingCustomField: a rule writes an iPaaS.com custom field
	// that is not defined.
	ReasonMissingCustomField = "MissingCustomField"
	// ReasonResponseMappingInvalid: the referenced response mapping is
	// missing or unusable.
	ReasonResponseMappingInvalid = "ResponseMappingInvalid"
	// ReasonReferenceNotReady: a mapping this one's flow uses is not Ready.
	ReasonReferenceNotReady = "ReferenceNotReady"
	// ReasonLookupTableNotFound: a lookup table's ConfigMap is missing.
	ReasonLookupTableNotFound = "LookupTableNotFound"
	// ReasonUnsupportedDirection: the mapping's systems cannot do what its
	// flow needs (for example a destination that cannot find a record it
	// created before, so every sync would create another).
	ReasonUnsupportedDirection = "UnsupportedDirection"
	// ReasonMappingNotSyncable: a sync request names a mapping that is used
	// only through another (a response mapping).
	ReasonMappingNotSyncable = "MappingNotSyncable"
	// ReasonConflictingMapping: another mapping writes the same fields.
	ReasonConflictingMapping = "ConflictingMapping"
	// ReasonNoConflict: no other mapping writes the same fields.
	ReasonNoConflict = "NoConflict"

	// ReasonMappingNotFound: the sync request's mapping does not exist.
	ReasonMappingNotFound = "MappingNotFound"
	// ReasonMappingNotReady: the sync request's mapping is not Ready.
	ReasonMappingNotReady = "MappingNotReady"
	// ReasonMappingStalled: the sync request's mapping is Stalled; the
	// request is Stalled too until the mapping is fixed.
	ReasonMappingStalled = "MappingStalled"
	// ReasonMappingSuspended: the sync request's mapping is suspended.
	ReasonMappingSuspended = "MappingSuspended"
	// ReasonSucceeded: every record succeeded or was skipped.
	ReasonSucceeded = "Succeeded"
	// ReasonPartiallySucceeded: finished, with some records failed.
	ReasonPartiallySucceeded = "PartiallySucceeded"
	// ReasonAllRecordsFailed: finished, with every record failed.
	ReasonAllRecordsFailed = "AllRecordsFailed"
	// ReasonBackoffLimitExceeded: a record's transient failures outlasted
	// backoffLimit.
	ReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	// ReasonDeadlineExceeded: activeDeadlineSeconds passed.
	ReasonDeadlineExceeded = "DeadlineExceeded"
	// ReasonBatchNotSupported: spec.batch is Always but the mapping cannot
	// use the Batch API.
	ReasonBatchNotSupported = "BatchNotSupported"
	// ReasonFingerprintCustomField and ReasonFingerprintConfigMap say where
	// fingerprints are kept.
	ReasonFingerprintCustomField = "CustomField"
	ReasonFingerprintConfigMap   = "ConfigMap"
)

// Record failure reasons, from the mapping documents' Error Handling
// sections and the transfer semantics.
const (
	ReasonMissingEmailAddress   = "MissingEmailAddress"
	ReasonMissingNameFields     = "MissingNameFields"
	ReasonMissingCustomerNumber = "MissingCustomerNumber"
	ReasonInvalidPhoneNumber    = "InvalidPhoneNumber"
	ReasonInvalidAmount         = "InvalidAmount"
	ReasonInvalidPromptRequest  = "InvalidPromptRequest"
	ReasonSourceRecordNotFound  = "SourceRecordNotFound"
	ReasonDestinationRejected   = "DestinationRejected"
	ReasonOpenAIAPIError        = "OpenAIAPIError"
	ReasonFilteredOut           = "FilteredOut"
	ReasonCollision             = "DestinationCollision"
	ReasonMappingFailed         = "MappingFailed"
	// ReasonTransient marks a record that will be tried again.
	ReasonTransient = "TransientError"
	// ReasonUnauthorized: a system refused the credentials.
	ReasonUnauthorized = "Unauthorized"
	// ReasonSourceRequestFailed: the source refused the request.
	ReasonSourceRequestFailed = "SourceRequestFailed"
	// The model answered, but not usably (all permanent: asking again with
	// the same prompt and fields gets the same kind of answer).
	// ReasonRefused: the model refused instead of answering.
	ReasonRefused = "Refused"
	// ReasonTruncated: the token limit cut the answer off.
	ReasonTruncated = "Truncated"
	// ReasonContentFiltered: the content filter withheld the answer.
	ReasonContentFiltered = "ContentFiltered"
	// ReasonInvalidAnswer: no answer, or one that violates the schema.
	ReasonInvalidAnswer = "InvalidAnswer"
	// ReasonBatchUnfinished: the OpenAI batch expired or was cancelled
	// before it answered for the record; it is retried with a direct call.
	ReasonBatchUnfinished = "BatchUnfinished"
	// ReasonBatchFailed: OpenAI failed the whole batch (its input was
	// refused).
	ReasonBatchFailed = "BatchFailed"
)

// Phases of a CustomerSyncRequest, a summary of its conditions.
const (
	PhasePending  = "Pending"
	PhaseWaiting  = "Waiting"
	PhaseRunning  = "Running"
	PhaseComplete = "Complete"
	PhaseFailed   = "Failed"
)
