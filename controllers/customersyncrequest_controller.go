package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// Bounds that keep a request's status small and its progress durable.
const (
	// maxResults bounds status.results; failures are kept first.
	maxResults = 1000
	// maxResultsWithChanges bounds how many dry-run results carry their
	// field changes, so that status stays far below etcd's object limit.
	maxResultsWithChanges = 100
	// maxResultsBytes bounds status.results as JSON, far below etcd's
	// 1.5 MiB object limit whatever the CRD's maxima allow.
	maxResultsBytes = 256 << 10
	// maxRetryingMessage bounds the message of a record waiting to retry,
	// since those results are always kept.
	maxRetryingMessage = 256
	// maxFailureReasons bounds status.failureReasons (more fold into Other).
	maxFailureReasons = 64
	// maxRetrying bounds the records waiting for a retry; new records are
	// not started while this many wait.
	maxRetrying = 500
	// maxEventsPerChunk bounds the per-record failure Events of one status
	// write.
	maxEventsPerChunk = 10
)

// CustomerSyncRequestReconciler runs sync jobs to completion, like a Job:
// records are synced in a continuous window, progress is written to status
// on a cadence so that a restart resumes where it stopped, and transient
// failures are retried with backoff up to backoffLimit.
type CustomerSyncRequestReconciler struct {
	client.Client
	// APIReader reads the request uncached, so that a slice never starts
	// from a status older than the one the last slice wrote.
	APIReader client.Reader
	Runtimes  *Runtimes
	Recorder  recorder.EventRecorder
	// Parallelism is how many records of one request are synced at once.
	Parallelism int
	// ProgressInterval is how often a running request's progress is
	// written to status (at most).
	ProgressInterval time.Duration
	// RetryBackoff spaces the retries of a record that failed transiently.
	RetryBackoff connector.Backoff
	Now          func() time.Time

	listings sync.Map // request UID → []string, the sorted ids of a bulk sync
}

// +kubebuilder:rbac:groups=sync.customersync.io,resources=customersyncrequests,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customersyncrequests/status,verbs=get;update;patch

// progressOf is Reconciling's message while a request runs.
func progressOf(csr *v1alpha1.CustomerSyncRequest) string {
	st := &csr.Status
	p := fmt.Sprintf("%d of %d records processed, %d waiting to retry", st.Processed, st.Total, st.Retrying)
	if b := st.Batch; b != nil {
		p += fmt.Sprintf("; %d in OpenAI batch %s (%s, %d answered)", b.Records, b.ID, b.State, b.Completed+b.Failed)
	}
	return p
}

