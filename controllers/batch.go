package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// A request that enriches through OpenAI's Batch API runs in rounds: the
// next records are prepared (those that need no model call finish at
// once), their lines uploaded, the batch started; then the reconcile
// returns and polls the batch every pollInterval, holding no worker; when
// the batch ends, each answer is applied as a direct call's would be. One
// batch is in flight per request.
//
// What makes a restart safe: the manifest ConfigMap (owned by the request)
// and status.batch with the input file are written before the batch is
// created, and the batch is found again by its input file (StartBatch), so
// a crash at any point neither loses the records nor makes a second batch.

// maxBatchRecords bounds one batch: its manifest, about 60 bytes per
// customer, stays far below a ConfigMap's 1 MiB.
const maxBatchRecords = 10000

// manifestKey is the manifest ConfigMap's key: a JSON object of customer
// id → the first manifestFingerprint characters of what was sent.
const (
	manifestKey         = "manifest.json"
	manifestFingerprint = 24
)

// batching returns the flow's Batcher when this request uses the Batch
// API, or why a request that insists on it cannot.
func (r *CustomerSyncRequestReconciler) batching(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, m *v1alpha1.CustomerMapping, s syncer.Flow, ids []string) (syncer.Batcher, *waitReason) {
	mode := csr.Spec.Batch
	b, ok := s.(syncer.Batcher)
	if csr.Status.Batch != nil && ok {
		return b, nil // a batch in flight is seen through whatever changed
	}
	if mode == v1alpha1.BatchNever || csr.Spec.DryRun {
		return nil, nil
	}
	refuse := func(why string) (syncer.Batcher, *waitReason) {
		if mode != v1alpha1.BatchAlways {
			return nil, nil
		}
		return nil, &waitReason{v1alpha1.ReasonBatchNotSupported, fmt.Sprintf("spec.batch is Always, but CustomerMapping %q %s; set spec.batch to Auto or Never", m.Name, why)}
	}
	if !ok {
		return refuse("does not ask a model")
	}
	minRecords, _, err := b.BatchSettings()
	if err != nil {
		return refuse("cannot use the Batch API: " + err.Error())
	}
	if mode == v1alpha1.BatchAlways || (minRecords > 0 && m.Spec.OpenAI != nil && m.Spec.OpenAI.Batch != nil && len(ids) >= minRecords) {
		log.FromContext(ctx).V(1).Info("enriching through the Batch API", "records", len(ids))
		return b, nil
	}
	return nil, nil
}

// runBatch advances the request's batch by one step and returns when to
// look again.
func (r *CustomerSyncRequestReconciler) runBatch(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, m *v1alpha1.CustomerMapping, b syncer.Batcher, ids []string, now time.Time) (time.Duration, error) {
	_, poll, _ := b.BatchSettings()
	st := &csr.Status
	switch {
	case st.Batch == nil:
		return r.submitBatch(ctx, csr, m, b, ids, now, poll)
	case st.Batch.ID == "":
		return poll, r.startBatch(ctx, csr, b)
	}
	state, err := b.PollBatch(ctx, st.Batch.ID)
	if err != nil {
		return 0, err
	}
	st.Batch.State, st.Batch.Completed, st.Batch.Failed = state.Status, int32(state.Completed), int32(state.Failed)
	if !state.Done() {
		return poll, nil
	}
	return 0, r.applyBatch(ctx, csr, m, b, state, now)
}

// submitBatch prepares the next records, uploads the lines of those that
// need the model and starts their batch.
func (r *CustomerSyncRequestReconciler) submitBatch(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, m *v1alpha1.CustomerMapping, b syncer.Batcher, ids []string, now time.Time, poll time.Duration) (time.Duration, error) {
	st := &csr.Status
	start := int(st.Started)
	if start >= len(ids) || countRetrying(st.Results) >= maxRetrying {
		return 0, nil
	}
	end := min(len(ids), start+maxBatchRecords)
	chunk := ids[start:end]
	lines := make([]*syncer.BatchLine, len(chunk))
	outcomes := r.parallel(chunk, func(i int, id string) syncer.Outcome {
		line, o := b.PrepareBatch(ctx, id)
		lines[i] = line
		return o
	})
	var done []syncer.Outcome
	var batch []syncer.BatchLine
	manifest := map[string]string{}
	for i, l := range lines {
		if l == nil {
			done = append(done, outcomes[i])
			continue
		}
		batch = append(batch, *l)
		manifest[l.ID] = l.Fingerprint[:min(len(l.Fingerprint), manifestFingerprint)]
	}
	if len(batch) == 0 {
		r.recordOutcomes(ctx, csr, m.Name, done, now)
		r.advance(csr, ids, end)
		return 0, nil
	}
	name := manifestName(csr)
	if err := r.writeManifest(ctx, csr, name, manifest); err != nil {
		return 0, err
	}
	fileID, err := b.UploadBatch(ctx, name+".jsonl", batch)
	if err != nil {
		if !errors.Is(err, connector.ErrPermanent) {
			return 0, err
		}
		// The lines cannot go up as they are: their records fail with the
		// reason, as a direct call's would.
		for _, l := range batch {
			done = append(done, syncer.Outcome{ID: l.ID}.FailModel(err))
		}
		r.recordOutcomes(ctx, csr, m.Name, done, now)
		r.advance(csr, ids, end)
		return 0, r.deleteManifest(ctx, csr.Namespace, name)
	}
	r.recordOutcomes(ctx, csr, m.Name, done, now)
	r.advance(csr, ids, end)
	st.Batch = &v1alpha1.BatchStatus{InputFileID: fileID, Manifest: name, Records: int32(len(batch)), SubmittedAt: &metav1.Time{Time: now}}
	// Durable before the batch exists: a restart from here finds it by its
	// input file instead of making another.
	if err := r.Status().Update(ctx, csr); err != nil {
		st.Batch = nil
		return 0, err
	}
	r.Recorder.Eventf(csr, nil, corev1.EventTypeNormal, "BatchSubmitted", "Sync", "%d customers sent to the OpenAI Batch API (input file %s)", len(batch), fileID)
	return poll, r.startBatch(ctx, csr, b)
}

