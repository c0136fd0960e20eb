package connector

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names, on controller-runtime's registry so the manager serves them.
const (
	MetricRequestsTotal   = "customersync_connector_requests_total"
	MetricRequestDuration = "customersync_connector_request_duration_seconds"
)

// StatusError is the code label of a request that got no response.
const StatusError = "error"

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricRequestsTotal,
		Help: "HTTP requests connectors sent, by system, operation and status code (\"error\" when no response arrived).",
	}, []string{"system", "operation", "code"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    MetricRequestDuration,
		Help:    "Latency of connector HTTP requests until response headers, by system and operation; excludes client-side rate-limit waits.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"system", "operation"})

	registerOnce sync.Once
)

// registerMetrics adds the collectors to metrics.Registry once per process;
// a collector already there (e.g. after a test re-registers) is reused.
func registerMetrics() {
	registerOnce.Do(func() {
		requestsTotal = registerOrExisting(requestsTotal)
		requestDuration = registerOrExisting(requestDuration)
	})
}

func registerOrExisting[C prometheus.Collector](c C) C {
	if err := metrics.Registry.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}

// observers caches each (system, operation, status)'s counter and
// histogram: WithLabelValues validates and hashes its labels on every
// call, 5% of the manager's CPU when looked up per request. The keys are
// the metrics' own label sets, so the cache is as bounded as they are.
var observers sync.Map // requestKey → *requestObservers

type requestKey struct {
	system, op string
	status     int
}

type requestObservers struct {
	total    prometheus.Counter
	duration prometheus.Observer
}

func observeRequest(system, op string, status int, d time.Duration) {
	key := requestKey{system, op, status}
	o, ok := observers.Load(key)
	if !ok {
		code := StatusError
		if status > 0 {
			code = strconv.Itoa(status)
		}
		o, _ = observers.LoadOrStore(key, &requestObservers{
			total:    requestsTotal.WithLabelValues(system, op, code),
			duration: requestDuration.WithLabelValues(system, op),
		})
	}
	obs := o.(*requestObservers)
	obs.total.Inc()
	obs.duration.Observe(d.Seconds())
}
