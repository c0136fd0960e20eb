package controllers

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// sliceDuration bounds how long one reconcile keeps starting records of a
// request, so that the workers take turns between requests; the records in
// flight then finish, and the request is requeued at once.
const sliceDuration = 10 * time.Second

// windowItem is a record to sync: its position in the selection, or -1
// for a retry.
type windowItem struct {
	idx int
	id  string
}

type windowDone struct {
	idx int
	o   syncer.Outcome
}

// runWindow syncs the request's due retries and, when fresh is true, its
// next records, with up to Parallelism in flight at all times (no barrier
// between groups of records). Progress goes to status every
// ProgressInterval while the workers go on. What is written is durable: the
// outcomes of the records before the low watermark (status.started), which
// advances only over a contiguous run of finished records, so a restart
// resumes there and syncs again at most the records that were in flight.
// Retries' outcomes are written as they come: their results are already in
// status, and a retry run twice is idempotent and counted once.
func (r *CustomerSyncRequestReconciler) runWindow(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, m *v1alpha1.CustomerMapping, s syncer.Flow, ids []string, now time.Time, fresh bool) {
	st := &csr.Status
	var retries []string
	for _, res := range st.Results {
		if res.Action == v1alpha1.ActionRetrying && (res.NextAttemptTime == nil || !now.Before(res.NextAttemptTime.Time)) {
			retries = append(retries, res.ID)
		}
	}
	start := int(st.Started)
	if len(retries) == 0 && (!fresh || start >= len(ids)) {
		return
	}
	opts := syncer.Options{Operation: csr.Spec.Operation, DryRun: csr.Spec.DryRun}
	deadline, hasDeadline := r.deadline(csr)
	begin := time.Now()

	var stop atomic.Bool // a progress write failed: start nothing more
	var retrying atomic.Int64
	retrying.Store(int64(countRetrying(st.Results)))
	work := make(chan windowItem)
	done := make(chan windowDone)
	go func() { // the feeder
		defer close(work)
		for _, id := range retries {
			work <- windowItem{-1, id}
		}
		for i := start; fresh && i < len(ids); i++ {
			if stop.Load() || time.Since(begin) > sliceDuration || retrying.Load() >= maxRetrying ||
				(hasDeadline && !r.Now().Before(deadline)) {
				return
			}
			work <- windowItem{i, ids[i]}
		}
	}()
	var wg sync.WaitGroup
	for range max(1, r.Parallelism) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				t := time.Now()
				o := s.Sync(ctx, it.id, opts)
				recordDuration.WithLabelValues(csr.Namespace, m.Name).Observe(time.Since(t).Seconds())
				done <- windowDone{it.idx, o}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	next := start
	pending := map[int]syncer.Outcome{}
	var ready []syncer.Outcome
	flush := func() bool {
		if len(ready) == 0 && next == int(st.Started) {
			return false
		}
		r.recordOutcomes(ctx, csr, m.Name, ready, r.Now())
		ready = nil
		r.advance(csr, ids, next)
		retrying.Store(int64(st.Retrying))
		return true
	}
	interval := r.ProgressInterval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	// A slice after the first begins right after the last one's final
	// write, so the first tick waits as long as one after a write would.
	tick := time.NewTimer(progressWait(interval, csr))
	defer tick.Stop()
	for {
		select {
		case d, ok := <-done:
			if !ok {
				flush()
				return
			}
			if d.idx < 0 {
				ready = append(ready, d.o)
				continue
			}
			pending[d.idx] = d.o
			for o, ok := pending[next]; ok; o, ok = pending[next] {
				ready = append(ready, o)
				delete(pending, next)
				next++
			}
		case <-tick.C:
			tick.Reset(interval)
			if stop.Load() || !progressDue(time.Since(begin), interval, fresh) {
				continue
			}
			if !flush() {
				continue
			}
			if err := r.writeProgress(ctx, csr); err != nil {
				// Someone else wrote the request, or the API server is away:
				// stop starting records; what is not durable is redone.
				log.FromContext(ctx).V(1).Info("progress write failed; finishing the records in flight", "error", err.Error())
				stop.Store(true)
			}
			tick.Reset(progressWait(interval, csr))
		}
	}
}

// progressBytesPerSecond bounds what one request's progress writes cost the
// API server, which decodes, validates and re-encodes the whole object on
// every write, and the manager, which decodes it twice (the answer and the
// watch event): a large request is written less often than every
// ProgressInterval, about every 18 s for 2,000 ids and 1,000 results, so
// in practice at the end of each 10 s slice. The API server's CPU then
// follows the run's duration, not the object's size; at 32 KiB/s it spent
// more than the manager on a 2,000-record request at parallelism 8.
const progressBytesPerSecond = 8 << 10

// progressDue reports whether a progress write is worth its cost elapsed
// into a window: not in the last interval before the slice ends, when the
// write at its end follows anyway (a write at 9.5 s and another at 10.1 s
// cost the API server twice for the same progress). A window still waiting
// on records past the slice's end, or one of retries only, which the slice
// does not end, writes on its cadence.
func progressDue(elapsed, interval time.Duration, fresh bool) bool {
	return !fresh || elapsed+interval < sliceDuration || elapsed >= sliceDuration
}

// progressWait is the time until the next progress write after one.
func progressWait(interval time.Duration, csr *v1alpha1.CustomerSyncRequest) time.Duration {
	return max(interval, time.Duration(objectSize(csr))*time.Second/progressBytesPerSecond)
}

// objectSize estimates the request's size as JSON from its two lists, which
// are most of it, without encoding it.
func objectSize(csr *v1alpha1.CustomerSyncRequest) int {
	n := 4 << 10 // metadata, conditions, counts
	for _, id := range csr.Spec.CustomerIDs {
		n += len(id) + 3
	}
	for _, r := range csr.Status.Results {
		// {"id":"","action":"","destinationID":"","attempts":1} and the rest.
		n += 60 + len(r.ID) + len(r.Action) + len(r.DestinationID) + len(r.Reason) + len(r.Message) + 100*len(r.Changes)
	}
	return n
}

// writeProgress writes the request's status in the middle of a window,
// with Reconciling's message up to date.
func (r *CustomerSyncRequestReconciler) writeProgress(ctx context.Context, csr *v1alpha1.CustomerSyncRequest) error {
	summarize(&csr.Status.Conditions, &csr.Status.ObservedGeneration, csr.Generation, requestSummary(csr, progressOf(csr), nil))
	return r.Status().Update(ctx, csr)
}
