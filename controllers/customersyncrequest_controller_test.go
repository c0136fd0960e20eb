package controllers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

const (
	janeID    = "customer_35b4d7776af9ac875a"
	noMailID  = "customer_000000000000000001"
	noNameID  = "customer_000000000000000002"
	badPhone  = "customer_000000000000000003"
	unknownID = "customer_0000000000000000ff"
	mapping   = "ninetynineminds-to-ipaas"
	sample    = "sync_v1alpha1_customermapping_ninetynineminds_to_ipaas.yaml"
)

var day = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// seedData is a 99minds customer with two cards and two transactions, and
// three customers that break one caveat each.
func seedData() *ninetynineminds.Data {
	return &ninetynineminds.Data{
		Customers: []ninetynineminds.Customer{
			{ID: janeID, Name: "Jane van Doe", Email: "jane@example.com", PhoneNumber: "+15555550123", Company: "Acme", Notes: "VIP since 2023", CreatedAt: day, UpdatedAt: day},
			{ID: noMailID, Name: "No Mail", Email: "", PhoneNumber: "+15555550124", CreatedAt: day, UpdatedAt: day},
			{ID: noNameID, Name: "", Email: "noname@example.com", CreatedAt: day, UpdatedAt: day},
			{ID: badPhone, Name: "Bad Phone", Email: "phone@example.com", PhoneNumber: "call me", CreatedAt: day, UpdatedAt: day},
		},
		LoyaltyCards: []ninetynineminds.LoyaltyCard{
			{ID: "loyaltycard_aaaaaaaaaaaaaaaaa1", CustomerID: janeID, PointBalance: ninetynineminds.Num(120), Active: true, CreatedAt: day},
			{ID: "loyaltycard_aaaaaaaaaaaaaaaaa2", CustomerID: janeID, PointBalance: ninetynineminds.NumText("50"), Active: false, CreatedAt: day},
		},
		Transactions: []ninetynineminds.Transaction{
			{ID: "transaction_bbbbbbbbbbbbbbbbb1", CardID: "loyaltycard_aaaaaaaaaaaaaaaaa1", CustomerID: janeID, TransactionType: "CREDIT", Amount: ninetynineminds.Num(25), TransactionDate: day},
			{ID: "transaction_bbbbbbbbbbbbbbbbb2", CardID: "loyaltycard_aaaaaaaaaaaaaaaaa1", CustomerID: janeID, TransactionType: "REDEMPTION", TransactionDate: day},
		},
	}
}

