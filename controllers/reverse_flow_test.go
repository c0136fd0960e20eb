package controllers_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

const (
	reverseSample  = "sync_v1alpha1_customermapping_ipaas_to_ninetynineminds.yaml"
	reverseMapping = "ipaas-to-ninetynineminds"
	ritaID         = "158200"
)

// seedRita plants the iPaaS.com customer the reverse flow moves, or edits
// its company as a user would in iPaaS.com (its links stay).
func (w *world) seedRita(company string) {
	w.t.Helper()
	c, ok := w.ip.Customer(ritaID)
	if !ok {
		c = ipaas.Customer{ID: ritaID, CustomerNumber: "CUST-20001", FirstName: "Rita", LastName: "Reverse",
			EmailAddress: "rita.reverse@example.com", Comment: "Signed up in the iPaaS.com portal"}
	}
	c.Company = company
	if _, err := w.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{c}}); err != nil {
		w.t.Fatal(err)
	}
}

// madeFor returns the 99minds customers created for an iPaaS.com customer
// (client_customer_id holds its id).
func madeFor(nn *ninetynineminds.Server, ipaasID string) []ninetynineminds.Customer {
	var out []ninetynineminds.Customer
	for _, c := range nn.Customers() {
		if c.ClientCustomerID == ipaasID {
			out = append(out, c)
		}
	}
	return out
}

// onlyReverseCustomer asserts that 99minds holds exactly one customer for
// Rita, with one loyalty card, and that iPaaS.com links Rita to it.
func (w *world) onlyReverseCustomer() ninetynineminds.Customer {
	w.t.Helper()
	made := madeFor(w.nn, ritaID)
	if len(made) != 1 || len(w.nn.Customers()) != 1 {
		w.t.Fatalf("99minds holds %d customers for iPaaS.com customer %s (%d in all), want exactly 1", len(made), ritaID, len(w.nn.Customers()))
	}
	c := made[0]
	if cards := w.nn.LoyaltyCards(c.ID); len(cards) != 1 {
		w.t.Errorf("99minds customer %s has %d loyalty cards, want the 1 issued at create", c.ID, len(cards))
	} else if f, _ := cards[0].PointBalance.Float(); f != 0 {
		w.t.Errorf("the card was issued with balance %v, want 0", f)
	}
	if id, ok := w.ip.Lookup(systemID, c.ID); !ok || id != ritaID {
		w.t.Errorf("iPaaS.com link for 99minds customer %s = %q %v, want %s", c.ID, id, ok, ritaID)
	}
	return c
}

// The report: each sync of one iPaaS.com customer made one more
// 99minds customer. Two syncs must make one, then update it.
func TestReverseFlowCreatesOnceThenUpdates(t *testing.T) {
	w := newWorld(t, nil)
	w.seedRita("Reverse Records")
	startManager(t, testOptions())
	w.create(w.sampleMapping(reverseSample))
	w.mappingCondition(reverseMapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	w.create(w.request("first", reverseMapping, ritaID))
	first := w.finished("first", 30*time.Second)
	if res := result(first, ritaID); first.Status.Succeeded != 1 || res == nil || res.Action != v1alpha1.ActionCreated {
		t.Fatalf("first sync: %+v", first.Status)
	}
	c := w.onlyReverseCustomer()
	if c.Name != "Rita Reverse" || c.Email != "rita.reverse@example.com" || c.Company != "Reverse Records" {
		t.Errorf("99minds customer %+v does not hold the mapped fields", c)
	}
	if res := result(first, ritaID); res.DestinationID != c.ID {
		t.Errorf("result names destination %q, want %s", res.DestinationID, c.ID)
	}

	w.seedRita("Reverse Records Ltd") // edited in iPaaS.com
	w.create(w.request("second", reverseMapping, ritaID))
	second := w.finished("second", 30*time.Second)
	if res := result(second, ritaID); second.Status.Succeeded != 1 || res == nil || res.Action != v1alpha1.ActionUpdated || res.DestinationID != c.ID {
		t.Fatalf("second sync: %+v, want customer %s Updated", second.Status, c.ID)
	}
	if got := w.onlyReverseCustomer(); got.Company != "Reverse Records Ltd" {
		t.Errorf("company after the update = %q", got.Company)
	}

	w.create(w.request("third", reverseMapping, ritaID))
	if res := result(w.finished("third", 30*time.Second), ritaID); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("third sync: %+v, want Unchanged", res)
	}
	w.onlyReverseCustomer()
}

// A real operator process is killed after it created the 99minds customer
// and before it wrote the link to iPaaS.com; the next process must find
// that customer again instead of creating a second one.
func TestReverseFlowKillBetweenCreateAndLinkCreatesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the operator binary")
	}
	bin := buildManager(t)
	w := newWorld(t, nil)
	w.seedRita("Reverse Records")
	// The link write hangs, so the process is inside it when it is killed.
	if err := w.ip.SetFaults(fault.Config{Paths: []string{"UpdateExternalId"}, HangRate: 1, HangMax: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	first := runManager(t, bin)
	w.create(w.sampleMapping(reverseSample))
	w.create(w.request("crash", reverseMapping, ritaID))
	w.eventually(60*time.Second, "the 99minds create and the link call", func() (bool, error) {
		return len(madeFor(w.nn, ritaID)) == 1 && w.ip.CountFor(ipaas.RouteUpdateExternalID) > 0, nil
	})
	first.kill()
	made := madeFor(w.nn, ritaID)
	if _, linked := w.ip.Lookup(systemID, made[0].ID); linked {
		t.Fatal("the link was written before the kill; the test proves nothing")
	}

	if err := w.ip.SetFaults(fault.Config{}); err != nil {
		t.Fatal(err)
	}
	runManager(t, bin)
	csr := w.finished("crash", 60*time.Second)
	if csr.Status.Succeeded != 1 || csr.Status.Failed != 0 {
		t.Fatalf("after the restart: %+v", csr.Status)
	}
	if res := result(csr, ritaID); res.Action != v1alpha1.ActionCreated || res.DestinationID != made[0].ID {
		t.Errorf("result %+v, want the customer the killed process made, completed as Created", res)
	}
	w.onlyReverseCustomer()
}

// buildManager builds cmd/manager once per test binary run.
func buildManager(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/manager")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/manager: %v\n%s", err, out)
	}
	return bin
}

