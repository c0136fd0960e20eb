package controllers_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

func TestInvalidFormulaStallsTheMapping(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	m := w.sampleMapping(sample)
	m.Spec.AddRules[5].Formula = "firstWord(source.nmae"
	w.create(m)
	m = w.mappingCondition(mapping, v1alpha1.ConditionStalled, metav1.ConditionTrue)
	ready := condition(m.Status.Conditions, v1alpha1.ConditionReady)
	if ready.Status != metav1.ConditionFalse || ready.Reason != v1alpha1.ReasonInvalidFormula {
		t.Fatalf("Ready = %+v, want False/InvalidFormula", ready)
	}
	// The message names the rule, its destination and the position.
	for _, want := range []string{"spec.addRules[5]", "FirstName", "1:"} {
		if !strings.Contains(ready.Message, want) {
			t.Errorf("message %q does not name %q", ready.Message, want)
		}
	}
	w.eventWith(mapping, v1alpha1.ReasonInvalidFormula, "spec.addRules[5]")

	// Fixing the spec makes it Ready.
	w.eventually(10*time.Second, "the fix to apply", func() (bool, error) {
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: mapping}, m); err != nil {
			return false, err
		}
		m.Spec.AddRules[5].Formula = "firstWord(source.name)"
		return w.c.Update(w.ctx, m) == nil, nil
	})
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
}

func TestMissingCustomFieldIsReported(t *testing.T) {
	w := newWorld(t, seedData())
	var defs []ipaas.CustomFieldDefinition
	for _, d := range w.ip.CustomFieldDefinitions() {
		if d.Name != "99minds Loyalty Card ID" {
			defs = append(defs, d)
		}
	}
	w.ip.SetCustomFieldDefinitions(defs)
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	m := w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionFalse)
	w.eventually(10*time.Second, "MissingCustomField", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: mapping}, m)
		c := condition(m.Status.Conditions, v1alpha1.ConditionReady)
		return err == nil && c.Reason == v1alpha1.ReasonMissingCustomField, err
	})
	if c := condition(m.Status.Conditions, v1alpha1.ConditionReady); !strings.Contains(c.Message, `"99minds Loyalty Card ID"`) {
		t.Errorf("message %q does not name the missing field", c.Message)
	}
}

func TestRotatedSecretIsUsedWithoutRestart(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	sec := &corev1.Secret{}
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "ipaas"}, sec); err != nil {
		t.Fatal(err)
	}
	sec.Data = map[string][]byte{"apiKey": []byte("an-old-key")}
	if err := w.c.Update(w.ctx, sec); err != nil {
		t.Fatal(err)
	}
	w.create(w.sampleMapping(sample))
	m := w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionFalse)
	w.eventually(10*time.Second, "ConnectionFailed", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: mapping}, m)
		c := condition(m.Status.Conditions, v1alpha1.ConditionReady)
		return err == nil && c.Reason == v1alpha1.ReasonConnectionFailed, err
	})
	c := condition(m.Status.Conditions, v1alpha1.ConditionReady)
	if strings.Contains(c.Message, "an-old-key") {
		t.Fatalf("the key leaked into status: %q", c.Message)
	}
	// Rotate the key: the watch on the Secret revalidates at once.
	sec.Data = map[string][]byte{"apiKey": []byte(ipaasKey)}
	if err := w.c.Update(w.ctx, sec); err != nil {
		t.Fatal(err)
	}
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("after-rotation", mapping, janeID))
	if csr := w.finished("after-rotation", 30*time.Second); csr.Status.Succeeded != 1 {
		t.Fatalf("sync after rotation: %+v", csr.Status)
	}
	for _, e := range w.events(mapping) {
		if strings.Contains(e.Message, "an-old-key") || strings.Contains(e.Message, ipaasKey) {
			t.Errorf("an Event carries a key: %q", e.Message)
		}
	}
}

func TestConflictingMappingsAreFlagged(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	first := w.sampleMapping(sample)
	w.create(first)
	w.mappingCondition(mapping, v1alpha1.ConditionConflicting, metav1.ConditionFalse)

	second := w.sampleMapping(sample)
	second.Name = "another-email-writer"
	second.Spec.AddRules = second.Spec.AddRules[7:8] // EmailAddress
	second.Spec.UpdateRules = nil
	w.create(second)
	for name, other := range map[string]string{mapping: second.Name, second.Name: mapping} {
		m := w.mappingCondition(name, v1alpha1.ConditionConflicting, metav1.ConditionTrue)
		c := condition(m.Status.Conditions, v1alpha1.ConditionConflicting)
		if !strings.Contains(c.Message, other) || !strings.Contains(c.Message, "EmailAddress") {
			t.Errorf("%s: Conflicting message %q does not name %s and EmailAddress", name, c.Message, other)
		}
		if len(m.Status.ConflictsWith) != 1 || m.Status.ConflictsWith[0] != other {
			t.Errorf("%s: conflictsWith = %v", name, m.Status.ConflictsWith)
		}
		w.eventWith(name, v1alpha1.ReasonConflictingMapping, other)
	}
	// Removing one clears the other.
	if err := w.c.Delete(w.ctx, second); err != nil {
		t.Fatal(err)
	}
	w.mappingCondition(mapping, v1alpha1.ConditionConflicting, metav1.ConditionFalse)
}