func customField(c ipaas.Customer, name string) (string, bool) {
	for _, f := range c.CustomFields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// onlyCustomer asserts that iPaaS.com holds exactly one customer with the
// number and returns it.
func onlyCustomer(t *testing.T, ip *ipaas.Server, number string) ipaas.Customer {
	t.Helper()
	found := ip.FindByCustomerNumber(number)
	if len(found) != 1 {
		t.Fatalf("iPaaS.com holds %d customers with CustomerNumber %s, want exactly 1", len(found), number)
	}
	return found[0]
}

func TestSyncCreatesCustomerWithEveryMappedField(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	w.create(w.request("sync-jane", mapping, janeID))
	csr := w.finished("sync-jane", 30*time.Second)

	if c := condition(csr.Status.Conditions, v1alpha1.ConditionComplete); c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonSucceeded {
		t.Fatalf("Complete condition = %+v, want True/Succeeded", c)
	}
	if csr.Status.Total != 1 || csr.Status.Succeeded != 1 || csr.Status.Failed != 0 || csr.Status.Phase != v1alpha1.PhaseComplete {
		t.Errorf("counts = %+v", csr.Status)
	}
	res := result(csr, janeID)
	if res == nil || res.Action != v1alpha1.ActionCreated || res.DestinationID == "" || res.Attempts != 1 {
		t.Fatalf("result = %+v, want Created with a destination id after 1 attempt", res)
	}

	c := onlyCustomer(t, w.ip, janeID)
	if c.ID != res.DestinationID {
		t.Errorf("status names destination %s, iPaaS.com has %s", res.DestinationID, c.ID)
	}
	if c.FirstName != "Jane" || c.LastName != "van Doe" || c.EmailAddress != "jane@example.com" {
		t.Errorf("standard fields = %q %q %q", c.FirstName, c.LastName, c.EmailAddress)
	}
	want := map[string]string{
		"99minds Loyalty Points Synced":  "true",
		"99minds Loyalty Points Balance": "170",
		"99minds Loyalty Card ID":        "loyaltycard_aaaaaaaaaaaaaaaaa1",
	}
	for name, v := range want {
		if got, ok := customField(c, name); !ok || got != v {
			t.Errorf("custom field %q = %q, want %q", name, got, v)
		}
	}
	journal, _ := customField(c, "99minds Transaction Journal")
	if !strings.Contains(journal, "CREDIT 25 transaction_bbbbbbbbbbbbbbbbb1") || !strings.Contains(journal, "REDEMPTION 0 transaction_bbbbbbbbbbbbbbbbb2") {
		t.Errorf("journal = %q, want both transactions (a missing amount counts as 0)", journal)
	}
	// The external-id link decides Add or Update next time.
	if id, ok := w.ip.Lookup(systemID, janeID); !ok || id != c.ID {
		t.Errorf("link %s → %q (%v), want %s", janeID, id, ok, c.ID)
	}
	w.eventWith("sync-jane", v1alpha1.ReasonSucceeded, "1 succeeded")
}

func TestSyncUpdatesExistingCustomerWithoutDuplication(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("first", mapping, janeID))
	w.finished("first", 30*time.Second)
	created := onlyCustomer(t, w.ip, janeID)

	// Jane changes her name and company in 99minds.
	d := seedData()
	d.Customers[0].Name = "Jane Smith"
	d.Customers[0].Company = "Globex"
	if _, err := w.nn.Seed(ninetynineminds.Data{Customers: d.Customers[:1]}); err != nil {
		t.Fatal(err)
	}
	w.create(w.request("second", mapping, janeID))
	csr := w.finished("second", 30*time.Second)
	if res := result(csr, janeID); res == nil || res.Action != v1alpha1.ActionUpdated || res.DestinationID != created.ID {
		t.Fatalf("result = %+v, want Updated of %s", res, created.ID)
	}
	c := onlyCustomer(t, w.ip, janeID)
	if c.ID != created.ID || c.LastName != "Smith" || c.Company != "Globex" || c.Comment != "VIP since 2023" {
		t.Errorf("after update: id %s last %q company %q comment %q", c.ID, c.LastName, c.Company, c.Comment)
	}

	// Nothing changed since: the third sync writes nothing.
	puts := w.ip.CountFor("PUT /customers/v2/Customer/{id}")
	w.create(w.request("third", mapping, janeID))
	csr = w.finished("third", 30*time.Second)
	if res := result(csr, janeID); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("result = %+v, want Unchanged", res)
	}
	if got := w.ip.CountFor("PUT /customers/v2/Customer/{id}"); got != puts {
		t.Errorf("an unchanged customer was written (%d PUTs, want %d)", got, puts)
	}
	onlyCustomer(t, w.ip, janeID)
}

func TestCaveatsFailRecordsWithClearReasons(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("mixed", mapping, janeID, noMailID, noNameID, badPhone, unknownID))
	csr := w.finished("mixed", 30*time.Second)

	if c := condition(csr.Status.Conditions, v1alpha1.ConditionComplete); c == nil || c.Reason != v1alpha1.ReasonPartiallySucceeded {
		t.Fatalf("Complete = %+v, want PartiallySucceeded", c)
	}
	if csr.Status.Succeeded != 1 || csr.Status.Failed != 4 {
		t.Errorf("succeeded %d failed %d, want 1 and 4", csr.Status.Succeeded, csr.Status.Failed)
	}
	for _, tc := range []struct{ id, reason, field string }{
		{noMailID, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{noNameID, v1alpha1.ReasonMissingNameFields, "FirstName"},
		{badPhone, v1alpha1.ReasonInvalidPhoneNumber, "phone"},
		{unknownID, v1alpha1.ReasonSourceRecordNotFound, unknownID},
	} {
		res := result(csr, tc.id)
		if res == nil || res.Action != v1alpha1.ActionFailed || res.Reason != tc.reason {
			t.Errorf("%s: result %+v, want Failed/%s", tc.id, res, tc.reason)
			continue
		}
		if !strings.Contains(res.Message, tc.field) {
			t.Errorf("%s: message %q does not name %q", tc.id, res.Message, tc.field)
		}
	}
	// Failures come first in status.results.
	if len(csr.Status.Results) != 5 || csr.Status.Results[4].ID != janeID {
		t.Errorf("results order = %+v, want the success last", csr.Status.Results)
	}
	w.eventWith("mixed", v1alpha1.ReasonMissingEmailAddress, noMailID)
	// Nothing was written for the failed records.
	if n := len(w.ip.Customers()); n != 1 {
		t.Errorf("iPaaS.com holds %d customers, want only Jane", n)
	}
}

