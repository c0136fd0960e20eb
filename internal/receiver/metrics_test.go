package receiver

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// value reads a counter. It stands in for prometheus/testutil.ToFloat64,
// whose diff dependency (kylelemons/godebug) has no go.sum entry here.
func value(c prometheus.Counter) float64 {
	m := &dto.Metric{}
	if err := c.Write(m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func counter(ns, mapping, outcome, reason string) float64 {
	return value(eventsTotal.WithLabelValues(ns, mapping, outcome, reason))
}

// seriesFor counts the series of name whose mapping label is mapping,
// without creating any.
func seriesFor(name, mapping string) int {
	families, err := metrics.Registry.Gather()
	if err != nil {
		panic(err)
	}
	n := 0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "mapping" && l.GetValue() == mapping {
					n++
				}
			}
		}
	}
	return n
}