func TestSuspendedMappingHoldsRequests(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	m := w.sampleMapping(sample)
	m.Spec.Suspend = true
	w.create(m)
	// Suspended, not failing: no Ready (kstatus would read Ready=False as
	// in progress for ever), Suspended=True says why.
	m = w.mappingCondition(mapping, v1alpha1.ConditionSuspended, metav1.ConditionTrue)
	if c := condition(m.Status.Conditions, v1alpha1.ConditionSuspended); c.Reason != v1alpha1.ReasonSuspended {
		t.Fatalf("Suspended = %+v", c)
	}
	for _, typ := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled} {
		if c := condition(m.Status.Conditions, typ); c != nil {
			t.Errorf("a suspended mapping has %+v", c)
		}
	}
	w.create(w.request("held", mapping, janeID))
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(10*time.Second, "the request to wait", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "held"}, csr)
		c := condition(csr.Status.Conditions, v1alpha1.ConditionWaiting)
		return err == nil && c != nil && c.Reason == v1alpha1.ReasonMappingSuspended, err
	})
	if n := len(w.ip.Customers()); n != 0 {
		t.Fatalf("a suspended mapping wrote %d customers", n)
	}
	w.eventually(10*time.Second, "resume", func() (bool, error) {
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: mapping}, m); err != nil {
			return false, err
		}
		m.Spec.Suspend = false
		return w.c.Update(w.ctx, m) == nil, nil
	})
	if csr := w.finished("held", 30*time.Second); csr.Status.Succeeded != 1 {
		t.Fatalf("after resume: %+v", csr.Status)
	}
}

func TestPollingCreatesRequestsAndKeepsItsWatermarkAcrossRestarts(t *testing.T) {
	w := newWorld(t, nil)
	opts := testOptions()
	opts.PollOverlap = 0 // exact windows, so a repeat would show
	stop := startManager(t, opts)
	m := w.sampleMapping(sample)
	m.Spec.Triggers = &v1alpha1.Triggers{
		Events:  []v1alpha1.TriggerEvent{v1alpha1.TriggerCreated, v1alpha1.TriggerUpdated},
		Polling: &v1alpha1.PollingTrigger{Interval: metav1.Duration{Duration: 300 * time.Millisecond}},
	}
	w.create(m)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	first := w.changeCustomer("customer_00000000000000a001")
	w.eventually(30*time.Second, "the first customer to be polled and synced", func() (bool, error) {
		return len(w.ip.FindByCustomerNumber(first)) == 1, nil
	})
	before := w.polledIDs()
	if before[first] < 1 {
		t.Fatalf("polled ids %v, want %s", before, first)
	}
	// A polled request expires a day after it finishes (the default).
	var polled v1alpha1.CustomerSyncRequestList
	if err := w.c.List(w.ctx, &polled, client.InNamespace(w.ns), client.MatchingLabels{v1alpha1.LabelTrigger: v1alpha1.TriggerPolling}); err != nil {
		t.Fatal(err)
	}
	for _, r := range polled.Items {
		if ttl := r.Spec.TTLSecondsAfterFinished; ttl == nil || *ttl != 86400 {
			t.Errorf("polled request %s: ttlSecondsAfterFinished = %v, want 86400", r.Name, ttl)
		}
	}
	// The request can sync before the poll's status write lands: wait for it.
	w.eventually(10*time.Second, "the poll's status", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: mapping}, m)
		p := m.Status.Polling
		return err == nil && p != nil && p.Watermark != nil && p.LastRequestName != "", err
	})

	// Stop the operator; a customer changes meanwhile; a new operator picks
	// it up from the watermark without polling the first one again.
	stop()
	second := w.changeCustomer("customer_00000000000000a002")
	startManager(t, opts)
	w.eventually(30*time.Second, "the second customer to be polled and synced", func() (bool, error) {
		return len(w.ip.FindByCustomerNumber(second)) == 1, nil
	})
	after := w.polledIDs()
	if after[first] != before[first] || after[second] != 1 {
		t.Fatalf("polled ids before the restart %v, after %v: want the second customer once and the first not again", before, after)
	}
}

// changeCustomer creates or changes a 99minds customer now, as a user of
// 99minds would, and returns its id.
func (w *world) changeCustomer(id string) string {
	w.t.Helper()
	_, err := w.nn.Seed(ninetynineminds.Data{Customers: []ninetynineminds.Customer{
		{ID: id, Name: "Polly Poll", Email: id + "@example.com"},
	}})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// polledIDs counts, per customer id, the polling requests that named it.
func (w *world) polledIDs() map[string]int {
	w.t.Helper()
	var list v1alpha1.CustomerSyncRequestList
	if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns), client.MatchingLabels{
		v1alpha1.LabelMapping: mapping, v1alpha1.LabelTrigger: v1alpha1.TriggerPolling,
	}); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range list.Items {
		for _, id := range r.Spec.CustomerIDs {
			out[id]++
		}
	}
	return out
}
