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

// Labels the operator puts on the CustomerSyncRequests it creates, so that
// `kubectl get custsync -l sync.customersync.io/trigger=webhook` finds them.
const (
	// LabelMapping names the CustomerMapping a triggered request uses.
	LabelMapping = "sync.customersync.io/mapping"
	// LabelTrigger says what created the request: webhook or polling.
	LabelTrigger = "sync.customersync.io/trigger"

	TriggerWebhook = "webhook"
	TriggerPolling = "polling"
	// TriggerCLI marks requests made by kubectl customersync.
	TriggerCLI = "cli"

	// LabelGroup ties together the requests one command made from a list
	// of more customer ids than a request holds.
	LabelGroup = "sync.customersync.io/group"
	// LabelRetryOf names the request whose failed records a request
	// retries (kubectl customersync retry).
	LabelRetryOf = "sync.customersync.io/retry-of"

	// LabelShard assigns a mapping, and the requests made for it, to the
	// operator shard whose --watch-label-selector selects it (as Flux's
	// sharding.fluxcd.io/key does).
	LabelShard = "sharding.customersync.io/key"
)

// AnnotationRequestedAt asks for a reconcile now, as Flux's
// reconcile.fluxcd.io/requestedAt does: set it to any new value (a time);
// the mapping's status.lastHandledReconcileAt echoes it once handled.
const AnnotationRequestedAt = "reconcile.customersync.io/requestedAt"
