package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	syncv1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// CustomerSyncRequestReconciler runs sync jobs to completion.
type CustomerSyncRequestReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=sync.customersync.io,resources=customersyncrequests,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customersyncrequests/status,verbs=get;update;patch

// Reconcile is not implemented yet; see CustomerMappingReconciler.
func (r *CustomerSyncRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler.
func (r *CustomerSyncRequestReconciler) SetupWithManager(mgr ctrl.Manager, opts Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&syncv1alpha1.CustomerSyncRequest{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Complete(r)
}