// Reconcile advances one request by one slice: a window of records synced
// for up to sliceDuration, or one step of its OpenAI batch.
func (r *CustomerSyncRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	csr := &v1alpha1.CustomerSyncRequest{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, csr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if finished(csr) {
		r.listings.Delete(csr.UID)
		return r.expire(ctx, csr)
	}
	before := csr.DeepCopy()
	// progress is Reconciling's message while the request runs.
	progress := "starting"
	defer func() {
		summarize(&csr.Status.Conditions, &csr.Status.ObservedGeneration, csr.Generation, requestSummary(csr, progress, err))
		if equalStatus(before, csr) {
			return
		}
		// An update carries the resourceVersion it read, so a write from a
		// stale read fails instead of overwriting newer progress; the
		// records after the durable watermark are then redone, which is safe because every record's transfer is
		// idempotent. (An update, not a patch: the counts are written even
		// when zero, so kubectl's columns show 0 rather than nothing.)
		if perr := r.Status().Update(ctx, csr); perr != nil {
			switch {
			case apierrors.IsNotFound(perr):
			case apierrors.IsConflict(perr):
				result, err = ctrl.Result{Requeue: true}, nil // read it again, quietly
			default:
				result, err = ctrl.Result{}, errors.Join(err, perr)
			}
		}
	}()

	now := r.Now()
	st := &csr.Status
	if st.StartTime == nil {
		st.StartTime = &metav1.Time{Time: now}
		st.Phase = v1alpha1.PhasePending
		r.Recorder.Eventf(csr, nil, corev1.EventTypeNormal, "Started", "Sync", "sync of %s started", describeSelection(csr))
		log.FromContext(ctx).Info("sync started", "mapping", csr.Spec.MappingRef.Name, "records", len(csr.Spec.CustomerIDs),
			"all", csr.Spec.All != nil, "dryRun", csr.Spec.DryRun)
	}
	if deadline, ok := r.deadline(csr); ok && !now.Before(deadline) {
		r.cancelBatch(ctx, csr)
		r.finishDeadline(ctx, csr, now)
		return ctrl.Result{}, nil
	}

	m, wait := r.mapping(ctx, csr)
	if wait != nil {
		return r.waitFor(csr, wait), nil
	}
	// Every line below, the connectors' included, names the mapping.
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("mapping", m.Name))
	s, err := r.Runtimes.Get(ctx, m)
	if err != nil {
		return r.waitFor(csr, &waitReason{reason: v1alpha1.ReasonMappingNotReady, msg: fmt.Sprintf("mapping %q cannot be used: %v", m.Name, err)}), nil
	}
	var notSyncable *syncer.Problem
	if errors.As(s.Syncable(), &notSyncable) {
		r.finishInvalid(ctx, csr, &waitReason{notSyncable.Reason, fmt.Sprintf("CustomerMapping %q: %s", m.Name, notSyncable.Message)})
		return ctrl.Result{}, nil
	}
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionWaiting)
	st.MappingGeneration = m.Generation

	ids, lerr := r.selection(ctx, csr, s)
	if lerr != nil {
		progress = "listing the source's customers failed, retrying: " + lerr.Error()
		return ctrl.Result{RequeueAfter: r.RetryBackoff.ForError(0, lerr)}, nil
	}
	st.Total = int32(len(ids))
	st.Phase = v1alpha1.PhaseRunning
	if st.Started == 0 && st.Processed > 0 {
		st.Started = st.Processed + st.Retrying // written before started existed
	}

	batch, bwait := r.batching(ctx, csr, m, s, ids)
	if bwait != nil {
		r.finishInvalid(ctx, csr, bwait)
		return ctrl.Result{}, nil
	}
	var batchWake time.Duration
	if batch != nil {
		if batchWake, err = r.runBatch(ctx, csr, m, batch, ids, now); err != nil {
			progress = "the OpenAI batch could not be advanced, retrying: " + err.Error()
			err = nil
			batchWake = r.RetryBackoff.ForError(0, errors.New(progress))
		}
	}
	r.runWindow(ctx, csr, m, s, ids, now, batch == nil)

	if int(st.Started) >= len(ids) && countRetrying(st.Results) == 0 && st.Batch == nil {
		r.finish(ctx, csr, m.Name, r.Now())
		return r.expire(ctx, csr)
	}
	if progress == "starting" {
		progress = progressOf(csr)
	}
	wake := r.nextWake(csr, ids, r.Now(), batch != nil)
	if batch != nil {
		// The batch's next step is due after batchWake (a poll, or a
		// backoff), or at once when it has none.
		wake = min(wake, max(batchWake, time.Millisecond))
	}
	return ctrl.Result{RequeueAfter: wake}, nil
}

// advance moves the request's resume point to the end-th record.
func (r *CustomerSyncRequestReconciler) advance(csr *v1alpha1.CustomerSyncRequest, ids []string, end int) {
	csr.Status.Started = int32(end)
	if csr.Spec.All != nil && end > 0 {
		csr.Status.Cursor = ids[end-1]
	}
}

// recordOutcomes writes attempts' outcomes into the request's results,
// counts, usage, metrics and Events.
func (r *CustomerSyncRequestReconciler) recordOutcomes(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, mappingName string, outcomes []syncer.Outcome, now time.Time) {
	st := &csr.Status
	results := indexResults(st.Results)
	backoffLimit := int32(6)
	if csr.Spec.BackoffLimit != nil {
		backoffLimit = *csr.Spec.BackoffLimit
	}
	events := 0
	for _, o := range outcomes {
		res := results[o.ID]
		if res == nil {
			res = &v1alpha1.RecordResult{ID: o.ID}
			results[o.ID] = res
		}
		// Every attempt's usage is counted once, whatever its outcome.
		addUsage(csr, mappingName, o.Usage)
		if !record(res, o, backoffLimit, now, r.RetryBackoff) {
			continue
		}
		recordsTotal.WithLabelValues(csr.Namespace, mappingName, string(res.Action)).Inc()
		switch res.Action {
		case v1alpha1.ActionFailed:
			st.Failed++
			countFailures(st, res.Reason, 1)
			// The id and the reason only: messages may quote a short value.
			log.FromContext(ctx).Info("record failed", "customer", res.ID, "reason", res.Reason, "attempts", res.Attempts)
			if events < maxEventsPerChunk {
				r.Recorder.Eventf(csr, nil, corev1.EventTypeWarning, res.Reason, "Sync", "customer %s: %s", res.ID, truncate(res.Message, 900))
				events++
			}
		case v1alpha1.ActionSkipped:
			st.Skipped++
		default:
			st.Succeeded++
		}
	}
	var omitted int32
	st.Results, omitted = boundResults(results)
	st.OmittedResults += omitted
	st.Processed = st.Succeeded + st.Failed + st.Skipped
	st.Retrying = int32(countRetrying(st.Results))
}

