package controllers_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

// healthCase is one object in one state, with what kstatus (Flux, kpt,
// Helm's wait) and the shipped Argo CD health check must say of it.
type healthCase struct {
	kind, name, state string
	kstatus           status.Status
	argo              string
}

// Every state of both kinds, as real objects from a real API server, read
// by kstatus and by the Argo CD Lua checks run in gopher-lua (Argo CD's own
// Lua runtime). docs/install.md shows this table.
func TestHealthOfEveryState(t *testing.T) {
	w := newWorld(t, seedData())
	// Three customers whose every read fails transiently: one for a record
	// that retries while the request runs, one for backoffLimit, one for the
	// deadline.
	var flaky []string
	for _, c := range w.nn.Generate(3).Customers {
		flaky = append(flaky, c.ID)
	}
	targets := make([]fault.Target, len(flaky))
	for i, id := range flaky {
		targets[i] = fault.Target{ID: id, Status: 503}
	}
	if err := w.nn.SetFaults(fault.Config{Targets: targets}); err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.RetryBaseDelay, opts.RetryMaxDelay = time.Second, time.Second
	startManager(t, opts)

	ready := w.sampleMapping(sample)
	suspended := w.sampleMapping(sample)
	suspended.Name, suspended.Spec.Suspend = "suspended", true
	broken := w.sampleMapping(sample)
	broken.Name = "broken-formula"
	broken.Spec.AddRules[4].Formula = "source.id +"
	noSecret := w.sampleMapping(sample)
	noSecret.Name = "no-secret"
	noSecret.Spec.Destination.CredentialsSecretRef.Name = "ipaas-not-yet"
	for _, m := range []*v1alpha1.CustomerMapping{ready, suspended, broken, noSecret} {
		w.create(m)
	}
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.mappingCondition("suspended", v1alpha1.ConditionSuspended, metav1.ConditionTrue)
	w.mappingCondition("broken-formula", v1alpha1.ConditionStalled, metav1.ConditionTrue)
	w.mappingCondition("no-secret", v1alpha1.ConditionReady, metav1.ConditionFalse)

	dry := w.request("dry-run", mapping, janeID)
	dry.Spec.DryRun = true
	backoff := w.request("backoff-limit", mapping, flaky[1])
	backoff.Spec.BackoffLimit = ptr.To(int32(0))
	deadline := w.request("deadline", mapping, flaky[2])
	deadline.Spec.ActiveDeadlineSeconds = ptr.To(int64(2))
	reqs := []*v1alpha1.CustomerSyncRequest{
		w.request("succeeded", mapping, janeID), w.request("partially", mapping, janeID, noMailID),
		w.request("all-failed", mapping, noMailID), backoff, deadline, dry,
		w.request("running", mapping, flaky[0]), w.request("waiting", "no-secret", janeID),
		w.request("waiting-on-suspended", "suspended", janeID), w.request("waiting-on-stalled", "broken-formula", janeID),
	}
	for _, r := range reqs {
		w.create(r)
	}
	for _, n := range []string{"succeeded", "partially", "all-failed", "backoff-limit", "deadline", "dry-run"} {
		w.finished(n, 60*time.Second)
	}
	w.requestCondition("running", v1alpha1.ConditionReconciling)
	w.requestCondition("waiting", v1alpha1.ConditionWaiting)
	w.requestCondition("waiting-on-suspended", v1alpha1.ConditionWaiting)
	w.requestCondition("waiting-on-stalled", v1alpha1.ConditionStalled)

	cases := []healthCase{
		{"CustomerMapping", mapping, "Ready", status.CurrentStatus, "Healthy"},
		{"CustomerMapping", "suspended", "suspended", status.CurrentStatus, "Suspended"},
		{"CustomerMapping", "broken-formula", "Stalled (InvalidFormula)", status.FailedStatus, "Degraded"},
		{"CustomerMapping", "no-secret", "CredentialsNotFound, retrying", status.InProgressStatus, "Progressing"},
		{"CustomerSyncRequest", "succeeded", "Complete (Succeeded)", status.CurrentStatus, "Healthy"},
		{"CustomerSyncRequest", "partially", "Complete (PartiallySucceeded)", status.CurrentStatus, "Healthy"},
		{"CustomerSyncRequest", "dry-run", "Complete, dry run", status.CurrentStatus, "Healthy"},
		{"CustomerSyncRequest", "all-failed", "Failed (AllRecordsFailed)", status.FailedStatus, "Degraded"},
		{"CustomerSyncRequest", "backoff-limit", "Failed (BackoffLimitExceeded)", status.FailedStatus, "Degraded"},
		{"CustomerSyncRequest", "deadline", "Failed (DeadlineExceeded)", status.FailedStatus, "Degraded"},
		{"CustomerSyncRequest", "running", "running, a record waits to retry", status.InProgressStatus, "Progressing"},
		{"CustomerSyncRequest", "waiting", "waiting for a mapping that is not Ready", status.InProgressStatus, "Progressing"},
		{"CustomerSyncRequest", "waiting-on-suspended", "waiting for a suspended mapping", status.InProgressStatus, "Progressing"},
		{"CustomerSyncRequest", "waiting-on-stalled", "waiting for a Stalled mapping", status.FailedStatus, "Degraded"},
	}
	var table strings.Builder
	for _, tc := range cases {
		u := w.unstructured(tc.kind, tc.name)
		res, err := status.Compute(u)
		if err != nil {
			t.Fatalf("%s %s: kstatus: %v", tc.kind, tc.name, err)
		}
		if res.Status != tc.kstatus {
			t.Errorf("%s %s (%s): kstatus %s (%s), want %s", tc.kind, tc.name, tc.state, res.Status, res.Message, tc.kstatus)
		}
		argo, msg := argoHealth(t, tc.kind, u.Object)
		if argo != tc.argo || msg == "" {
			t.Errorf("%s %s (%s): Argo CD %s (%q), want %s with a message", tc.kind, tc.name, tc.state, argo, msg, tc.argo)
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s |\n", tc.kind, tc.state, res.Status, argo)
	}
	t.Logf("health table:\n%s", table.String())
}

// requestCondition waits for a request's condition to be True.
func (w *world) requestCondition(name, typ string) {
	w.t.Helper()
	w.eventually(30*time.Second, name+" "+typ, func() (bool, error) {
		csr := &v1alpha1.CustomerSyncRequest{}
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, csr); err != nil {
			return false, err
		}
		c := condition(csr.Status.Conditions, typ)
		return c != nil && c.Status == metav1.ConditionTrue, nil
	})
}

