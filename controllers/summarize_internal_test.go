package controllers

import (
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestSummarize(t *testing.T) {
	old := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	readyTrue := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonValidated, ObservedGeneration: 1, LastTransitionTime: old}
	reconciling := metav1.Condition{Type: v1alpha1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonProgressing, ObservedGeneration: 1, LastTransitionTime: old}
	stalled := metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonInvalidFormula, ObservedGeneration: 1, LastTransitionTime: old}

	cases := []struct {
		name         string
		before       []metav1.Condition
		err          error
		wantReady    metav1.ConditionStatus // "" absent
		wantReason   string
		reconciling  bool
		stalled      bool
		observedGen  int64
		prevReason   string
		keepsOldTime bool // Ready's transition time survives
	}{
		{"ready from nothing", nil, nil, metav1.ConditionTrue, v1alpha1.ReasonValidated, false, false, 2, "", false},
		{"ready stays ready", []metav1.Condition{readyTrue}, nil, metav1.ConditionTrue, v1alpha1.ReasonValidated, false, false, 2, v1alpha1.ReasonValidated, true},
		{"ready clears Reconciling and Stalled", []metav1.Condition{reconciling, stalled}, nil, metav1.ConditionTrue, v1alpha1.ReasonValidated, false, false, 2, "", false},
		{"stalling", []metav1.Condition{readyTrue, reconciling}, &stalling{v1alpha1.ReasonInvalidFormula, "1:3: bad"}, metav1.ConditionFalse, v1alpha1.ReasonInvalidFormula, false, true, 2, v1alpha1.ReasonValidated, false},
		{"waiting", []metav1.Condition{readyTrue, stalled}, &waiting{v1alpha1.ReasonConnectionFailed, "503", time.Second}, metav1.ConditionFalse, v1alpha1.ReasonConnectionFailed, true, false, 2, v1alpha1.ReasonValidated, false},
		{"the controller's own error keeps the observed generation", []metav1.Condition{readyTrue}, errors.New("etcd is away"), metav1.ConditionFalse, v1alpha1.ReasonProgressing, true, false, 1, v1alpha1.ReasonValidated, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conds := append([]metav1.Condition(nil), tc.before...)
			observed := int64(1)
			prev := summarize(&conds, &observed, 2, summaryOf(tc.err, v1alpha1.ReasonValidated, "validated"))
			if prev != tc.prevReason {
				t.Errorf("previous reason %q, want %q", prev, tc.prevReason)
			}
			if observed != tc.observedGen {
				t.Errorf("observedGeneration %d, want %d", observed, tc.observedGen)
			}
			ready := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
			if ready == nil || ready.Status != tc.wantReady || ready.Reason != tc.wantReason {
				t.Fatalf("Ready = %+v, want %s/%s", ready, tc.wantReady, tc.wantReason)
			}
			if ready.ObservedGeneration != tc.observedGen {
				t.Errorf("Ready describes generation %d, want %d", ready.ObservedGeneration, tc.observedGen)
			}
			if got := ready.LastTransitionTime.Equal(&old); got != tc.keepsOldTime {
				t.Errorf("Ready's transition time kept = %v, want %v", got, tc.keepsOldTime)
			}
			// Reconciling and Stalled are present only while True.
			for typ, want := range map[string]bool{v1alpha1.ConditionReconciling: tc.reconciling, v1alpha1.ConditionStalled: tc.stalled} {
				c := meta.FindStatusCondition(conds, typ)
				switch {
				case want && (c == nil || c.Status != metav1.ConditionTrue):
					t.Errorf("%s = %+v, want True", typ, c)
				case !want && c != nil:
					t.Errorf("%s = %+v, want absent", typ, c)
				}
			}
		})
	}
}

func TestRequestSummary(t *testing.T) {
	cond := func(typ, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: reason, Message: reason}
	}
	cases := []struct {
		name        string
		conds       []metav1.Condition
		ready       metav1.ConditionStatus
		reason      string
		stalled     bool
		reconciling bool
	}{
		{"running", nil, metav1.ConditionFalse, v1alpha1.ReasonProgressing, false, true},
		{"complete", []metav1.Condition{cond(v1alpha1.ConditionComplete, v1alpha1.ReasonSucceeded)}, metav1.ConditionTrue, v1alpha1.ReasonSucceeded, false, false},
		{"partially", []metav1.Condition{cond(v1alpha1.ConditionComplete, v1alpha1.ReasonPartiallySucceeded)}, metav1.ConditionTrue, v1alpha1.ReasonPartiallySucceeded, false, false},
		{"failed", []metav1.Condition{cond(v1alpha1.ConditionFailed, v1alpha1.ReasonBackoffLimitExceeded)}, metav1.ConditionFalse, v1alpha1.ReasonBackoffLimitExceeded, true, false},
		{"waiting", []metav1.Condition{cond(v1alpha1.ConditionWaiting, v1alpha1.ReasonMappingNotReady)}, metav1.ConditionFalse, v1alpha1.ReasonMappingNotReady, false, true},
		{"waiting on a stalled mapping", []metav1.Condition{cond(v1alpha1.ConditionWaiting, v1alpha1.ReasonMappingStalled)}, metav1.ConditionFalse, v1alpha1.ReasonMappingStalled, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			csr := &v1alpha1.CustomerSyncRequest{Status: v1alpha1.CustomerSyncRequestStatus{Conditions: tc.conds}}
			s := requestSummary(csr, "1 of 2 records processed", nil)
			if s.ready != tc.ready || s.reason != tc.reason || s.stalled != tc.stalled || (s.reconciling != "") != tc.reconciling || !s.observed {
				t.Errorf("summary %+v", s)
			}
		})
	}
}
