package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	rules "github.com/customersync/customer-sync-operator/internal/mapping"
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

// fakeWorld runs a manager whose mappings all run flow, with the sample
// mapping created and Ready.
func fakeWorld(t *testing.T, flow syncer.Flow) *world {
	t.Helper()
	opts := testOptions()
	opts.BuildFlow = func(syncer.Inputs) (syncer.Flow, error) { return flow, nil }
	w := newWorld(t, nil)
	startManager(t, opts)
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	return w
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
	w := fakeWorld(t, flow)
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

// The worst status the CRD's maxima allow used to pass etcd's object limit,
// so the status write failed and the chunk was redone for ever: 100 dry-run
// results with 64 long field changes each, and 1,000 failures with long
// messages. Now the request completes, its status stays within its budget,
// and it still says what failed.
func TestStatusStaysWithinItsBudget(t *testing.T) {
	long := strings.Repeat("ü", 400) // 800 bytes, two per character: truncation must not split one
	var ids []string
	for i := range 1100 {
		ids = append(ids, fmt.Sprintf("customer_%018x", i))
	}
	flow := &fakeFlow{calls: map[string]int{}, script: func(id string, _ int) syncer.Outcome {
		var n int
		fmt.Sscanf(id, "customer_%x", &n)
		if n < 100 {
			changes := make([]rules.Change, 64)
			for i := range changes {
				changes[i] = rules.Change{Field: fmt.Sprintf("Field %02d %s", i, long[:100]), From: long, To: long}
			}
			return syncer.Outcome{ID: id, Action: v1alpha1.ActionWouldUpdate, Changes: changes}
		}
		reason := v1alpha1.ReasonMissingEmailAddress
		if n%2 == 0 {
			reason = v1alpha1.ReasonMissingNameFields
		}
		return syncer.Outcome{ID: id, Action: v1alpha1.ActionFailed, Reason: reason, Message: long + long}
	}}
	w := fakeWorld(t, flow)
	req := w.request("worst-case", mapping, ids...)
	req.Spec.DryRun = true
	w.create(req)
	csr := w.finished("worst-case", 2*time.Minute)

	if c := condition(csr.Status.Conditions, v1alpha1.ConditionComplete); c == nil || c.Reason != v1alpha1.ReasonPartiallySucceeded {
		t.Fatalf("conditions %+v", csr.Status.Conditions)
	}
	raw, err := json.Marshal(csr)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 512<<10 {
		t.Errorf("the request is %d bytes, over its 512 KiB ceiling", len(raw))
	}
	st := csr.Status
	if st.Failed != 1000 || st.Succeeded != 100 || st.Processed != 1100 {
		t.Errorf("counts: failed %d succeeded %d processed %d", st.Failed, st.Succeeded, st.Processed)
	}
	want := []v1alpha1.ReasonCount{{Reason: v1alpha1.ReasonMissingEmailAddress, Count: 500}, {Reason: v1alpha1.ReasonMissingNameFields, Count: 500}}
	if !reflect.DeepEqual(st.FailureReasons, want) {
		t.Errorf("failureReasons %+v, want %+v", st.FailureReasons, want)
	}
	if len(st.Results) == 0 || st.Results[0].Action != v1alpha1.ActionFailed || st.Results[0].ID != ids[100] {
		t.Fatalf("the first failures are not kept first: %+v", st.Results[:min(1, len(st.Results))])
	}
	if int(st.OmittedResults)+len(st.Results) != len(ids) || st.OmittedResults == 0 {
		t.Errorf("%d results kept and %d omitted, of %d", len(st.Results), st.OmittedResults, len(ids))
	}
	for _, r := range st.Results {
		if !utf8.ValidString(r.Message) {
			t.Fatalf("result %s has a message cut inside a character", r.ID)
		}
		for _, c := range r.Changes {
			if !utf8.ValidString(c.From) || !utf8.ValidString(c.To) || !utf8.ValidString(c.Field) {
				t.Fatalf("result %s has a change cut inside a character", r.ID)
			}
		}
	}
}

// No barrier: while one record is held, the other workers go on through
// the rest of the request, and the resume point written meanwhile stays
// before the held record (it is not durable until it finishes). Released,
// it finishes and the request completes with every record synced once.
func TestWindowHasNoBarrierAndAWatermark(t *testing.T) {
	const n = 200
	release := make(chan struct{})
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("r%03d", i))
	}
	flow := &fakeFlow{calls: map[string]int{}, script: func(id string, _ int) syncer.Outcome {
		if id == "r005" {
			<-release
		}
		return syncer.Outcome{ID: id, Action: v1alpha1.ActionCreated, DestinationID: "d-" + id}
	}}
	w := fakeWorld(t, flow)
	w.create(w.request("held", mapping, ids...))
	w.eventually(30*time.Second, "every other record synced", func() (bool, error) {
		flow.mu.Lock()
		defer flow.mu.Unlock()
		return len(flow.calls) == n, nil
	})
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(30*time.Second, "progress written", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "held"}, csr)
		return err == nil && csr.Status.Started == 5, err
	})
	if csr.Status.Processed != 5 || csr.Status.CompletionTime != nil {
		t.Errorf("while r005 is held: %+v", csr.Status)
	}
	close(release)
	csr = w.finished("held", 30*time.Second)
	if csr.Status.Succeeded != n || csr.Status.Started != n {
		t.Fatalf("status %+v", csr.Status)
	}
	for _, id := range ids {
		if c := flow.callsFor(id); c != 1 {
			t.Errorf("%s synced %d times", id, c)
		}
	}
}