// unstructured reads an object as the generic tools see it.
func (w *world) unstructured(kind, name string) *unstructured.Unstructured {
	w.t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind(kind))
	if err := w.c.Get(w.ctx, client.ObjectKey{Namespace: w.ns, Name: name}, u); err != nil {
		w.t.Fatal(err)
	}
	return u
}

// argoHealth runs the shipped Argo CD health check for kind on obj, as
// Argo CD does: obj is a global, the script returns {status, message}.
func argoHealth(t *testing.T, kind string, obj map[string]any) (string, string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "argocd", "health", "sync.customersync.io_"+kind+".lua"))
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString} {
		L.Push(L.NewFunction(open))
		L.Call(0, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(string(script)); err != nil {
		t.Fatalf("%s health check: %v", kind, err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("%s health check returned %s, not a table", kind, L.Get(-1).Type())
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

// toLua converts a JSON-like value to Lua: objects and lists become tables
// (lists 1-based), as Argo CD hands objects to its health checks.
func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case []any:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	}
	return lua.LString(fmt.Sprint(v))
}

// The state gauges follow the objects: a Ready mapping reads 1, one that
// cannot connect 0 with its reason, and finished requests count by phase.
func TestStateGauges(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	broken := w.sampleMapping(sample)
	broken.Name = "broken"
	broken.Spec.Source.CredentialsSecretRef.Name = "missing"
	w.create(broken)
	w.mappingCondition("broken", v1alpha1.ConditionReady, metav1.ConditionFalse)
	w.create(w.request("counted", mapping, janeID))
	w.finished("counted", 30*time.Second)
	w.eventually(10*time.Second, "the gauges", func() (bool, error) {
		families, err := ctrlmetrics.Registry.Gather()
		if err != nil {
			return false, err
		}
		var ready, notReady, complete bool
		for _, f := range families {
			for _, m := range f.GetMetric() {
				l := map[string]string{}
				for _, p := range m.GetLabel() {
					l[p.GetName()] = p.GetValue()
				}
				if l["namespace"] != w.ns {
					continue
				}
				v := m.GetGauge().GetValue()
				switch {
				case f.GetName() == "customersync_mapping_ready" && l["mapping"] == mapping && v == 1:
					ready = true
				case f.GetName() == "customersync_mapping_ready" && l["mapping"] == "broken" && v == 0 && l["reason"] == v1alpha1.ReasonCredentialsNotFound:
					notReady = true
				case f.GetName() == "customersync_requests" && l["phase"] == v1alpha1.PhaseComplete && v == 1:
					complete = true
				}
			}
		}
		return ready && notReady && complete, nil
	})
}