// record writes one attempt's outcome into the record's result and
// reports whether the outcome is final. A transient failure is scheduled
// for a durable retry after the backoff (at least the server's
// Retry-After) until the record has had more than backoffLimit attempts,
// which makes it fail with BackoffLimitExceeded. It is a pure function of
// its inputs, so the retry policy is tested without a cluster.
func record(res *v1alpha1.RecordResult, o syncer.Outcome, backoffLimit int32, now time.Time, backoff connector.Backoff) (final bool) {
	res.Attempts++
	res.Action, res.DestinationID, res.Reason, res.Message = o.Action, o.DestinationID, o.Reason, o.Message
	res.NextAttemptTime = nil
	res.Changes = toChanges(o)
	if o.Action != v1alpha1.ActionRetrying {
		return true
	}
	if res.Attempts > backoffLimit {
		res.Action, res.Reason = v1alpha1.ActionFailed, v1alpha1.ReasonBackoffLimitExceeded
		res.Message = truncate(fmt.Sprintf("failed %d times, more than backoffLimit %d; last error: %s", res.Attempts, backoffLimit, o.Message), 1024)
		return true
	}
	res.NextAttemptTime = &metav1.Time{Time: now.Add(backoff.Delay(int(res.Attempts-1), o.RetryAfter))}
	return false
}

// parallel runs fn for each id with bounded parallelism; each call is one
// attempt (the syncer retries brief failures inside it).
func (r *CustomerSyncRequestReconciler) parallel(ids []string, fn func(i int, id string) syncer.Outcome) []syncer.Outcome {
	out := make([]syncer.Outcome, len(ids))
	sem := make(chan struct{}, max(1, r.Parallelism))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = fn(i, id)
		}()
	}
	wg.Wait()
	return out
}

// selection returns the request's record ids in processing order: the
// spec's list, or for a bulk sync the source's ids sorted, resuming after the
// cursor if the list changed since the last chunk.
func (r *CustomerSyncRequestReconciler) selection(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, s syncer.Flow) ([]string, error) {
	if csr.Spec.All == nil {
		return csr.Spec.CustomerIDs, nil
	}
	if v, ok := r.listings.Load(csr.UID); ok {
		return v.([]string), nil
	}
	var since time.Time
	if csr.Spec.All.UpdatedSince != nil {
		since = csr.Spec.All.UpdatedSince.Time
	}
	ids, err := s.List(ctx, since)
	if err != nil {
		return nil, err
	}
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	ids = compact(ids)
	// A restart lost the listing: realign Started with the cursor.
	if c := csr.Status.Cursor; c != "" {
		csr.Status.Started = int32(sort.SearchStrings(ids, c))
		if int(csr.Status.Started) < len(ids) && ids[csr.Status.Started] == c {
			csr.Status.Started++
		}
	}
	r.listings.Store(csr.UID, ids)
	return ids, nil
}

