package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metrics on controller-runtime's registry, served on the manager's
// metrics endpoint.
var (
	recordsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "customersync_records_total",
		Help: "Records processed by sync requests, by mapping and final action (Created, Updated, Linked, Unchanged, Skipped, Failed, WouldCreate, WouldUpdate).",
	}, []string{"namespace", "mapping", "action"})
	recordDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "customersync_record_sync_duration_seconds",
		Help:    "Time to transfer one record, from fetch to link, by mapping.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"namespace", "mapping"})
	modelCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "customersync_openai_calls_total",
		Help: "Model calls made for mappings to OpenAI, by mode: direct, or batch (a Batch API line).",
	}, []string{"namespace", "mapping", "mode"})
	tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "customersync_openai_tokens_total",
		Help: "OpenAI tokens billed, by mapping, kind (input, cached_input, output) and mode (direct, batch; batch tokens cost half).",
	}, []string{"namespace", "mapping", "kind", "mode"})
	batchesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "customersync_openai_batches_total",
		Help: "OpenAI batches that ended, by mapping and final state (completed, expired, failed, cancelled).",
	}, []string{"namespace", "mapping", "state"})
	requestsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "customersync_requests_finished_total",
		Help: "Sync requests that finished, by mapping and terminal reason.",
	}, []string{"namespace", "mapping", "reason"})
)

func init() {
	metrics.Registry.MustRegister(recordsTotal, recordDuration, requestsFinished, modelCalls, tokens, batchesTotal)
}
