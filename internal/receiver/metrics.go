package receiver

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names.
const (
	MetricEventsTotal         = "customersync_webhook_events_total"
	MetricSyncRequestsCreated = "customersync_webhook_sync_requests_created_total"
	MetricIDsDroppedTotal     = "customersync_webhook_ids_dropped_total"
	MetricIDsFlushedTotal     = "customersync_webhook_ids_flushed_total"
)

// Outcomes of customersync_webhook_events_total.
const (
	OutcomeAccepted = "accepted"
	OutcomeIgnored  = "ignored"
	OutcomeRejected = "rejected"
)

// Reasons of customersync_webhook_events_total. Accepted events carry their
// event (Created, Updated); ignored events say why; rejected HTTP requests
// say what was wrong with them.
const (
	ReasonCreated            = "Created"
	ReasonUpdated            = "Updated"
	ReasonDeleted            = "Deleted"
	ReasonEventNotSubscribed = "EventNotSubscribed"
	ReasonUnsupportedScope   = "UnsupportedScope"
	ReasonMappingSuspended   = "MappingSuspended"

	ReasonNotFound            = "NotFound"
	ReasonMethodNotAllowed    = "MethodNotAllowed"
	ReasonMissingToken        = "MissingToken"
	ReasonInvalidToken        = "InvalidToken"
	ReasonMissingSignature    = "MissingSignature"
	ReasonInvalidSignature    = "InvalidSignature"
	ReasonCredentialsNotFound = "CredentialsNotFound"
	ReasonBodyTooLarge        = "BodyTooLarge"
	ReasonMalformedBody       = "MalformedBody"
	ReasonBacklogged          = "Backlogged"
	ReasonUnavailable         = "Unavailable"
	ReasonNotStored           = "NotStored"
	ReasonStaleTimestamp      = "StaleTimestamp"
	ReasonReplayed            = "Replayed"
)

// Reasons of customersync_webhook_ids_dropped_total.
const (
	DropRejected = "Rejected" // the API server refused the request for good
	DropShutdown = "Shutdown" // the shutdown deadline passed first
)

var (
	// eventsTotal counts notifications accepted or ignored, and HTTP
	// requests rejected (their notifications are never read). Requests for
	// unknown paths or mappings are counted with empty namespace and
	// mapping, so that callers cannot grow the label set.
	eventsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricEventsTotal,
		Help: "Webhook notifications accepted or ignored, and webhook requests rejected, by mapping, outcome and reason.",
	}, []string{"namespace", "mapping", "outcome", "reason"})
	syncRequestsCreated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricSyncRequestsCreated,
		Help: "CustomerSyncRequests the webhook receiver created, by mapping.",
	}, []string{"namespace", "mapping"})
	idsFlushed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricIDsFlushedTotal,
		Help: "Customer ids written into CustomerSyncRequests by the webhook receiver, by mapping.",
	}, []string{"namespace", "mapping"})
	idsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricIDsDroppedTotal,
		Help: "Accepted customer ids that never reached a CustomerSyncRequest, by mapping and reason (Rejected, Shutdown).",
	}, []string{"namespace", "mapping", "reason"})
)

func init() {
	metrics.Registry.MustRegister(eventsTotal, syncRequestsCreated, idsFlushed, idsDropped)
}
