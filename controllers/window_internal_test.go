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
