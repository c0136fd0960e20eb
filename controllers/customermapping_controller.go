package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	syncv1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// CustomerMappingReconciler validates mapping collections and reports
// whether they are Ready for use.
type CustomerMappingReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=sync.customersync.io,resources=customermappings,verbs=get;list;watch
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customermappings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile is not implemented yet: the mapping engine and connectors come
// with later issues, and the controller reports nothing it has not checked.
func (r *CustomerMappingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *CustomerMappingReconciler) SetupWithManager(mgr ctrl.Manager, opts Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&syncv1alpha1.CustomerMapping{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Complete(r)
}
