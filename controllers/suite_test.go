package controllers_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/controllers"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.Level(zapLevel())))
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// testOptions keep retries quick so tests wait for behaviour, not timers.
func testOptions() controllers.Options {
	return controllers.Options{
		MaxConcurrentReconciles: 4,
		RecordParallelism:       8,
		ProgressInterval:        200 * time.Millisecond,
		RetryBaseDelay:          50 * time.Millisecond,
		RetryMaxDelay:           500 * time.Millisecond,
		QuickRetries:            2,
		MappingRetryInterval:    200 * time.Millisecond,
	}
}

// startManager runs the operator's controllers against the test API server
// until the returned stop function is called (or the test ends).
func startManager(t testing.TB, opts controllers.Options, extra ...func(ctrl.Manager) error) (stop func()) {
	t.Helper()
	return startManagerWithLogger(t, opts, ctrl.Log, extra...)
}

// startManagerWithLogger is startManager with the manager's own logger, so
// a test can read what the operator logs.
func startManagerWithLogger(t testing.TB, opts controllers.Options, logger logr.Logger, extra ...func(ctrl.Manager) error) (stop func()) {
	t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 logger,
		Cache:                  controllers.CacheOptions(controllers.Scope{}),
		Client:                 controllers.ClientOptions(),
		// Each test starts its own manager; names repeat across them.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := controllers.SetupWithManager(mgr, opts); err != nil {
		t.Fatal(err)
	}
	for _, add := range extra {
		if err := add(mgr); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// world is one test's namespace with running simulators and Secrets for
// them.
type world struct {
	t    testing.TB
	ns   string
	nn   *ninetynineminds.Server
	ip   *ipaas.Server
	c    client.Client
	ctx  context.Context
	stop func()
}

const (
	nnKey    = "test-99minds-key"
	ipaasKey = "test-ipaas-key"
	systemID = 4711
)

func newWorld(t testing.TB, data *ninetynineminds.Data) *world {
	t.Helper()
	w := &world{t: t, c: env.Client, ctx: t.Context()}
	w.nn = ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{nnKey}, Data: data, Seed: 1})
	w.ip = ipaas.StartForTest(t, ipaas.Options{APIKeys: []string{ipaasKey}, Seed: 1})
	w.ns = env.Namespace(t)
	w.secret("ninetynineminds", map[string]string{"apiKey": nnKey})
	w.secret("ipaas", map[string]string{"apiKey": ipaasKey})
	return w
}

func (w *world) secret(name string, data map[string]string) {
	w.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, StringData: data}
	if err := w.c.Create(w.ctx, s); err != nil {
		w.t.Fatal(err)
	}
}

// sampleMapping loads a mapping from config/samples, pointed at the
// simulators: the tests exercise exactly what users apply.
func (w *world) sampleMapping(file string) *v1alpha1.CustomerMapping {
	w.t.Helper()
	m := testenv.SampleMapping(w.t, file)
	m.Namespace = w.ns
	for _, ep := range []*v1alpha1.SystemEndpoint{&m.Spec.Source, &m.Spec.Destination} {
		switch ep.System {
		case v1alpha1.SystemNinetyNineMinds:
			ep.Endpoint = w.nn.URL
		case v1alpha1.SystemIPaaS:
			ep.Endpoint = w.ip.URL
		}
	}
	return m
}

func (w *world) create(obj client.Object) {
	w.t.Helper()
	if obj.GetNamespace() == "" {
		obj.SetNamespace(w.ns)
	}
	if err := w.c.Create(w.ctx, obj); err != nil {
		w.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func (w *world) request(name, mappingName string, ids ...string) *v1alpha1.CustomerSyncRequest {
	return &v1alpha1.CustomerSyncRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec:       v1alpha1.CustomerSyncRequestSpec{MappingRef: v1alpha1.LocalObjectReference{Name: mappingName}, CustomerIDs: ids},
	}
}

// eventually polls cond until it holds or the timeout passes. It waits for
// the controller to act; it never stands in for an assertion.
func (w *world) eventually(timeout time.Duration, what string, cond func() (bool, error)) {
	w.t.Helper()
	err := wait.PollUntilContextTimeout(w.ctx, 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond()
	})
	if err != nil {
		w.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// mappingReady waits for a mapping's Ready condition to have the status.
func (w *world) mappingCondition(name, typ string, status metav1.ConditionStatus) *v1alpha1.CustomerMapping {
	w.t.Helper()
	return w.mappingConditionWith(name, typ, status, "")
}

// mappingConditionWith is mappingCondition for a condition whose message
// also contains want: a condition can pass through transient messages
// (a reference not validated yet) before it settles.
func (w *world) mappingConditionWith(name, typ string, status metav1.ConditionStatus, want string) *v1alpha1.CustomerMapping {
	w.t.Helper()
	m := &v1alpha1.CustomerMapping{}
	w.eventually(30*time.Second, fmt.Sprintf("mapping %s %s=%s %q", name, typ, status, want), func() (bool, error) {
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, m); err != nil {
			return false, err
		}
		for _, c := range m.Status.Conditions {
			if c.Type == typ && c.Status == status && c.ObservedGeneration == m.Generation && strings.Contains(c.Message, want) {
				return true, nil
			}
		}
		return false, nil
	})
	return m
}

// finished waits for a request to end and returns it.
func (w *world) finished(name string, timeout time.Duration) *v1alpha1.CustomerSyncRequest {
	w.t.Helper()
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(timeout, "request "+name+" to finish", func() (bool, error) {
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, csr); err != nil {
			return false, err
		}
		return csr.Status.CompletionTime != nil, nil
	})
	return csr
}

func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func result(csr *v1alpha1.CustomerSyncRequest, id string) *v1alpha1.RecordResult {
	for i := range csr.Status.Results {
		if csr.Status.Results[i].ID == id {
			return &csr.Status.Results[i]
		}
	}
	return nil
}

// events returns the Events about an object.
func (w *world) events(name string) []corev1.Event {
	w.t.Helper()
	var list corev1.EventList
	if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns)); err != nil {
		w.t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// eventWith waits for an Event about name with the reason whose note
// contains text.
func (w *world) eventWith(name, reason, text string) {
	w.t.Helper()
	w.eventually(10*time.Second, fmt.Sprintf("event %s on %s", reason, name), func() (bool, error) {
		for _, e := range w.events(name) {
			msg := e.Message
			if e.Reason == reason && strings.Contains(msg, text) {
				return true, nil
			}
		}
		return false, nil
	})
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}