func compact(ids []string) []string {
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// waitReason says why a request cannot run yet.
type waitReason struct{ reason, msg string }

// mapping returns the request's mapping when it is ready for use.
func (r *CustomerSyncRequestReconciler) mapping(ctx context.Context, csr *v1alpha1.CustomerSyncRequest) (*v1alpha1.CustomerMapping, *waitReason) {
	m := &v1alpha1.CustomerMapping{}
	name := csr.Spec.MappingRef.Name
	if err := r.Get(ctx, types.NamespacedName{Namespace: csr.Namespace, Name: name}, m); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &waitReason{v1alpha1.ReasonMappingNotFound, fmt.Sprintf("CustomerMapping %q does not exist in namespace %q; create it or fix spec.mappingRef", name, csr.Namespace)}
		}
		return nil, &waitReason{v1alpha1.ReasonMappingNotReady, "reading the mapping: " + err.Error()}
	}
	if m.Spec.Suspend {
		return nil, &waitReason{v1alpha1.ReasonMappingSuspended, fmt.Sprintf("CustomerMapping %q is suspended (spec.suspend); the request runs when it is enabled", name)}
	}
	if m.Status.ObservedGeneration == m.Generation && isTrue(m.Status.Conditions, v1alpha1.ConditionStalled) {
		c := meta.FindStatusCondition(m.Status.Conditions, v1alpha1.ConditionStalled)
		return nil, &waitReason{v1alpha1.ReasonMappingStalled, fmt.Sprintf("CustomerMapping %q is Stalled: %s: %s; fix the mapping and the request runs", name, c.Reason, c.Message)}
	}
	if m.Status.ObservedGeneration != m.Generation || !isTrue(m.Status.Conditions, v1alpha1.ConditionReady) {
		msg := fmt.Sprintf("CustomerMapping %q is not Ready", name)
		for _, c := range m.Status.Conditions {
			if c.Type == v1alpha1.ConditionReady && c.Message != "" && m.Status.ObservedGeneration == m.Generation {
				msg += ": " + c.Reason + ": " + c.Message
			}
		}
		return nil, &waitReason{v1alpha1.ReasonMappingNotReady, msg}
	}
	return m, nil
}

// waitFor records that the request waits; waiting counts no attempts.
func (r *CustomerSyncRequestReconciler) waitFor(csr *v1alpha1.CustomerSyncRequest, w *waitReason) ctrl.Result {
	st := &csr.Status
	if !isTrue(st.Conditions, v1alpha1.ConditionWaiting) {
		r.Recorder.Eventf(csr, nil, corev1.EventTypeNormal, w.reason, "Wait", "%s", truncate(w.msg, 1000))
	}
	st.Phase = v1alpha1.PhaseWaiting
	setCondition(&st.Conditions, csr.Generation, v1alpha1.ConditionWaiting, metav1.ConditionTrue, w.reason, w.msg)
	// The mapping watch wakes the request as soon as the mapping changes;
	// the timer is only a safety net, and the deadline still applies.
	after := time.Minute
	if d, ok := r.deadline(csr); ok {
		after = min(after, max(time.Second, d.Sub(r.Now())))
	}
	return ctrl.Result{RequeueAfter: after}
}

func (r *CustomerSyncRequestReconciler) deadline(csr *v1alpha1.CustomerSyncRequest) (time.Time, bool) {
	if csr.Spec.ActiveDeadlineSeconds == nil || csr.Status.StartTime == nil {
		return time.Time{}, false
	}
	return csr.Status.StartTime.Add(time.Duration(*csr.Spec.ActiveDeadlineSeconds) * time.Second), true
}

// nextWake is when the request has work again: now when records remain
// (unless a batch takes them), else when the earliest retry is due (never
// after the deadline).
func (r *CustomerSyncRequestReconciler) nextWake(csr *v1alpha1.CustomerSyncRequest, ids []string, now time.Time, batching bool) time.Duration {
	st := &csr.Status
	if int(st.Started) < len(ids) && countRetrying(st.Results) < maxRetrying && !batching {
		return time.Millisecond
	}
	wake := time.Duration(-1)
	if batching {
		wake = time.Hour // the batch's own step decides
	}
	for _, res := range st.Results {
		if res.Action == v1alpha1.ActionRetrying && res.NextAttemptTime != nil {
			if d := res.NextAttemptTime.Sub(now); wake < 0 || d < wake {
				wake = d
			}
		}
	}
	if wake < 0 {
		wake = time.Second
	}
	if d, ok := r.deadline(csr); ok {
		wake = min(wake, d.Sub(now))
	}
	return max(wake, time.Millisecond)
}