// process is an operator running as its own process.
type process struct {
	cmd *exec.Cmd
	mu  sync.Mutex // guards log, which the process writes while tests read
	log bytes.Buffer
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

// runManager starts the operator binary against the test API server, with
// quick retries and the extra flags; it is killed when the test ends.
func runManager(t testing.TB, bin string, extra ...string) *process {
	t.Helper()
	return runManagerEnv(t, bin, nil, extra...)
}

// runManagerEnv is runManager with environment variables added.
func runManagerEnv(t testing.TB, bin string, environ []string, extra ...string) *process {
	t.Helper()
	kc, err := env.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	return startManagerProcess(t, bin, kc, environ, extra)
}

// runManagerAs is runManager with the credentials of kubeconfig.
func runManagerAs(t testing.TB, bin string, kc []byte, extra ...string) *process {
	t.Helper()
	return startManagerProcess(t, bin, kc, nil, extra)
}

func startManagerProcess(t testing.TB, bin string, kc []byte, environ, extra []string) *process {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &process{}
	args := append([]string{"--metrics-bind-address=0", "--health-probe-bind-address=0", "--webhook-bind-address=0",
		"--retry-base-delay=50ms", "--retry-max-delay=500ms", "--mapping-retry-interval=200ms"}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(append(os.Environ(), "KUBECONFIG="+path), environ...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("operator log (last 20 KiB):\n%s", tail(p.log.String(), 20<<10))
			p.mu.Unlock()
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// kill ends the process with SIGKILL, as a node failure or an OOM kill
// would: no deferred code runs.
func (p *process) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// A direction the systems cannot run is refused before any record moves:
// asking a model about 99minds customers would need to write the answer
// and its fingerprint back to 99minds, which has no custom fields.
func TestUnsupportedDirectionStallsTheMapping(t *testing.T) {
	w := newWorld(t, nil)
	w.secret("openai", map[string]string{"apiKey": "k"})
	startManager(t, testOptions())
	prompt := "Summarize this customer."
	w.create(&v1alpha1.CustomerMapping{
		ObjectMeta: metav1.ObjectMeta{Name: "loyalty-to-model"},
		Spec: v1alpha1.CustomerMappingSpec{
			Source:             v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds, Endpoint: w.nn.URL, CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "ninetynineminds"}},
			Destination:        v1alpha1.SystemEndpoint{System: v1alpha1.SystemOpenAI, CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "openai"}},
			OpenAI:             &v1alpha1.OpenAISettings{ResponseFields: []v1alpha1.ResponseField{{Name: "Comment"}}},
			ResponseMappingRef: &v1alpha1.LocalObjectReference{Name: "openai-to-ipaas"},
			AddRules: []v1alpha1.Rule{
				{Type: v1alpha1.RuleStatic, Value: &prompt, Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldPromptText}},
				{Type: v1alpha1.RuleField, SourceField: "id", Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldCustomerNumber}},
			},
		},
	})
	m := w.mappingCondition("loyalty-to-model", v1alpha1.ConditionStalled, metav1.ConditionTrue)
	ready := condition(m.Status.Conditions, v1alpha1.ConditionReady)
	if ready.Status != metav1.ConditionFalse || ready.Reason != v1alpha1.ReasonUnsupportedDirection ||
		!strings.Contains(ready.Message, "99minds → OpenAI") || !strings.Contains(ready.Message, "custom fields") {
		t.Errorf("Ready = %+v, want UnsupportedDirection naming the direction and the missing capability", ready)
	}
}

// reconcile.customersync.io/requestedAt asks for a validation now, as
// Flux's annotation does; status.lastHandledReconcileAt echoes it.
func TestRequestedAtIsHandled(t *testing.T) {
	w := newWorld(t, nil)
	opts := testOptions()
	startManager(t, opts)
	w.create(w.sampleMapping(sample))
	m := w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	validations := w.ip.CountFor(ipaas.RouteListCustomers) // Validate lists one customer
	const at = "2026-12-01T10:00:00Z"
	w.eventually(10*time.Second, "the annotation", func() (bool, error) {
		if err := w.c.Get(w.ctx, client.ObjectKeyFromObject(m), m); err != nil {
			return false, err
		}
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[v1alpha1.AnnotationRequestedAt] = at
		return w.c.Update(w.ctx, m) == nil, nil
	})
	w.eventually(10*time.Second, "lastHandledReconcileAt", func() (bool, error) {
		err := w.c.Get(w.ctx, client.ObjectKeyFromObject(m), m)
		return err == nil && m.Status.LastHandledReconcileAt == at, err
	})
	if w.ip.CountFor(ipaas.RouteListCustomers) <= validations {
		t.Error("the annotation did not make the mapping validate its connections again")
	}
}
