package controllers

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
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
		Help: "Model calls made for mappings to OpenAI, by mode (direct, or batch: a Batch API line) and outcome (Answered; Refused, Truncated, ContentFiltered, InvalidAnswer; or the error's kind: RateLimited, QuotaExceeded, Unavailable, Timeout, ...).",
	}, []string{"namespace", "mapping", "mode", "outcome"})
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

// The state gauges are computed from the manager's cache at each scrape
// (as kube-state-metrics does), so they cannot drift from the objects: a
// mapping that is not Ready, or requests piling up in a phase, can be
// alerted on.
var (
	mappingReadyDesc = prometheus.NewDesc("customersync_mapping_ready",
		"1 when the CustomerMapping is Ready, 0 when not (suspended mappings are left out), with Ready's reason.",
		[]string{"namespace", "mapping", "reason"}, nil)
	requestsDesc = prometheus.NewDesc("customersync_requests",
		"CustomerSyncRequests stored, by phase (Pending, Waiting, Running, Complete, Failed).",
		[]string{"namespace", "phase"}, nil)

	stateReader atomic.Pointer[client.Reader]
	stateOnce   sync.Once
)

type stateCollector struct{}

func (stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- mappingReadyDesc
	ch <- requestsDesc
}

func (stateCollector) Collect(ch chan<- prometheus.Metric) {
	rp := stateReader.Load()
	if rp == nil {
		return
	}
	r := *rp
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var mappings v1alpha1.CustomerMappingList
	if r.List(ctx, &mappings) == nil {
		for i := range mappings.Items {
			m := &mappings.Items[i]
			if m.Spec.Suspend {
				continue
			}
			v, reason := 0.0, "Unknown"
			if c := meta.FindStatusCondition(m.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				reason = c.Reason
				if c.Status == metav1.ConditionTrue {
					v = 1
				}
			}
			ch <- prometheus.MustNewConstMetric(mappingReadyDesc, prometheus.GaugeValue, v, m.Namespace, m.Name, reason)
		}
	}
	var requests v1alpha1.CustomerSyncRequestList
	if r.List(ctx, &requests) == nil {
		counts := map[[2]string]int{}
		for i := range requests.Items {
			q := &requests.Items[i]
			phase := q.Status.Phase
			if phase == "" {
				phase = v1alpha1.PhasePending
			}
			counts[[2]string{q.Namespace, phase}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
		}
	}
}

// serveState makes the state gauges read from r (the latest manager's
// cache; tests start several managers in one process).
func serveState(r client.Reader) {
	stateReader.Store(&r)
	stateOnce.Do(func() { metrics.Registry.MustRegister(stateCollector{}) })
}