// finish sets the terminal condition, as a Job does.
func (r *CustomerSyncRequestReconciler) finish(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, mappingName string, now time.Time) {
	st := &csr.Status
	gen := csr.Generation
	st.CompletionTime = &metav1.Time{Time: now}
	summary := fmt.Sprintf("%d records: %d succeeded, %d failed, %d skipped", st.Total, st.Succeeded, st.Failed, st.Skipped)
	var cond, reason string
	switch {
	case st.Failed == 0:
		cond, reason = v1alpha1.ConditionComplete, v1alpha1.ReasonSucceeded
	case hasReason(st.Results, v1alpha1.ReasonBackoffLimitExceeded):
		cond, reason = v1alpha1.ConditionFailed, v1alpha1.ReasonBackoffLimitExceeded
		summary += "; some records failed more often than backoffLimit allows"
	case st.Failed == st.Total:
		cond, reason = v1alpha1.ConditionFailed, v1alpha1.ReasonAllRecordsFailed
		summary += "; see status.results for each record's reason"
	default:
		cond, reason = v1alpha1.ConditionComplete, v1alpha1.ReasonPartiallySucceeded
		summary += "; see status.results for the failed records"
	}
	setCondition(&st.Conditions, gen, cond, metav1.ConditionTrue, reason, summary)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionWaiting)
	typ := corev1.EventTypeNormal
	st.Phase = v1alpha1.PhaseComplete
	if cond == v1alpha1.ConditionFailed {
		typ, st.Phase = corev1.EventTypeWarning, v1alpha1.PhaseFailed
	} else if reason == v1alpha1.ReasonPartiallySucceeded {
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(csr, nil, typ, reason, "Sync", "%s", summary)
	requestsFinished.WithLabelValues(csr.Namespace, mappingName, reason).Inc()
	logFinished(ctx, csr, reason)
}

// finishDeadline fails a request whose activeDeadlineSeconds passed; its
// unprocessed and retrying records count as failed.
func (r *CustomerSyncRequestReconciler) finishDeadline(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, now time.Time) {
	st := &csr.Status
	results := indexResults(st.Results)
	for _, res := range results {
		if res.Action == v1alpha1.ActionRetrying {
			res.Action, res.Reason, res.NextAttemptTime = v1alpha1.ActionFailed, v1alpha1.ReasonDeadlineExceeded, nil
			st.Failed++
			countFailures(st, v1alpha1.ReasonDeadlineExceeded, 1)
		}
	}
	if st.Total > st.Started {
		st.Failed += st.Total - st.Started
		countFailures(st, v1alpha1.ReasonDeadlineExceeded, st.Total-st.Started)
	}
	if b := st.Batch; b != nil { // cancelled by cancelBatch before
		st.Failed += b.Records
		countFailures(st, v1alpha1.ReasonDeadlineExceeded, b.Records)
		st.Batch = nil
	}
	var omitted int32
	st.Results, omitted = boundResults(results)
	st.OmittedResults += omitted
	st.Processed, st.Retrying = st.Succeeded+st.Failed+st.Skipped, 0
	st.CompletionTime = &metav1.Time{Time: now}
	st.Phase = v1alpha1.PhaseFailed
	msg := fmt.Sprintf("activeDeadlineSeconds (%d) passed with %d of %d records processed; unfinished records count as failed",
		*csr.Spec.ActiveDeadlineSeconds, st.Processed, st.Total)
	gen := csr.Generation
	setCondition(&st.Conditions, gen, v1alpha1.ConditionFailed, metav1.ConditionTrue, v1alpha1.ReasonDeadlineExceeded, msg)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionWaiting)
	r.Recorder.Eventf(csr, nil, corev1.EventTypeWarning, v1alpha1.ReasonDeadlineExceeded, "Sync", "%s", msg)
	requestsFinished.WithLabelValues(csr.Namespace, csr.Spec.MappingRef.Name, v1alpha1.ReasonDeadlineExceeded).Inc()
	logFinished(ctx, csr, v1alpha1.ReasonDeadlineExceeded)
}

// finishInvalid fails a request that can never run.
func (r *CustomerSyncRequestReconciler) finishInvalid(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, w *waitReason) {
	st := &csr.Status
	st.CompletionTime = &metav1.Time{Time: r.Now()}
	st.Phase = v1alpha1.PhaseFailed
	setCondition(&st.Conditions, csr.Generation, v1alpha1.ConditionFailed, metav1.ConditionTrue, w.reason, w.msg)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionWaiting)
	r.Recorder.Eventf(csr, nil, corev1.EventTypeWarning, w.reason, "Sync", "%s", w.msg)
	logFinished(ctx, csr, w.reason)
}

