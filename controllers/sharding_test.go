package controllers_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Two shards on one API server, as Flux shards its controllers: each
// manager serves the mappings and requests its --watch-label-selector
// selects, and touches nothing of the other's.
func TestShardsServeOnlyTheirOwn(t *testing.T) {
	bin := buildManager(t)
	w := newWorld(t, seedData())
	shards := map[string]*process{}
	for _, shard := range []string{"shard1", "shard2"} {
		shards[shard] = runManager(t, bin, "--watch-label-selector="+v1alpha1.LabelShard+"="+shard,
			"--webhook-bind-address="+freePort(t))
	}
	for _, shard := range []string{"shard1", "shard2"} {
		m := w.sampleMapping(sample)
		m.Name = "mapping-" + shard
		m.Labels = map[string]string{v1alpha1.LabelShard: shard}
		w.create(m)
		w.mappingCondition(m.Name, v1alpha1.ConditionReady, metav1.ConditionTrue)
		r := w.request("request-"+shard, m.Name, janeID)
		r.Labels = map[string]string{v1alpha1.LabelShard: shard}
		w.create(r)
	}
	for _, shard := range []string{"shard1", "shard2"} {
		if csr := w.finished("request-"+shard, time.Minute); csr.Status.Succeeded != 1 {
			t.Fatalf("%s: %+v", shard, csr.Status)
		}
	}
	for shard, other := range map[string]string{"shard1": "shard2", "shard2": "shard1"} {
		p := shards[shard]
		if !p.said(`"mapping-`+shard+`"`) || p.said(`"mapping-`+other+`"`) || p.said(`"request-`+other+`"`) {
			t.Errorf("the %s manager did not keep to its own mapping and request", shard)
		}
	}
}
