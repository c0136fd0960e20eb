package controllers_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	simopenai "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// benchModelLatency is how long the simulated model takes per direct call;
// benchBatchDelay how long OpenAI takes for the whole batch.
const (
	benchModelLatency = 200 * time.Millisecond
	benchBatchDelay   = 5 * time.Second
	benchCustomers    = 1000
)

// BenchmarkEnrich1000 enriches 1,000 iPaaS.com customers through the
// manager and a real API server, once with one direct call per customer
// (Never) and once in one OpenAI batch (Always), and reports the model
// calls, tokens, the billed-token equivalent (batch tokens cost half), the
// wall time and the reconcile-worker time the request held.
//
//	go test ./controllers -run '^$' -bench Enrich1000 -benchtime 1x
func BenchmarkEnrich1000(b *testing.B) {
	for _, mode := range []v1alpha1.BatchMode{v1alpha1.BatchNever, v1alpha1.BatchAlways} {
		b.Run(string(mode), func(b *testing.B) {
			for range b.N {
				benchEnrich(b, mode)
			}
		})
	}
}

func benchEnrich(b *testing.B, mode v1alpha1.BatchMode) {
	b.StopTimer()
	w, req, resp := setupAI(b, func(req, _ *v1alpha1.CustomerMapping) {
		req.Spec.OpenAI.Batch = &v1alpha1.OpenAIBatch{PollIntervalSeconds: 1}
	})
	var ids []string
	for _, c := range w.ip.Generate(benchCustomers + 1) {
		if c.CustomerNumber != customerNo && len(ids) < benchCustomers { // the seed's Jane has one of the numbers
			ids = append(ids, c.CustomerNumber)
		}
	}
	if err := w.ai.SetFaults(fault.Config{Latency: benchModelLatency, Paths: []string{simopenai.RouteResponses, simopenai.RouteChat}}); err != nil {
		b.Fatal(err)
	}
	w.ai.SetBatchBehavior(simopenai.BatchBehavior{Delay: benchBatchDelay})
	opts := testOptions()
	stop := startManager(b, opts)
	defer stop()
	w.create(resp)
	w.create(req)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)
	r := w.request("bench", requestMap, ids...)
	r.Spec.Batch = mode
	held := reconcileSeconds(b)
	b.StartTimer()
	start := time.Now()
	w.create(r)
	csr := w.finished("bench", 10*time.Minute)
	wall := time.Since(start)
	b.StopTimer()
	held = reconcileSeconds(b) - held
	if csr.Status.Succeeded != benchCustomers {
		b.Fatalf("%d succeeded, %d failed (%v), want %d", csr.Status.Succeeded, csr.Status.Failed, csr.Status.FailureReasons, benchCustomers)
	}
	u := csr.Status.OpenAI
	batched := v1alpha1.OpenAITokens{}
	if u.Batched != nil {
		batched = *u.Batched
	}
	billed := float64(u.TotalTokens-batched.TotalTokens) + 0.5*float64(batched.TotalTokens)
	b.ReportMetric(float64(u.ModelCalls), "model-calls")
	b.ReportMetric(float64(batched.ModelCalls), "batched-calls")
	b.ReportMetric(float64(u.PromptTokens), "input-tokens")
	b.ReportMetric(float64(u.CachedPromptTokens), "cached-input-tokens")
	b.ReportMetric(float64(u.CompletionTokens), "output-tokens")
	b.ReportMetric(billed, "billed-token-equiv")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(held, "worker-s")
	b.ReportMetric(0, "ns/op")
}

// reconcileSeconds is the time the request controller's workers spent in
// Reconcile so far (controller-runtime's histogram).
func reconcileSeconds(b *testing.B) float64 {
	b.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		b.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_time_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "customersyncrequest" {
					sum += m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	return sum
}
