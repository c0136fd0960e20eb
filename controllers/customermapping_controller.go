package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
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
	"github.com/customersync/customer-sync-operator/internal/mapping"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// CustomerMappingReconciler validates mapping collections: it compiles the
// rules, resolves the Secrets, checks both connections and the custom
// fields the rules write, and reports Ready, Stalled and Conflicting.
type CustomerMappingReconciler struct {
	client.Client
	// APIReader reads the mapping uncached: the polling watermark in its
	// status must never be read older than the last write, or a window would
	// be polled twice.
	APIReader client.Reader
	Runtimes  *Runtimes
	Recorder  recorder.EventRecorder
	// RetryInterval is how soon a failed connection is checked again.
	RetryInterval time.Duration
	// PollOverlap is how far before the watermark each poll reads again, so
	// that clock skew between the operator and the source loses no change;
	// repeats are absorbed because unchanged records are not written.
	PollOverlap time.Duration
	Now         func() time.Time
}

// +kubebuilder:rbac:groups=sync.customersync.io,resources=customermappings,verbs=get;list;watch
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customermappings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=create;update;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile validates one mapping and writes its status once, at the end,
// when it changed.
func (r *CustomerMappingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	m := &v1alpha1.CustomerMapping{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, m); err != nil {
		if apierrors.IsNotFound(err) {
			r.Runtimes.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := m.DeepCopy()
	result, err := r.reconcile(ctx, m)
	if v, ok := m.Annotations[v1alpha1.AnnotationRequestedAt]; ok && err == nil {
		m.Status.LastHandledReconcileAt = v
	}
	if reflect.DeepEqual(before.Status, m.Status) {
		return result, err
	}
	if perr := r.Status().Patch(ctx, m, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); perr != nil {
		switch {
		case apierrors.IsNotFound(perr):
		case apierrors.IsConflict(perr):
			// Someone wrote the mapping meanwhile: read it again, quietly.
			return ctrl.Result{Requeue: true}, nil
		default:
			return ctrl.Result{}, errors.Join(err, perr)
		}
	}
	return result, err
}

// reconcile runs the steps and summarizes them into m's conditions. Its
// error is the controller's own failure; a mapping that cannot be used is
// a condition, not an error.
func (r *CustomerMappingReconciler) reconcile(ctx context.Context, m *v1alpha1.CustomerMapping) (ctrl.Result, error) {
	r.checkConflicts(ctx, m)
	if m.Spec.Suspend {
		r.suspended(m)
		return ctrl.Result{}, nil
	}
	meta.RemoveStatusCondition(&m.Status.Conditions, v1alpha1.ConditionSuspended)
	r.checkReferences(ctx, m)
	flow, err := r.validate(ctx, m)
	s := summaryOf(err, v1alpha1.ReasonValidated, "rules compiled; credentials and connections validated")
	r.summarize(m, s)
	var w *waiting
	switch {
	case errors.As(err, &w):
		return ctrl.Result{RequeueAfter: w.after}, nil
	case s.stalled:
		return ctrl.Result{}, nil // the watches wake it when the spec or what it names changes
	case err != nil:
		return ctrl.Result{}, err
	}

	now := metav1.Now()
	m.Status.LastValidatedTime = &now
	interval := 10 * time.Minute
	if m.Spec.ValidationInterval != nil && m.Spec.ValidationInterval.Duration > 0 {
		interval = m.Spec.ValidationInterval.Duration
	}
	nextPoll, err := r.poll(ctx, m, flow)
	if err != nil {
		// The mapping stays Ready: polling failures are the source's, and
		// the next poll covers the same window.
		log.FromContext(ctx).Error(err, "polling failed")
		r.Recorder.Eventf(m, nil, corev1.EventTypeWarning, "PollFailed", "Poll", "%s", truncate(err.Error(), 1000))
		nextPoll = r.RetryInterval
	}
	if nextPoll > 0 && nextPoll < interval {
		interval = nextPoll
	}
	return ctrl.Result{RequeueAfter: interval}, nil
}

// summarize writes the mapping's conditions and emits an Event when Ready's
// reason changes.
func (r *CustomerMappingReconciler) summarize(m *v1alpha1.CustomerMapping, s summary) {
	prev := summarize(&m.Status.Conditions, &m.Status.ObservedGeneration, m.Generation, s)
	if prev == s.reason {
		return
	}
	switch {
	case s.ready == metav1.ConditionTrue:
		r.Recorder.Eventf(m, nil, corev1.EventTypeNormal, s.reason, "Validate", "mapping is ready: %s", s.message)
	case s.observed:
		r.Recorder.Eventf(m, nil, corev1.EventTypeWarning, s.reason, "Validate", "%s", truncate(s.message, 1000))
	}
}

// suspended reports a disabled mapping. It is not Ready and not failing:
// a GitOps health check or `kubectl wait` must return for a mapping that is
// disabled on purpose, and kstatus reads any Ready=False as InProgress, so
// Ready is removed and Suspended=True says why.
func (r *CustomerMappingReconciler) suspended(m *v1alpha1.CustomerMapping) {
	msg := "the mapping is disabled (spec.suspend: true); sync requests that use it wait"
	was := isTrue(m.Status.Conditions, v1alpha1.ConditionSuspended)
	summarize(&m.Status.Conditions, &m.Status.ObservedGeneration, m.Generation, summary{observed: true})
	setCondition(&m.Status.Conditions, m.Generation, v1alpha1.ConditionSuspended, metav1.ConditionTrue, v1alpha1.ReasonSuspended, msg)
	if !was {
		r.Recorder.Eventf(m, nil, corev1.EventTypeNormal, v1alpha1.ReasonSuspended, "Validate", "%s", msg)
	}
}

// validate returns the mapping's Flow, or why it cannot be used: a
// *stalling when only a change of the spec (or of what it names) can help,
// a *waiting when a retry may, or the controller's own error.
func (r *CustomerMappingReconciler) validate(ctx context.Context, m *v1alpha1.CustomerMapping) (syncer.Flow, error) {
	flow, err := r.Runtimes.Get(ctx, m)
	if err == nil {
		if err = flow.Validate(ctx); err != nil && !isProblem(err) {
			return nil, &waiting{v1alpha1.ReasonConnectionFailed, err.Error(), r.RetryInterval}
		}
	}
	if err == nil {
		if err = r.fingerprintHome(ctx, m, flow); err != nil && !isProblem(err) {
			return nil, &waiting{v1alpha1.ReasonConnectionFailed, err.Error(), r.RetryInterval}
		}
	}
	if err == nil {
		return flow, nil
	}
	var ref *ReferenceError
	var p *syncer.Problem
	switch {
	case errors.As(err, &ref):
		return nil, &waiting{ref.Reason, ref.Message, r.RetryInterval}
	case errors.As(err, &p) && p.Stalled:
		return nil, &stalling{p.Reason, p.Message}
	case errors.As(err, &p):
		return nil, &waiting{p.Reason, p.Message, r.RetryInterval}
	case len(mapping.CompileErrors(err)) > 0:
		ces := mapping.CompileErrors(err)
		msgs := make([]string, len(ces))
		for i, ce := range ces {
			msgs[i] = ce.Error()
		}
		return nil, &stalling{ces[0].Reason, strings.Join(msgs, "; ")}
	case errors.Is(err, connector.ErrInvalidConfig):
		return nil, &waiting{v1alpha1.ReasonCredentialsNotFound, err.Error(), r.RetryInterval}
	default:
		return nil, err
	}
}

// fingerprintHome shows, for a flow that asks a model, where it keeps the
// fingerprints of what it sent: the customer's custom field, or the
// operator's ConfigMaps when iPaaS.com does not define the field.
func (r *CustomerMappingReconciler) fingerprintHome(ctx context.Context, m *v1alpha1.CustomerMapping, flow syncer.Flow) error {
	fh, ok := flow.(interface {
		FingerprintHome(context.Context) (string, string, error)
	})
	if !ok {
		meta.RemoveStatusCondition(&m.Status.Conditions, v1alpha1.ConditionFingerprints)
		return nil
	}
	reason, msg, err := fh.FingerprintHome(ctx)
	if err != nil {
		return err
	}
	setCondition(&m.Status.Conditions, m.Generation, v1alpha1.ConditionFingerprints, metav1.ConditionTrue, reason, msg)
	return nil
}

func isProblem(err error) bool {
	var p *syncer.Problem
	return errors.As(err, &p)
}

// checkReferences shows, as ReferencesReady=False, a mapping this one's
// flow uses (the response mapping) that is not Ready: this mapping stays
// usable, and its records fail with the seed's reasons (InvalidPromptRequest
// for an answer field iPaaS.com lacks), but kubectl get says why at once.
func (r *CustomerMappingReconciler) checkReferences(ctx context.Context, m *v1alpha1.CustomerMapping) {
	var problems []string
	for _, ref := range syncer.References(m.Spec) {
		other := &v1alpha1.CustomerMapping{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: m.Namespace, Name: ref.Name}, other); err != nil {
			continue // a missing reference is Ready's to report
		}
		ready := meta.FindStatusCondition(other.Status.Conditions, v1alpha1.ConditionReady)
		switch {
		case ready != nil && ready.Status == metav1.ConditionTrue && other.Status.ObservedGeneration == other.Generation:
		case ready == nil:
			problems = append(problems, fmt.Sprintf("CustomerMapping %q named by %s is not validated yet", ref.Name, ref.Field))
		default:
			problems = append(problems, fmt.Sprintf("CustomerMapping %q named by %s is not Ready: %s: %s", ref.Name, ref.Field, ready.Reason, ready.Message))
		}
	}
	if len(problems) == 0 {
		meta.RemoveStatusCondition(&m.Status.Conditions, v1alpha1.ConditionReferencesReady)
		return
	}
	setCondition(&m.Status.Conditions, m.Generation, v1alpha1.ConditionReferencesReady, metav1.ConditionFalse, v1alpha1.ReasonReferenceNotReady,
		strings.Join(problems, "; ")+"; records that need it fail until it is")
}

// checkConflicts implements the mapping documents' Conflicting Mappings
// warning: two mappings that write the same destination fields of the same
// destination overwrite each other's data. It names the others; it does not
// block the mapping.
func (r *CustomerMappingReconciler) checkConflicts(ctx context.Context, m *v1alpha1.CustomerMapping) {
	var list v1alpha1.CustomerMappingList
	if err := r.List(ctx, &list, client.InNamespace(m.Namespace)); err != nil {
		log.FromContext(ctx).Error(err, "listing mappings for conflict detection")
		return
	}
	mine := writtenDestinations(m)
	var conflicts []string
	var fields []string
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == m.UID || other.Spec.Suspend || m.Spec.Suspend || !sameDestination(m, other) {
			continue
		}
		shared := intersect(mine, writtenDestinations(other))
		if len(shared) > 0 {
			conflicts = append(conflicts, other.Name)
			fields = append(fields, fmt.Sprintf("%s (%s)", other.Name, strings.Join(shared, ", ")))
		}
	}
	sort.Strings(conflicts)
	sort.Strings(fields)
	gen := m.Generation
	was := isTrue(m.Status.Conditions, v1alpha1.ConditionConflicting)
	m.Status.ConflictsWith = conflicts
	if len(conflicts) == 0 {
		setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionConflicting, metav1.ConditionFalse, v1alpha1.ReasonNoConflict,
			"no other mapping writes the same destination fields")
		return
	}
	msg := "other mappings write the same fields of the same destination and may overwrite this mapping's data: " +
		strings.Join(fields, "; ") + "; restrict one of them with a filter or remove the shared rules"
	setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionConflicting, metav1.ConditionTrue, v1alpha1.ReasonConflictingMapping, msg)
	if !was {
		r.Recorder.Eventf(m, nil, corev1.EventTypeWarning, v1alpha1.ReasonConflictingMapping, "Validate", "%s", truncate(msg, 1000))
	}
}

