// Command manager runs the customer-sync-operator: the CustomerMapping and
// CustomerSyncRequest controllers, the webhook receiver, metrics and health
// probes.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	syncv1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/controllers"
	"github.com/customersync/customer-sync-operator/internal/receiver"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(syncv1alpha1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr          string
		probeAddr            string
		secureMetrics        bool
		enableHTTP2          bool
		enableLeaderElection bool
		leaseDuration        time.Duration
		renewDeadline        time.Duration
		retryPeriod          time.Duration
		leaseNamespace       string
		gracePeriod          time.Duration
		webhookAddr          string
		pprofAddr            string
		watchNamespaces      string
		watchSelector        string
		leaderElectionID     string
		opts                 controllers.Options
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080",
		"Address the metrics endpoint binds to (:8443 for HTTPS); 0 disables it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the health probe endpoint binds to.")
	flag.BoolVar(&secureMetrics, "metrics-secure", false,
		"Serve metrics over HTTPS, authenticated and authorized through the API server.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false,
		"Enable HTTP/2 for the metrics server; off by default against the HTTP/2 rapid reset CVEs.")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false,
		"Elect a leader so that only one replica reconciles at a time.")
	flag.DurationVar(&leaseDuration, "leader-elect-lease-duration", 15*time.Second,
		"How long a standby waits after the leader stops renewing before it takes over.")
	flag.DurationVar(&renewDeadline, "leader-elect-renew-deadline", 10*time.Second,
		"How long the leader keeps trying to renew its lease before it steps down.")
	flag.DurationVar(&retryPeriod, "leader-elect-retry-period", 2*time.Second, "How often candidates try to take or renew the lease.")
	flag.DurationVar(&gracePeriod, "graceful-shutdown-timeout", 25*time.Second,
		"How long a stop may take after SIGTERM; keep it below the pod's terminationGracePeriodSeconds.")
	flag.StringVar(&leaseNamespace, "leader-elect-namespace", "",
		"Namespace of the leader election Lease; empty is the pod's own (required outside a cluster).")
	flag.StringVar(&leaseNamespace, "leader-election-namespace", "", "The same as --leader-elect-namespace.")
	flag.StringVar(&webhookAddr, "webhook-bind-address", ":9292",
		"Address the webhook receiver (POST /hooks/{namespace}/{mapping}) binds to; 0 disables it.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "0",
		"Address Go's pprof endpoints (/debug/pprof/) bind to, for profiling; 0 disables them. Never expose it.")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "",
		"Comma-separated namespaces whose mappings and requests the manager serves; empty serves all. "+
			"With a list the manager needs rights in those namespaces only (Roles, no ClusterRole).")
	flag.StringVar(&watchSelector, "watch-label-selector", "",
		"Serve only the mappings and requests this label selector selects, e.g. 'sharding.customersync.io/key in (shard1)': one shard of several.")
	flag.StringVar(&leaderElectionID, "leader-elect-id", "customer-sync-operator.sync.customersync.io",
		"Name of the leader election Lease; give each shard its own.")
	opts.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	setupLog := ctrl.Log.WithName("setup")

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	scope := controllers.Scope{Namespaces: splitList(watchNamespaces)}
	if watchSelector != "" {
		sel, err := labels.Parse(watchSelector)
		if err != nil {
			setupLog.Error(err, "invalid --watch-label-selector")
			os.Exit(1)
		}
		scope.Selector = sel
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   metricsAddr,
		SecureServing: secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	restConfig := ctrl.GetConfigOrDie()
	// A status write answers with the whole object, hundreds of KiB for a
	// large request: gzipping it cost the API server and the manager CPU
	// to save bytes that never leave the cluster network.
	restConfig.DisableCompression = true
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        probeAddr,
		LeaderElection:                enableLeaderElection,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &leaseDuration,
		RenewDeadline:                 &renewDeadline,
		RetryPeriod:                   &retryPeriod,
		LeaderElectionNamespace:       leaseNamespace,
		GracefulShutdownTimeout:       &gracePeriod,
		PprofBindAddress:              pprofAddr,
		Cache:                         controllers.CacheOptions(scope),
		Client:                        controllers.ClientOptions(),
	})
	if err != nil {
		setupLog.Error(err, "unable to create manager")
		os.Exit(1)
	}

	if err := controllers.SetupWithManager(mgr, opts); err != nil {
		setupLog.Error(err, "unable to set up controllers")
		os.Exit(1)
	}

	if err := mgr.Add(receiver.New(receiver.Options{
		Addr: webhookAddr, Client: mgr.GetClient(), Logger: ctrl.Log.WithName("webhook-receiver"),
		Namespaces: splitList(watchNamespaces),
		// Flush or answer every held delivery before the manager's deadline.
		ShutdownTimeout: min(receiver.DefaultShutdownTimeout, gracePeriod*2/3),
	})); err != nil {
		setupLog.Error(err, "unable to set up the webhook receiver")
		os.Exit(1)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up ready check")
		os.Exit(1)
	}

	setupLog.Info("starting manager")
	ctx := ctrl.SetupSignalHandler()
	go exitAfterGrace(ctx, gracePeriod)
	if err := mgr.Start(ctx); err != nil {
		setupLog.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

// exitAfterGrace ends the process when a stop outlasts its grace period.
// The manager stops its runnables within it, but not while it still waits
// for caches that never sync (a watch RBAC forbids, an API server that is
// away): the first SIGTERM must stop the operator all the same.
func exitAfterGrace(ctx context.Context, grace time.Duration) {
	<-ctx.Done()
	time.Sleep(grace + time.Second)
	ctrl.Log.WithName("setup").Info("the stop did not finish within the grace period; exiting", "gracePeriod", grace.String())
	os.Exit(1)
}

// splitList reads a comma-separated flag value; empty items are dropped.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
