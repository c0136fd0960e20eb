package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/controllers"
	"github.com/customersync/customer-sync-operator/internal/cli"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

// The plugin is tested as users run it: against a real API server with the
// operator's controllers running and the simulators serving over loopback.
var (
	env        *testenv.Env
	kubeconfig string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.Level(zapLevel())))
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	dir, err := os.MkdirTemp("", "cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kc, err := env.KubeConfig()
	if err == nil {
		kubeconfig = filepath.Join(dir, "kubeconfig")
		err = os.WriteFile(kubeconfig, kc, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  controllers.CacheOptions(controllers.Scope{}),
		Client:                 controllers.ClientOptions(),
	})
	if err == nil {
		err = controllers.SetupWithManager(mgr, controllers.Options{
			MaxConcurrentReconciles: 4,
			RecordParallelism:       16,
			ProgressInterval:        200 * time.Millisecond,
			RetryBaseDelay:          50 * time.Millisecond,
			RetryMaxDelay:           500 * time.Millisecond,
			QuickRetries:            1,
			MappingRetryInterval:    200 * time.Millisecond,
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		code = 1
	}
	return code
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

// world is one test's namespace, simulators and Secrets, with the
// ninetynineminds-to-ipaas sample mapping pointed at the simulators.
type world struct {
	t  *testing.T
	ns string
	nn *ninetynineminds.Server
	ip *ipaas.Server
	c  client.Client
}

const (
	mappingName = "ninetynineminds-to-ipaas"
	janeID      = "customer_35b4d7776af9ac875a" // syncs
	noMailID    = "customer_000000000000000001" // MissingEmailAddress
	unknownID   = "customer_0000000000000000ff" // SourceRecordNotFound
)

// customers are a 99minds customer that syncs and one without an email.
func customers() *ninetynineminds.Data {
	day := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return &ninetynineminds.Data{Customers: []ninetynineminds.Customer{
		{ID: janeID, Name: "Jane van Doe", Email: "jane@example.com", PhoneNumber: "+15555550123", CreatedAt: day, UpdatedAt: day},
		{ID: noMailID, Name: "No Mail", PhoneNumber: "+15555550124", CreatedAt: day, UpdatedAt: day},
	}}
}

// newWorld starts simulators holding data (customers() when nil).
func newWorld(t *testing.T, data *ninetynineminds.Data) *world {
	t.Helper()
	if data == nil {
		data = customers()
	}
	w := &world{t: t, c: env.Client, ns: env.Namespace(t)}
	w.nn = ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{"nn-key"}, Data: data, Seed: 1})
	w.ip = ipaas.StartForTest(t, ipaas.Options{APIKeys: []string{"ipaas-key"}, Seed: 1})
	for name, key := range map[string]string{"ninetynineminds": "nn-key", "ipaas": "ipaas-key"} {
		w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: map[string]string{"apiKey": key}})
	}
	m := w.sample("sync_v1alpha1_customermapping_ninetynineminds_to_ipaas.yaml")
	w.create(m)
	w.eventually(30*time.Second, "the mapping to be Ready", func() bool {
		got := &v1alpha1.CustomerMapping{}
		return w.c.Get(t.Context(), client.ObjectKeyFromObject(m), got) == nil && ready(got.Status.Conditions)
	})
	return w
}

func (w *world) sample(file string) *v1alpha1.CustomerMapping {
	w.t.Helper()
	m := testenv.SampleMapping(w.t, file)
	m.Spec.Source.Endpoint, m.Spec.Destination.Endpoint = w.nn.URL, w.ip.URL
	return m
}

func (w *world) create(obj client.Object) {
	w.t.Helper()
	obj.SetNamespace(w.ns)
	if err := w.c.Create(w.t.Context(), obj); err != nil {
		w.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// eventually waits for the operator to act; it never stands in for an
// assertion.
func (w *world) eventually(timeout time.Duration, what string, cond func() bool) {
	w.t.Helper()
	err := wait.PollUntilContextTimeout(w.t.Context(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		w.t.Fatalf("waiting for %s: %v", what, err)
	}
}

func ready(conds []metav1.Condition) bool {
	for _, c := range conds {
		if c.Type == v1alpha1.ConditionReady {
			return c.Status == metav1.ConditionTrue
		}
	}
	return false
}

// result is one run of the plugin.
type result struct {
	code        int
	out, errOut string
}

// run runs kubectl-customersync in the world's namespace, in process.
func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	args = append([]string{"--kubeconfig", kubeconfig, "-n", w.ns, "--poll-interval", "100ms"}, args...)
	var out, errOut bytes.Buffer
	code := cli.Main(args, genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	r := result{code: code, out: out.String(), errOut: errOut.String()}
	w.t.Logf("kubectl customersync %s → %d\n%s%s", strings.Join(args[6:], " "), code, r.out, r.errOut)
	return r
}

// requests lists the world's requests, oldest first.
func (w *world) requests(opts ...client.ListOption) []v1alpha1.CustomerSyncRequest {
	w.t.Helper()
	list := &v1alpha1.CustomerSyncRequestList{}
	if err := w.c.List(w.t.Context(), list, append(opts, client.InNamespace(w.ns))...); err != nil {
		w.t.Fatal(err)
	}
	return list.Items
}

// created returns the names the plugin said it created.
func created(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "customersyncrequest/"); ok {
			if name, _, ok := strings.Cut(rest, " created"); ok {
				names = append(names, name)
			}
		}
	}
	return names
}