func sameDestination(a, b *v1alpha1.CustomerMapping) bool {
	return a.Spec.Destination.System == b.Spec.Destination.System &&
		strings.TrimRight(a.Spec.Destination.Endpoint, "/") == strings.TrimRight(b.Spec.Destination.Endpoint, "/")
}

// writtenDestinations lists the destinations a mapping's rules write, from
// the spec alone so that a mapping that does not compile still counts.
func writtenDestinations(m *v1alpha1.CustomerMapping) map[string]bool {
	out := map[string]bool{}
	for _, rules := range [][]v1alpha1.Rule{m.Spec.AddRules, m.Spec.UpdateRules} {
		for _, r := range rules {
			if r.Destination.Field != "" {
				out[string(r.Destination.Field)] = true
			} else {
				out["customField "+strconvQuote(r.Destination.CustomField)] = true
			}
		}
	}
	return out
}

func intersect(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func strconvQuote(s string) string { return "\"" + s + "\"" }

// SetupWithManager registers the reconciler: mappings, the Secrets and
// ConfigMaps they reference, and their peers (for conflicts).
func (r *CustomerMappingReconciler) SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if r.RetryInterval == 0 {
		r.RetryInterval = 30 * time.Second
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.CustomerMapping{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.CustomerMapping{}, handler.EnqueueRequestsFromMapFunc(r.peers),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A referenced mapping's readiness shows on the mappings that use it.
		Watches(&v1alpha1.CustomerMapping{}, handler.EnqueueRequestsFromMapFunc(r.referencing(indexMappingReferences))).
		// Secrets and ConfigMaps are watched by their metadata only: a change
		// wakes the mappings that name the object, which read it from the API
		// server (ClientOptions), so no Secret's data is kept in memory.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.referencing(indexMappingSecrets)), builder.OnlyMetadata).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.referencing(indexMappingConfigMaps)), builder.OnlyMetadata).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Named("customermapping").
		Complete(r)
}

// peers enqueues the other mappings of a changed mapping's namespace, whose
// conflicts may have changed with it.
func (r *CustomerMappingReconciler) peers(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CustomerMappingList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace())); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, m := range list.Items {
		if m.Name != o.GetName() {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: m.Namespace, Name: m.Name}})
		}
	}
	return out
}

// referencing enqueues the mappings that name a changed Secret or ConfigMap.
func (r *CustomerMappingReconciler) referencing(index string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		var list v1alpha1.CustomerMappingList
		if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{index: o.GetName()}); err != nil {
			return nil
		}
		out := make([]reconcile.Request, len(list.Items))
		for i, m := range list.Items {
			out[i] = reconcile.Request{NamespacedName: types.NamespacedName{Namespace: m.Namespace, Name: m.Name}}
		}
		return out
	}
}
