package controllers

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/receiver"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

const (
	// maxIDsPerRequest is the CRD's bound on spec.customerIDs.
	maxIDsPerRequest = v1alpha1.MaxCustomerIDs
)

// poll lists the source's changes since the watermark and creates sync
// requests for them, when the mapping's polling interval has passed. It
// returns how long until the next poll is due (0 when polling is off).
//
// The watermark lives in status so that a restart neither misses nor
// repeats a window: it only advances after the requests exist. A crash in
// between repeats the window, which the unchanged-skip absorbs.
func (r *CustomerMappingReconciler) poll(ctx context.Context, m *v1alpha1.CustomerMapping, flow syncer.Flow) (time.Duration, error) {
	t := m.Spec.Triggers
	if t == nil || t.Polling == nil || flow.Syncable() != nil {
		m.Status.Polling = nil
		return 0, nil
	}
	interval := t.Polling.Interval.Duration
	now := r.now()
	st := m.Status.Polling
	if st == nil {
		st = &v1alpha1.PollingStatus{}
	}
	if st.LastPollTime != nil {
		if due := st.LastPollTime.Add(interval); now.Before(due) {
			m.Status.Polling = st
			return due.Sub(now), nil
		}
	}
	since := m.CreationTimestamp.Time
	if st.Watermark != nil {
		since = st.Watermark.Time
	}
	since = since.Add(-r.PollOverlap)
	ids, err := flow.List(ctx, since)
	if err != nil {
		return 0, fmt.Errorf("polling %s for changes since %s: %w", m.Spec.Source.System, since.Format(time.RFC3339), err)
	}
	sort.Strings(ids)
	ids = compact(ids)
	for start := 0; start < len(ids); start += maxIDsPerRequest {
		batch := ids[start:min(len(ids), start+maxIDsPerRequest)]
		req := &v1alpha1.CustomerSyncRequest{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:    m.Namespace,
				GenerateName: receiver.GenerateName(m.Name, v1alpha1.TriggerPolling),
				Labels:       receiver.LabelsFor(m, v1alpha1.TriggerPolling),
			},
			Spec: v1alpha1.CustomerSyncRequestSpec{
				MappingRef:              v1alpha1.LocalObjectReference{Name: m.Name},
				CustomerIDs:             batch,
				Operation:               v1alpha1.OperationAuto,
				TTLSecondsAfterFinished: receiver.TTL(t.TTLSecondsAfterFinished),
			},
		}
		if err := r.Create(ctx, req); err != nil {
			return 0, fmt.Errorf("creating the polled sync request: %w", err)
		}
		st.LastRequestName = req.Name
		r.Recorder.Eventf(m, req, corev1.EventTypeNormal, "Polled", "Poll", "%d changed customer(s) since %s: created %s",
			len(batch), since.Format(time.RFC3339), req.Name)
	}
	st.Watermark = &metav1.MicroTime{Time: now}
	st.LastPollTime = &metav1.Time{Time: now}
	m.Status.Polling = st
	return interval, nil
}

func (r *CustomerMappingReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
