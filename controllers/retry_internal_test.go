package controllers

import (
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// record is the durable retry policy: which outcome is final, when the
// next attempt is due, and when backoffLimit is spent.
func TestRecordSchedulesDurableRetries(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	backoff := connector.Backoff{Base: time.Second, Cap: 8 * time.Second}
	transient := func(retryAfter time.Duration) syncer.Outcome {
		return syncer.Outcome{ID: "r", Action: v1alpha1.ActionRetrying, Transient: true, Reason: v1alpha1.ReasonTransient,
			Message: "503 Service Unavailable", RetryAfter: retryAfter}
	}
	cases := []struct {
		name      string
		attempts  int32 // before this outcome
		outcome   syncer.Outcome
		limit     int32
		final     bool
		action    v1alpha1.RecordAction
		reason    string
		nextAfter time.Duration // 0: no next attempt
	}{
		{"created", 0, syncer.Outcome{Action: v1alpha1.ActionCreated, DestinationID: "d"}, 6, true, v1alpha1.ActionCreated, "", 0},
		{"permanent failure", 0, syncer.Outcome{Action: v1alpha1.ActionFailed, Reason: v1alpha1.ReasonMissingEmailAddress}, 6, true, v1alpha1.ActionFailed, v1alpha1.ReasonMissingEmailAddress, 0},
		{"first transient", 0, transient(0), 6, false, v1alpha1.ActionRetrying, v1alpha1.ReasonTransient, time.Second},
		{"backoff doubles", 2, transient(0), 6, false, v1alpha1.ActionRetrying, v1alpha1.ReasonTransient, 4 * time.Second},
		{"capped", 5, transient(0), 6, false, v1alpha1.ActionRetrying, v1alpha1.ReasonTransient, 8 * time.Second},
		{"Retry-After wins", 0, transient(30 * time.Second), 6, false, v1alpha1.ActionRetrying, v1alpha1.ReasonTransient, 30 * time.Second},
		{"limit reached", 6, transient(0), 6, true, v1alpha1.ActionFailed, v1alpha1.ReasonBackoffLimitExceeded, 0},
		{"limit zero", 0, transient(0), 0, true, v1alpha1.ActionFailed, v1alpha1.ReasonBackoffLimitExceeded, 0},
		{"success after retries", 3, syncer.Outcome{Action: v1alpha1.ActionUpdated}, 6, true, v1alpha1.ActionUpdated, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := &v1alpha1.RecordResult{ID: "r", Attempts: tc.attempts, Action: v1alpha1.ActionRetrying}
			final := record(res, tc.outcome, tc.limit, now, backoff)
			if final != tc.final || res.Action != tc.action || res.Reason != tc.reason || res.Attempts != tc.attempts+1 {
				t.Fatalf("final %v, result %+v", final, res)
			}
			switch {
			case tc.nextAfter == 0 && res.NextAttemptTime != nil:
				t.Errorf("next attempt %v on a final outcome", res.NextAttemptTime)
			case tc.nextAfter > 0 && (res.NextAttemptTime == nil || res.NextAttemptTime.Sub(now) < tc.nextAfter/2 || res.NextAttemptTime.Sub(now) > tc.nextAfter):
				t.Errorf("next attempt %v after now, want about %s", res.NextAttemptTime, tc.nextAfter)
			case res.NextAttemptTime != nil && res.NextAttemptTime.Sub(now) < tc.outcome.RetryAfter:
				t.Errorf("next attempt %v is before the server's Retry-After %s", res.NextAttemptTime, tc.outcome.RetryAfter)
			}
		})
	}
}