// logFinished is the one info line of a request's end.
func logFinished(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, reason string) {
	st := csr.Status
	var took time.Duration
	if st.StartTime != nil && st.CompletionTime != nil {
		took = st.CompletionTime.Sub(st.StartTime.Time)
	}
	log.FromContext(ctx).Info("sync finished", "mapping", csr.Spec.MappingRef.Name, "reason", reason,
		"total", st.Total, "succeeded", st.Succeeded, "failed", st.Failed, "skipped", st.Skipped, "duration", took.String())
}

// expire deletes a finished request once ttlSecondsAfterFinished passed.
func (r *CustomerSyncRequestReconciler) expire(ctx context.Context, csr *v1alpha1.CustomerSyncRequest) (ctrl.Result, error) {
	ttl := csr.Spec.TTLSecondsAfterFinished
	if ttl == nil || csr.Status.CompletionTime == nil {
		return ctrl.Result{}, nil
	}
	at := csr.Status.CompletionTime.Add(time.Duration(*ttl) * time.Second)
	if wait := at.Sub(r.Now()); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	log.FromContext(ctx).Info("deleting finished sync request after its TTL", "ttlSecondsAfterFinished", *ttl)
	uid := csr.UID
	err := r.Delete(ctx, csr, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	return ctrl.Result{}, client.IgnoreNotFound(err)
}

func finished(csr *v1alpha1.CustomerSyncRequest) bool {
	return isTrue(csr.Status.Conditions, v1alpha1.ConditionComplete) || isTrue(csr.Status.Conditions, v1alpha1.ConditionFailed)
}

func describeSelection(csr *v1alpha1.CustomerSyncRequest) string {
	if csr.Spec.All != nil {
		return "every customer of mapping " + csr.Spec.MappingRef.Name
	}
	return fmt.Sprintf("%d customer(s) with mapping %s", len(csr.Spec.CustomerIDs), csr.Spec.MappingRef.Name)
}

// SetupWithManager registers the reconciler. Requests are watched for
// creation and deletion only (the spec is immutable and the reconciler
// drives itself by requeueing); mappings wake the requests that wait for
// them.
func (r *CustomerSyncRequestReconciler) SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.CustomerSyncRequest{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.CustomerMapping{}, handler.EnqueueRequestsFromMapFunc(r.waitingOn)).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Named("customersyncrequest").
		Complete(r)
}

// waitingOn enqueues the unfinished requests of a changed mapping.
func (r *CustomerSyncRequestReconciler) waitingOn(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CustomerSyncRequestList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexRequestMapping: o.GetName()}); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if !finished(&list.Items[i]) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: list.Items[i].Name}})
		}
	}
	return out
}

// requestSummary derives a request's Ready, Reconciling and Stalled from
// its Job conditions, so kstatus (Flux, kpt, Helm's wait) and Argo CD read
// it right: Complete is Ready; Failed is Stalled with the failure's reason;
// waiting for a Stalled mapping is Stalled too, until the mapping is fixed;
// anything else is Reconciling. err is the reconcile's own failure.
func requestSummary(csr *v1alpha1.CustomerSyncRequest, progress string, err error) summary {
	conds := csr.Status.Conditions
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionComplete); c != nil && c.Status == metav1.ConditionTrue {
		return summary{ready: metav1.ConditionTrue, reason: c.Reason, message: c.Message, observed: true}
	}
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionFailed); c != nil && c.Status == metav1.ConditionTrue {
		return summary{ready: metav1.ConditionFalse, reason: c.Reason, message: c.Message, stalled: true, observed: true}
	}
	if err != nil {
		return summaryOf(err, "", "")
	}
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionWaiting); c != nil && c.Status == metav1.ConditionTrue {
		if c.Reason == v1alpha1.ReasonMappingStalled {
			return summary{ready: metav1.ConditionFalse, reason: c.Reason, message: c.Message, stalled: true, observed: true}
		}
		return summary{ready: metav1.ConditionFalse, reason: c.Reason, message: c.Message, reconciling: c.Message, observed: true}
	}
	return summary{ready: metav1.ConditionFalse, reason: v1alpha1.ReasonProgressing, message: progress, reconciling: progress, observed: true}
}