func TestTransientFaultsAreRetriedWithoutDuplicates(t *testing.T) {
	const n = 60
	w := newWorld(t, nil)
	w.nn.Generate(n)
	faults := fault.Config{ErrorRate: 0.1, ErrorStatus: 503, RateLimitRate: 0.1, RetryAfter: time.Second, Seed: 7}
	for _, s := range []interface{ SetFaults(fault.Config) error }{w.nn, w.ip} {
		if err := s.SetFaults(faults); err != nil {
			t.Fatal(err)
		}
	}
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	var ids []string
	for _, c := range w.nn.Customers() {
		ids = append(ids, c.ID)
	}
	req := w.request("faulty", mapping, ids...)
	req.Spec.BackoffLimit = ptr.To[int32](20)
	w.create(req)
	csr := w.finished("faulty", 3*time.Minute)
	if c := condition(csr.Status.Conditions, v1alpha1.ConditionComplete); c == nil || c.Reason != v1alpha1.ReasonSucceeded {
		t.Fatalf("Complete = %+v (failed %d), want Succeeded", c, csr.Status.Failed)
	}
	if st := w.ip.FaultStats(); st.Errors == 0 || st.RateLimited == 0 {
		t.Fatalf("faults were not injected: %+v", st)
	}
	for _, id := range ids {
		onlyCustomer(t, w.ip, id)
	}
	if got := len(w.ip.Customers()); got != n {
		t.Errorf("iPaaS.com holds %d customers, want %d", got, n)
	}
}

func TestRestartMidRequestResumesWithoutDuplicates(t *testing.T) {
	const n = 500
	w := newWorld(t, nil)
	w.nn.Generate(n)
	// Latency so the request is still running when the manager stops: the
	// records take about 5 s, and progress reaches a third of them in the
	// third status write (progress of a 500-id request is written every
	// 1-3 s, by its size).
	if err := w.ip.SetFaults(fault.Config{Latency: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	stop := startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	var ids []string
	for _, c := range w.nn.Customers() {
		ids = append(ids, c.ID)
	}
	w.create(w.request("big", mapping, ids...))

	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(2*time.Minute, "a third of the records", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "big"}, csr)
		return err == nil && csr.Status.Processed >= n/3, err
	})
	stop()
	if csr.Status.CompletionTime != nil {
		t.Fatal("the request finished before the restart; the test proves nothing")
	}
	startManager(t, testOptions())
	csr = w.finished("big", 3*time.Minute)
	if csr.Status.Succeeded != n || csr.Status.Failed != 0 {
		t.Fatalf("succeeded %d failed %d, want %d and 0", csr.Status.Succeeded, csr.Status.Failed, n)
	}
	if got := len(w.ip.Customers()); got != n {
		t.Fatalf("iPaaS.com holds %d customers, want %d", got, n)
	}
	for _, id := range ids {
		onlyCustomer(t, w.ip, id)
	}
}

func TestRequestWaitsForMappingThenCompletes(t *testing.T) {
	w := newWorld(t, seedData())
	// The mapping's iPaaS.com Secret is missing, so it is not Ready.
	m := w.sampleMapping(sample)
	m.Spec.Destination.CredentialsSecretRef.Name = "ipaas-later"
	startManager(t, testOptions())
	w.create(m)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionFalse)
	w.create(w.request("patient", mapping, janeID))

	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(20*time.Second, "the request to wait", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "patient"}, csr)
		c := condition(csr.Status.Conditions, v1alpha1.ConditionWaiting)
		return err == nil && c != nil && c.Status == metav1.ConditionTrue, err
	})
	if c := condition(csr.Status.Conditions, v1alpha1.ConditionWaiting); c.Reason != v1alpha1.ReasonMappingNotReady ||
		!strings.Contains(c.Message, v1alpha1.ReasonCredentialsNotFound) || !strings.Contains(c.Message, "ipaas-later") {
		t.Errorf("Waiting = %+v, want MappingNotReady naming the missing Secret", c)
	}
	if csr.Status.Phase != v1alpha1.PhaseWaiting || len(csr.Status.Results) != 0 {
		t.Errorf("a waiting request made attempts: %+v", csr.Status)
	}

	w.secret("ipaas-later", map[string]string{"apiKey": ipaasKey})
	csr = w.finished("patient", 30*time.Second)
	if res := result(csr, janeID); res == nil || res.Action != v1alpha1.ActionCreated || res.Attempts != 1 {
		t.Fatalf("result = %+v, want Created on the first attempt", res)
	}
}

