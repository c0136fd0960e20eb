// Package controllers holds the reconcilers of CustomerMapping and
// CustomerSyncRequest. They read and write Kubernetes objects and hand the
// transfer of records to internal/syncer.
package controllers

import (
	"context"
	"flag"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/fingerprints"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// Options are the manager's tuning knobs, set by flags.
type Options struct {
	// MaxConcurrentReconciles is how many objects of one kind are reconciled
	// at once.
	MaxConcurrentReconciles int
	// RecordParallelism is how many records of one request sync at once.
	RecordParallelism int
	// ProgressInterval is how often a running request's progress (its
	// resume point) is written to status.
	ProgressInterval time.Duration
	// RetryBaseDelay is the first delay before a record that failed
	// transiently is retried; later retries double it, up to RetryMaxDelay.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// QuickRetries is how many times a brief transient failure is retried
	// at once, inside one attempt.
	QuickRetries int
	// MappingRetryInterval is how soon a mapping whose connection failed is
	// validated again.
	MappingRetryInterval time.Duration
	// PollOverlap is how far before its watermark each poll reads again.
	PollOverlap time.Duration
	// BuildFlow builds a mapping's runtime; nil is syncer.Build. Reconciler
	// tests replace it with a fake flow.
	BuildFlow func(syncer.Inputs) (syncer.Flow, error)
}

// BindFlags registers the options' flags.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4,
		"How many CustomerSyncRequests (and CustomerMappings) are reconciled at once.")
	fs.IntVar(&o.RecordParallelism, "record-parallelism", 8, "How many records of one CustomerSyncRequest are synced at once.")
	fs.DurationVar(&o.ProgressInterval, "progress-interval", 2*time.Second,
		"How often a running request's progress, its resume point, is written to status (records sync without pausing meanwhile).")
	fs.Int("chunk-size", 0, "Deprecated and ignored: records now sync in a continuous window; see --progress-interval.")
	fs.DurationVar(&o.RetryBaseDelay, "retry-base-delay", 5*time.Second, "First delay before retrying a record that failed transiently.")
	fs.DurationVar(&o.RetryMaxDelay, "retry-max-delay", 5*time.Minute, "Longest delay between two retries of a record.")
	fs.IntVar(&o.QuickRetries, "quick-retries", 2, "Immediate retries of a brief transient failure inside one attempt.")
	fs.DurationVar(&o.PollOverlap, "poll-overlap", 10*time.Second,
		"How far before the last poll each poll reads again, against clock skew between the operator and the source.")
	fs.DurationVar(&o.MappingRetryInterval, "mapping-retry-interval", 30*time.Second, "How soon a mapping whose connection failed is validated again.")
}

func (o *Options) defaults() {
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.RecordParallelism <= 0 {
		o.RecordParallelism = 8
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 2 * time.Second
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = 5 * time.Second
	}
	if o.RetryMaxDelay <= 0 {
		o.RetryMaxDelay = 5 * time.Minute
	}
	if o.MappingRetryInterval <= 0 {
		o.MappingRetryInterval = 30 * time.Second
	}
}

// SetupWithManager registers every controller with the manager.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	opts.defaults()
	if err := setupIndexes(context.Background(), mgr); err != nil {
		return err
	}
	runtimes := &Runtimes{
		Client:      mgr.GetClient(),
		Registry:    connector.DefaultRegistry,
		Concurrency: opts.RecordParallelism * opts.MaxConcurrentReconciles,
		Logger:      ctrl.Log.WithName("connector"),
		Build:       opts.BuildFlow,
		Quick:       opts.QuickRetries,
		Fingerprints: func(m *v1alpha1.CustomerMapping) syncer.FingerprintStore {
			owner := metav1.OwnerReference{APIVersion: v1alpha1.GroupVersion.String(), Kind: "CustomerMapping", Name: m.Name, UID: m.UID}
			return fingerprints.New(mgr.GetClient(), mgr.GetAPIReader(), m.Namespace, m.Name, owner)
		},
	}
	serveState(mgr.GetClient())
	rec := mgr.GetEventRecorder("customer-sync-operator")
	if err := (&CustomerMappingReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Runtimes: runtimes, Recorder: rec, RetryInterval: opts.MappingRetryInterval,
		PollOverlap: opts.PollOverlap,
	}).SetupWithManager(mgr, opts); err != nil {
		return err
	}
	return (&CustomerSyncRequestReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Runtimes: runtimes, Recorder: rec,
		Parallelism: opts.RecordParallelism, ProgressInterval: opts.ProgressInterval,
		RetryBackoff: connector.Backoff{Base: opts.RetryBaseDelay, Cap: opts.RetryMaxDelay},
	}).SetupWithManager(mgr, opts)
}
