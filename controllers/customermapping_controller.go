package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile validates one mapping and writes its status once, at the end.
func (r *CustomerMappingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	m := &v1alpha1.CustomerMapping{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, m); err != nil {
		if apierrors.IsNotFound(err) {
			r.Runtimes.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := m.DeepCopy()
	defer func() {
		m.Status.ObservedGeneration = m.Generation
		if perr := r.Status().Patch(ctx, m, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); perr != nil && !apierrors.IsNotFound(perr) {
			err = errors.Join(err, perr)
		}
	}()

	r.checkConflicts(ctx, m)

	if m.Spec.Suspend {
		r.notReady(m, v1alpha1.ReasonSuspended, "the mapping is disabled (spec.suspend: true); sync requests that use it wait", false)
		return ctrl.Result{}, nil
	}
	s, reason, msg, stalled, verr := r.validate(ctx, m)
	if verr != nil {
		return ctrl.Result{}, verr
	}
	if reason != "" {
		r.notReady(m, reason, msg, stalled)
		if stalled {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{RequeueAfter: r.RetryInterval}, nil
	}

	gen := m.Generation
	if !isTrue(m.Status.Conditions, v1alpha1.ConditionReady) {
		r.Recorder.Eventf(m, nil, corev1.EventTypeNormal, v1alpha1.ReasonValidated, "Validate", "mapping is ready: rules compiled, credentials and connections validated")
	}
	setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonValidated,
		"rules compiled; credentials and connections validated")
	setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonValidated, "the mapping is validated")
	setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionStalled, metav1.ConditionFalse, v1alpha1.ReasonValidated, "the mapping is validated")
	now := metav1.Now()
	m.Status.LastValidatedTime = &now
	interval := 10 * time.Minute
	if m.Spec.ValidationInterval != nil && m.Spec.ValidationInterval.Duration > 0 {
		interval = m.Spec.ValidationInterval.Duration
	}
	nextPoll, err := r.poll(ctx, m, s)
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

// validate returns the mapping's Flow, or a reason and message when the
// mapping cannot be used. stalled is true when only a change of the spec
// can help. err is for failures of the controller itself (the API server),
// which are retried.
func (r *CustomerMappingReconciler) validate(ctx context.Context, m *v1alpha1.CustomerMapping) (flow syncer.Flow, reason, msg string, stalled bool, err error) {
	flow, err = r.Runtimes.Get(ctx, m)
	if err == nil {
		err = flow.Validate(ctx)
		if err != nil && !isProblem(err) {
			return nil, v1alpha1.ReasonConnectionFailed, err.Error(), false, nil
		}
	}
	if err == nil {
		return flow, "", "", false, nil
	}
	var ref *ReferenceError
	var p *syncer.Problem
	switch {
	case errors.As(err, &ref):
		return nil, ref.Reason, ref.Message, false, nil
	case errors.As(err, &p):
		return nil, p.Reason, p.Message, p.Stalled, nil
	case len(mapping.CompileErrors(err)) > 0:
		ces := mapping.CompileErrors(err)
		msgs := make([]string, len(ces))
		for i, ce := range ces {
			msgs[i] = ce.Error()
		}
		return nil, ces[0].Reason, strings.Join(msgs, "; "), true, nil
	case errors.Is(err, connector.ErrInvalidConfig):
		return nil, v1alpha1.ReasonCredentialsNotFound, err.Error(), false, nil
	default:
		return nil, "", "", false, err
	}
}

func isProblem(err error) bool {
	var p *syncer.Problem
	return errors.As(err, &p)
}

func (r *CustomerMappingReconciler) notReady(m *v1alpha1.CustomerMapping, reason, msg string, stalled bool) {
	gen := m.Generation
	prev := readyReason(m)
	setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	if stalled {
		setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, msg)
		setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionReconciling, metav1.ConditionFalse, reason, "retrying cannot help; change the spec or the objects it names")
	} else {
		setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionStalled, metav1.ConditionFalse, reason, "the controller keeps retrying")
		setCondition(&m.Status.Conditions, gen, v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonProgressing, "retrying: "+msg)
	}
	if prev != reason {
		typ := corev1.EventTypeWarning
		if reason == v1alpha1.ReasonSuspended {
			typ = corev1.EventTypeNormal
		}
		r.Recorder.Eventf(m, nil, typ, reason, "Validate", "%s", truncate(msg, 1000))
	}
}

func readyReason(m *v1alpha1.CustomerMapping) string {
	for _, c := range m.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c.Reason
		}
	}
	return ""
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

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconvQuote(s)
	}
	return strings.Join(q, ", ")
}

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
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.referencing(indexMappingSecrets))).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.referencing(indexMappingConfigMaps))).
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
