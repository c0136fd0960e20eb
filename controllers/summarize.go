package controllers

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// A reconcile step ends in one of four ways, as in Flux's reconcilers: it
// reached the goal (nil), it stalled (only a change by a person helps), it
// waits (the obstacle clears by itself: retry after a delay), or it failed
// for any other reason (the controller's own trouble, such as the API
// server: retried with backoff, and the generation is not counted as
// observed). summarize is the one place that turns that into conditions.

// stalling is a step that cannot progress until the spec, or an object it
// names, changes.
type stalling struct{ reason, message string }

func (e *stalling) Error() string { return e.reason + ": " + e.message }

// waiting is a step that will be tried again after a delay.
type waiting struct {
	reason, message string
	after           time.Duration
}

func (e *waiting) Error() string { return e.reason + ": " + e.message }

// summary is what summarize writes: the Ready condition and whether the
// object is Reconciling or Stalled.
type summary struct {
	// ready is Ready's status; "" removes Ready (a suspended mapping).
	ready           metav1.ConditionStatus
	reason, message string
	// reconciling, when not empty, is Reconciling=True's message.
	reconciling string
	// stalled sets Stalled=True with the reason and message.
	stalled bool
	// observed says the generation was reconciled, so observedGeneration
	// moves to it; false for the controller's own failures.
	observed bool
}

// summaryOf derives the summary of a step's error. A nil error is Ready
// with reason and message.
func summaryOf(err error, reason, message string) summary {
	var st *stalling
	var w *waiting
	switch {
	case err == nil:
		return summary{ready: metav1.ConditionTrue, reason: reason, message: message, observed: true}
	case errors.As(err, &st):
		return summary{ready: metav1.ConditionFalse, reason: st.reason, message: st.message, stalled: true, observed: true}
	case errors.As(err, &w):
		return summary{ready: metav1.ConditionFalse, reason: w.reason, message: w.message, reconciling: "retrying: " + w.message, observed: true}
	default:
		return summary{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonProgressing, message: "reconciling failed, retrying: " + err.Error(),
			reconciling: "reconciling failed, retrying: " + err.Error()}
	}
}

// summarize writes s into conds in Flux's shape: Ready says how the object
// stands; Reconciling and Stalled are present only while True; each carries
// the generation it describes. It moves *observedGeneration to gen only for
// a generation reconciled, and returns Ready's reason before the change, so
// the caller emits an Event only when the reason changes.
func summarize(conds *[]metav1.Condition, observedGeneration *int64, gen int64, s summary) (previousReason string) {
	if c := meta.FindStatusCondition(*conds, v1alpha1.ConditionReady); c != nil {
		previousReason = c.Reason
	}
	condGen := gen
	if !s.observed && observedGeneration != nil {
		condGen = *observedGeneration
	}
	if s.ready == "" {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionReady)
	} else {
		setCondition(conds, condGen, v1alpha1.ConditionReady, s.ready, s.reason, s.message)
	}
	if s.reconciling != "" {
		setCondition(conds, condGen, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reconcilingReason(s), s.reconciling)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionReconciling)
	}
	if s.stalled {
		setCondition(conds, condGen, v1alpha1.ConditionStalled, metav1.ConditionTrue, s.reason, s.message)
	} else {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionStalled)
	}
	if s.observed && observedGeneration != nil {
		*observedGeneration = gen
	}
	return previousReason
}

// reconcilingReason is Progressing while work goes on, else the reason of
// what is being waited for.
func reconcilingReason(s summary) string {
	if s.ready == metav1.ConditionFalse && s.reason != "" {
		return s.reason
	}
	return v1alpha1.ReasonProgressing
}
