package cli

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// trace orders by when each request finished (running ones by creation),
// finds the customer by source or destination id, and says why a
// request that selects the customer lists no result.
func TestTraceOrderAndNotes(t *testing.T) {
	at := func(s int) *metav1.Time { return &metav1.Time{Time: time.Date(2026, 1, 1, 0, 0, s, 0, time.UTC)} }
	req := func(name string, created, completed *metav1.Time, ids []string, results ...v1alpha1.RecordResult) v1alpha1.CustomerSyncRequest {
		r := v1alpha1.CustomerSyncRequest{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: *created}}
		r.Spec.CustomerIDs, r.Status.Results, r.Status.CompletionTime = ids, results, completed
		if completed != nil {
			r.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionComplete, Status: metav1.ConditionTrue}}
		}
		return r
	}
	reqs := []v1alpha1.CustomerSyncRequest{
		req("c-later", at(5), at(9), []string{"a"}, v1alpha1.RecordResult{ID: "a", Action: v1alpha1.ActionUpdated, DestinationID: "7"}),
		req("b-running", at(6), nil, []string{"a"}),
		req("a-first", at(1), at(2), []string{"a"}, v1alpha1.RecordResult{ID: "a", Action: v1alpha1.ActionFailed, Reason: "X"}),
		req("d-same-second", at(4), at(9), []string{"b"}, v1alpha1.RecordResult{ID: "b", Action: v1alpha1.ActionCreated, DestinationID: "7"}),
		req("e-other", at(1), at(2), []string{"z"}, v1alpha1.RecordResult{ID: "z", Action: v1alpha1.ActionCreated}),
	}
	got := trace(reqs, "a")
	var names []string
	for _, g := range got {
		names = append(names, g.Request)
	}
	if want := []string{"a-first", "b-running", "c-later"}; !slices.Equal(names, want) {
		t.Errorf("trace a = %v, want %v", names, want)
	}
	if got[1].Note == "" || got[1].Action != "" {
		t.Errorf("running request: %+v, want a note and no action", got[1])
	}
	names = nil
	for _, g := range trace(reqs, "7") {
		names = append(names, g.Request)
	}
	if want := []string{"d-same-second", "c-later"}; !slices.Equal(names, want) {
		t.Errorf("trace by destination id = %v, want %v (same second: by creation)", names, want)
	}
}
