package controllers

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// TestObjectSizeEstimate: the progress cadence follows the request's size
// as JSON; the estimate stays within a quarter of the encoded size for a
// request of 2,000 ids and 1,000 results, and the wait grows with it.
func TestObjectSizeEstimate(t *testing.T) {
	csr := &v1alpha1.CustomerSyncRequest{}
	for i := range 100 {
		csr.Spec.CustomerIDs = append(csr.Spec.CustomerIDs, fmt.Sprintf("customer_%06d", i))
	}
	small := progressWait(2*time.Second, csr)
	for i := 100; i < 2000; i++ {
		csr.Spec.CustomerIDs = append(csr.Spec.CustomerIDs, fmt.Sprintf("customer_%06d", i))
	}
	for i := range 1000 {
		csr.Status.Results = append(csr.Status.Results, v1alpha1.RecordResult{
			ID: fmt.Sprintf("customer_%06d", i), Action: v1alpha1.ActionCreated, DestinationID: fmt.Sprint(100000 + i), Attempts: 1,
		})
	}
	b, err := json.Marshal(csr)
	if err != nil {
		t.Fatal(err)
	}
	est := objectSize(csr)
	if ratio := float64(est) / float64(len(b)); ratio < 0.75 || ratio > 1.25 {
		t.Fatalf("estimate %d bytes, encoded %d (ratio %.2f)", est, len(b), ratio)
	}
	large := progressWait(2*time.Second, csr)
	if small != 2*time.Second || large <= 6*time.Second {
		t.Fatalf("waits %s (100 ids) and %s (2,000 ids, 1,000 results): want the interval, then more than 6 s", small, large)
	}
}

// No progress write in the last interval of a slice, whose end writes
// anyway; a window held past the slice's end by a slow record, or one of
// retries only, still writes on its cadence.
func TestProgressIsNotWrittenJustBeforeTheSliceEnds(t *testing.T) {
	const interval = 2 * time.Second
	for _, c := range []struct {
		elapsed time.Duration
		fresh   bool
		want    bool
	}{
		{2 * time.Second, true, true},
		{sliceDuration - interval - time.Millisecond, true, true},
		{sliceDuration - interval, true, false},
		{sliceDuration - time.Millisecond, true, false},
		{sliceDuration, true, true},     // a record holds the window open
		{3 * sliceDuration, true, true}, // still
		{sliceDuration - time.Second, false, true},
	} {
		if got := progressDue(c.elapsed, interval, c.fresh); got != c.want {
			t.Errorf("progressDue(%s, %s, fresh=%v) = %v, want %v", c.elapsed, interval, c.fresh, got, c.want)
		}
	}
}
