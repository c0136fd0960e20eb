// Package controllers holds the reconcilers of CustomerMapping and
// CustomerSyncRequest. They read and write Kubernetes objects and hand the
// transfer of records to internal/syncer.
package controllers

import (
	"flag"

	ctrl "sigs.k8s.io/controller-runtime"
)

// Options are the manager's tuning knobs, set by flags.
type Options struct {
	// MaxConcurrentReconciles is how many objects of one kind are reconciled
	// at once.
	MaxConcurrentReconciles int
}

// BindFlags registers the options' flags.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4,
		"How many CustomerSyncRequests (and CustomerMappings) are reconciled at once.")
}

// SetupWithManager registers every controller with the manager.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if err := (&CustomerMappingReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr, opts); err != nil {
		return err
	}
	return (&CustomerSyncRequestReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr, opts)
}