func (r *CustomerSyncRequestReconciler) startBatch(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, b syncer.Batcher) error {
	st := csr.Status.Batch
	state, err := b.StartBatch(ctx, st.InputFileID, map[string]string{"customersync.io/request": csr.Namespace + "/" + csr.Name})
	if err != nil {
		return err
	}
	st.ID, st.State = state.ID, state.Status
	log.FromContext(ctx).Info("OpenAI batch started", "batch", state.ID, "records", st.Records)
	return nil
}

// applyBatch applies an ended batch's answers to every customer of its
// manifest, then forgets the batch.
func (r *CustomerSyncRequestReconciler) applyBatch(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, m *v1alpha1.CustomerMapping, b syncer.Batcher, state syncer.BatchState, now time.Time) error {
	st := &csr.Status
	results, err := b.BatchResults(ctx, state)
	if err != nil {
		return err
	}
	manifest, err := r.readManifest(ctx, csr.Namespace, st.Batch.Manifest)
	if err != nil {
		return err
	}
	if manifest == nil {
		// Deleted by hand: the answers are applied as they are, without
		// the check that the customer did not change meanwhile.
		log.FromContext(ctx).Info("batch manifest not found; applying the answers without the change check", "manifest", st.Batch.Manifest)
		manifest = map[string]string{}
		for id := range results {
			manifest[id] = ""
		}
	}
	ids := make([]string, 0, len(manifest))
	for id := range manifest {
		ids = append(ids, id)
	}
	outcomes := r.parallel(ids, func(_ int, id string) syncer.Outcome {
		var res *syncer.BatchResult
		if v, ok := results[id]; ok {
			res = &v
		}
		return b.ApplyBatchResult(ctx, id, manifest[id], res, state)
	})
	r.recordOutcomes(ctx, csr, m.Name, outcomes, now)
	batchesTotal.WithLabelValues(csr.Namespace, m.Name, state.Status).Inc()
	typ := corev1.EventTypeNormal
	if state.Status != "completed" {
		typ = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(csr, nil, typ, "BatchFinished", "Sync", "OpenAI batch %s ended %s: %d answered, %d failed, of %d customers",
		state.ID, state.Status, state.Completed, state.Failed, st.Batch.Records)
	log.FromContext(ctx).Info("OpenAI batch applied", "batch", state.ID, "state", state.Status, "records", st.Batch.Records)
	name := st.Batch.Manifest
	st.Batch = nil
	st.Batches++
	return r.deleteManifest(ctx, csr.Namespace, name)
}

// cancelBatch asks OpenAI to stop the request's batch, best effort: the
// request is ending without it.
func (r *CustomerSyncRequestReconciler) cancelBatch(ctx context.Context, csr *v1alpha1.CustomerSyncRequest) {
	st := csr.Status.Batch
	if st == nil || st.ID == "" {
		return
	}
	m, wait := r.mapping(ctx, csr)
	if wait != nil {
		return
	}
	s, err := r.Runtimes.Get(ctx, m)
	if err != nil {
		return
	}
	if b, ok := s.(syncer.Batcher); ok {
		if err := b.CancelBatch(ctx, st.ID); err != nil {
			log.FromContext(ctx).Info("cancelling the OpenAI batch failed", "batch", st.ID, "error", err.Error())
		}
	}
	_ = r.deleteManifest(ctx, csr.Namespace, st.Manifest)
}

// manifestName is the next batch's manifest ConfigMap.
func manifestName(csr *v1alpha1.CustomerSyncRequest) string {
	n := csr.Name
	if len(n) > 230 {
		n = strings.TrimRight(n[:230], "-.")
	}
	return fmt.Sprintf("%s-batch-%d", n, csr.Status.Batches+1)
}

func (r *CustomerSyncRequestReconciler) writeManifest(ctx context.Context, csr *v1alpha1.CustomerSyncRequest, name string, manifest map[string]string) error {
	data, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: csr.Namespace,
		Labels: map[string]string{"customersync.io/batch-of": labelValue(csr.Name)},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "CustomerSyncRequest",
			Name: csr.Name, UID: csr.UID}},
	}, Data: map[string]string{manifestKey: string(data)}}
	err = r.Create(ctx, cm)
	if apierrors.IsAlreadyExists(err) { // left by a try that did not get as far as the batch
		old := &corev1.ConfigMap{}
		if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(cm), old); err != nil {
			return err
		}
		old.Data = cm.Data
		err = r.Update(ctx, old)
	}
	return err
}

func (r *CustomerSyncRequestReconciler) readManifest(ctx context.Context, ns, name string) (map[string]string, error) {
	cm := &corev1.ConfigMap{}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(cm.Data[manifestKey]), &m); err != nil {
		return nil, nil
	}
	return m, nil
}

func (r *CustomerSyncRequestReconciler) deleteManifest(ctx context.Context, ns, name string) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	return client.IgnoreNotFound(r.Delete(ctx, cm))
}

// labelValue fits a name into a label value.
func labelValue(name string) string {
	if len(name) > 63 {
		return strings.TrimRight(name[:63], "-_.")
	}
	return name
}
