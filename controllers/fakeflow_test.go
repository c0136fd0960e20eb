package controllers_test

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// fakeFlow answers Sync from a script, so a reconciler's bookkeeping is
// tested without any system behind it.
type fakeFlow struct {
	mu     sync.Mutex
	calls  map[string]int
	script func(id string, call int) syncer.Outcome
}

func (f *fakeFlow) Validate(context.Context) error                    { return nil }
func (f *fakeFlow) Syncable() error                                   { return nil }
func (f *fakeFlow) List(context.Context, time.Time) ([]string, error) { return nil, nil }
func (f *fakeFlow) Sync(_ context.Context, id string, _ syncer.Options) syncer.Outcome {
	f.mu.Lock()
	f.calls[id]++
	n := f.calls[id]
	f.mu.Unlock()
	return f.script(id, n)
}

func (f *fakeFlow) callsFor(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// The request reconciler through the Flow seam: a transient failure is
// retried durably (a second attempt), a permanent one is recorded with its
// reason once, and the request ends PartiallySucceeded.
func TestRequestReconcilerThroughAFakeFlow(t *testing.T) {
	flow := &fakeFlow{calls: map[string]int{}, script: func(id string, call int) syncer.Outcome {
		switch {
		case id == "flaky" && call == 1:
			return syncer.Outcome{ID: id, Action: v1alpha1.ActionRetrying, Transient: true, Reason: v1alpha1.ReasonTransient, Message: "503"}
		case id == "broken":
			return syncer.Outcome{ID: id, Action: v1alpha1.ActionFailed, Reason: v1alpha1.ReasonMissingEmailAddress, Message: "no email"}
		}
		return syncer.Outcome{ID: id, Action: v1alpha1.ActionCreated, DestinationID: "d-" + id}
	}}
	opts := testOptions()
	opts.BuildFlow = func(syncer.Inputs) (syncer.Flow, error) { return flow, nil }
	w := newWorld(t, nil)
	startManager(t, opts)
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("scripted", mapping, "flaky", "broken", "fine"))
	csr := w.finished("scripted", 30*time.Second)

	if c := condition(csr.Status.Conditions, v1alpha1.ConditionComplete); c == nil || c.Reason != v1alpha1.ReasonPartiallySucceeded {
		t.Fatalf("conditions %+v, want Complete/PartiallySucceeded", csr.Status.Conditions)
	}
	if csr.Status.Succeeded != 2 || csr.Status.Failed != 1 || csr.Status.Processed != 3 {
		t.Errorf("counts %+v", csr.Status)
	}
	if r := result(csr, "flaky"); r == nil || r.Action != v1alpha1.ActionCreated || r.Attempts != 2 || flow.callsFor("flaky") != 2 {
		t.Errorf("flaky: %+v after %d calls, want Created in its second attempt", r, flow.callsFor("flaky"))
	}
	if csr.Status.Retrying != 0 || csr.Status.Started != 3 {
		t.Errorf("retrying %d, started %d after the end", csr.Status.Retrying, csr.Status.Started)
	}
	if r := result(csr, "broken"); r == nil || r.Reason != v1alpha1.ReasonMissingEmailAddress || flow.callsFor("broken") != 1 {
		t.Errorf("broken: %+v after %d calls, want MissingEmailAddress once", r, flow.callsFor("broken"))
	}
}