func TestDryRunWritesNothingAndShowsTheDiff(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	// A customer not yet in iPaaS.com: WouldCreate, and nothing created.
	dry := w.request("dry-new", mapping, janeID)
	dry.Spec.DryRun = true
	w.create(dry)
	csr := w.finished("dry-new", 30*time.Second)
	res := result(csr, janeID)
	if res == nil || res.Action != v1alpha1.ActionWouldCreate || !hasChange(res, "EmailAddress", "", "jane@example.com") {
		t.Fatalf("result = %+v, want WouldCreate showing EmailAddress", res)
	}
	if n := len(w.ip.Customers()); n != 0 {
		t.Fatalf("a dry run created %d customers", n)
	}

	// An existing customer that changed in 99minds: WouldUpdate with the
	// changed fields, and iPaaS.com untouched.
	w.create(w.request("real", mapping, janeID))
	w.finished("real", 30*time.Second)
	before := onlyCustomer(t, w.ip, janeID)
	d := seedData()
	d.Customers[0].Company = "Globex"
	if _, err := w.nn.Seed(ninetynineminds.Data{Customers: d.Customers[:1]}); err != nil {
		t.Fatal(err)
	}
	dry = w.request("dry-change", mapping, janeID)
	dry.Spec.DryRun = true
	w.create(dry)
	csr = w.finished("dry-change", 30*time.Second)
	res = result(csr, janeID)
	if res == nil || res.Action != v1alpha1.ActionWouldUpdate || !hasChange(res, "Company", "", "Globex") {
		t.Fatalf("result = %+v, want WouldUpdate Company → Globex", res)
	}
	if after := onlyCustomer(t, w.ip, janeID); after.Company != before.Company || after.UpdatedDatetime != before.UpdatedDatetime {
		t.Errorf("a dry run changed the customer: %+v", after)
	}
}

func hasChange(res *v1alpha1.RecordResult, field, from, to string) bool {
	for _, c := range res.Changes {
		if c.Field == field && c.From == from && c.To == to {
			return true
		}
	}
	return false
}

func TestFinishedRequestIsDeletedAfterTTL(t *testing.T) {
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	req := w.request("short-lived", mapping, janeID)
	req.Spec.TTLSecondsAfterFinished = ptr.To[int32](1)
	w.create(req)
	w.finished("short-lived", 30*time.Second)
	w.eventually(20*time.Second, "the request to be deleted", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "short-lived"}, &v1alpha1.CustomerSyncRequest{})
		return err != nil && strings.Contains(err.Error(), "not found"), nil
	})
}

func TestKubectlWaitForComplete(t *testing.T) {
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		if kubectl, err = exec.LookPath("kubectl"); err != nil {
			t.Fatalf("no kubectl: hack/envtest/build.sh builds one into KUBEBUILDER_ASSETS")
		}
	}
	kubeconfig, err := env.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, seedData())
	startManager(t, testOptions())
	w.create(w.sampleMapping(sample))
	w.create(w.request("waited", mapping, janeID))

	// kubectl wait returns as soon as the controller sets Complete=True.
	cmd := exec.CommandContext(w.ctx, kubectl, "--kubeconfig", path, "-n", w.ns, "wait",
		"--for=condition=Complete", "customersyncrequest/waited", "--timeout=60s")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl wait: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "condition met") {
		t.Errorf("kubectl wait said %q", out)
	}
	// And kubectl get shows the printer columns.
	out, err = exec.CommandContext(w.ctx, kubectl, "--kubeconfig", path, "-n", w.ns, "get", "custsync").CombinedOutput()
	// The counts show as numbers, zero included: waited, mapping, 1 total,
	// 1 succeeded, 0 failed, 0 retrying, Complete, reason Succeeded.
	if err != nil || !strings.Contains(string(out), "RETRYING") || !regexp.MustCompile(`waited\s+\S+\s+1\s+1\s+0\s+0\s+Complete\s+Succeeded`).Match(out) {
		t.Errorf("kubectl get custsync: %v\n%s", err, out)
	}
}

// The manager's cache keeps requests without their results, so memory does
// not grow with finished requests; the API server still has them.
func TestCachedRequestsHoldNoResults(t *testing.T) {
	w := newWorld(t, seedData())
	var cached client.Reader
	startManager(t, testOptions(), func(m ctrl.Manager) error { cached = m.GetClient(); return nil })
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("trimmed", mapping, janeID))
	if csr := w.finished("trimmed", 30*time.Second); len(csr.Status.Results) != 1 {
		t.Fatalf("the API server holds %d results, want 1", len(csr.Status.Results))
	}
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(10*time.Second, "the cache to see the request finished", func() (bool, error) {
		err := cached.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "trimmed"}, csr)
		return err == nil && csr.Status.CompletionTime != nil, err
	})
	if len(csr.Status.Results) != 0 || len(csr.ManagedFields) != 0 || csr.Status.Succeeded != 1 {
		t.Errorf("cached request: %d results, %d managed fields, succeeded %d", len(csr.Status.Results), len(csr.ManagedFields), csr.Status.Succeeded)
	}
}
