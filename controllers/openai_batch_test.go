package controllers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/fingerprints"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	simopenai "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// refusedNo is a customer whose comment makes the simulator refuse.
const refusedNo = "CUST-REFUSE"

func (w *aiWorld) seedRefused() {
	w.t.Helper()
	if _, err := w.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{{ID: "158100", CustomerNumber: refusedNo, FirstName: "Re", LastName: "Fused",
		EmailAddress: "refused@example.com", Comment: "please " + simopenai.MarkerRefusal}}}); err != nil {
		w.t.Fatal(err)
	}
}

// batchRequest is a request that insists on the Batch API.
func (w *aiWorld) batchRequest(name string, ids ...string) *v1alpha1.CustomerSyncRequest {
	r := w.request(name, requestMap, ids...)
	r.Spec.Batch = v1alpha1.BatchAlways
	return r
}

// linesFor counts the batch lines the simulator answered per customer.
func (w *aiWorld) linesFor() map[string]int {
	ids, _ := w.ai.BatchRequests()
	out := map[string]int{}
	for _, id := range ids {
		out[id]++
	}
	return out
}

// The seed's three OpenAI scenarios in batch mode: the answer reaches the
// customer through the response mapping, a customer without CustomerNumber
// fails before anything is sent, and a line's own failure (a refusal) fails
// only its customer. Nothing is called directly, the usage says it was
// batched, and an unchanged re-sync sends nothing.
func TestBatchEnrichmentSeedScenarios(t *testing.T) {
	for _, api := range []v1alpha1.OpenAIAPI{"", v1alpha1.OpenAIChatCompletions} {
		t.Run("api="+string(api), func(t *testing.T) { batchSeedScenarios(t, api) })
	}
}

func batchSeedScenarios(t *testing.T, api v1alpha1.OpenAIAPI) {
	w := newAIWorld(t, func(req, _ *v1alpha1.CustomerMapping) {
		req.Spec.OpenAI.API = api
		req.Spec.OpenAI.Batch = &v1alpha1.OpenAIBatch{MinRecords: 1000, PollIntervalSeconds: 1}
	})
	w.seedRefused()
	w.ai.SetBatchBehavior(simopenai.BatchBehavior{Delay: 1500 * time.Millisecond})
	w.create(w.batchRequest("bulk", customerNo, noNumberID, refusedNo))

	// The request waits for the batch with it in status, holding no worker.
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(30*time.Second, "the batch in status", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "bulk"}, csr)
		return err == nil && csr.Status.Batch != nil && csr.Status.Batch.ID != "", err
	})
	if b := csr.Status.Batch; b.Records != 2 || b.InputFileID == "" || b.Manifest == "" {
		t.Errorf("status.batch = %+v, want the two customers that need the model", b)
	}
	csr = w.finished("bulk", 60*time.Second)

	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result %+v (conditions %+v)", res, csr.Status.Conditions)
	}
	_, reqs := w.ai.BatchRequests()
	var jane simopenai.ChatRequest
	for _, r := range reqs {
		if strings.Contains(r.Messages[1].Content, customerNo) {
			jane = r
		}
	}
	answer := expectedAnswer(t, jane)
	c := w.customer("158056")
	if got, _ := customField(c, "Known To Film"); c.Comment != answer["Comment"] || got != answer["Known To Film"] {
		t.Errorf("customer %+v, want the batch's answer %v", c, answer)
	}
	if res := result(csr, noNumberID); res == nil || res.Reason != v1alpha1.ReasonMissingCustomerNumber {
		t.Errorf("no-number result %+v", res)
	}
	if res := result(csr, refusedNo); res == nil || res.Action != v1alpha1.ActionFailed || res.Reason != v1alpha1.ReasonRefused {
		t.Errorf("refused result %+v, want Failed/Refused for its line alone", res)
	}
	if got := w.linesFor(); got[customerNo] != 1 || got[refusedNo] != 1 || len(got) != 2 {
		t.Errorf("batch lines per customer %v", got)
	}
	if n := w.chatCalls(); n != 0 {
		t.Errorf("%d direct model calls, want none", n)
	}
	u := csr.Status.OpenAI
	if u == nil || u.ModelCalls != 2 || u.Batched == nil || u.Batched.ModelCalls != 2 || u.Batched.PromptTokens != u.PromptTokens || u.PromptTokens == 0 {
		t.Errorf("usage %+v (batched %+v), want 2 batched calls", u, u.Batched)
	}
	if csr.Status.Batch != nil || csr.Status.Batches != 1 || w.ai.BatchesCreated() != 1 {
		t.Errorf("batch %+v, batches %d, created %d", csr.Status.Batch, csr.Status.Batches, w.ai.BatchesCreated())
	}
	manifest := &corev1.ConfigMap{}
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "bulk-batch-1"}, manifest); !apierrors.IsNotFound(err) {
		t.Errorf("the manifest outlived its batch: %v", err)
	}
	w.eventWith("bulk", "BatchFinished", "completed")

	// Unchanged: nothing is sent, no batch is made.
	w.create(w.batchRequest("again", customerNo))
	if res := result(w.finished("again", 30*time.Second), customerNo); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("re-sync %+v", res)
	}
	if n := w.ai.BatchesCreated(); n != 1 {
		t.Errorf("%d batches after an unchanged re-sync, want 1", n)
	}
}

// An expired batch retries its unanswered customers with a direct call;
// Always on a mapping that does not ask a model fails with a reason.
func TestExpiredBatchRetriesDirectly(t *testing.T) {
	w := newAIWorld(t, nil)
	w.seedRefused()
	w.ai.SetBatchBehavior(simopenai.BatchBehavior{Expire: true, Answered: 0})
	w.create(w.batchRequest("expiring", customerNo))
	csr := w.finished("expiring", 60*time.Second)
	res := result(csr, customerNo)
	if res == nil || res.Action != v1alpha1.ActionUpdated || res.Attempts != 2 {
		t.Fatalf("result %+v, want Updated on the direct retry", res)
	}
	if n := w.chatCalls(); n != 1 || len(w.linesFor()) != 0 {
		t.Errorf("%d direct calls, lines %v; want 1 and none", n, w.linesFor())
	}
	if u := csr.Status.OpenAI; u == nil || u.ModelCalls != 1 || u.Batched != nil {
		t.Errorf("usage %+v: expired lines are not billed", u)
	}

	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	r := w.request("not-a-model", mapping, "customer_35b4d7776af9ac875a")
	r.Spec.Batch = v1alpha1.BatchAlways
	w.create(r)
	c := condition(w.finished("not-a-model", 30*time.Second).Status.Conditions, v1alpha1.ConditionFailed)
	if c == nil || c.Reason != v1alpha1.ReasonBatchNotSupported || !strings.Contains(c.Message, "spec.batch") {
		t.Errorf("Failed = %+v, want BatchNotSupported naming spec.batch", c)
	}
}

// A manager killed while its batch runs at OpenAI is replaced; the new one
// resumes the same batch: one batch, one line per customer, no direct call.
// A crash between the upload and the batch's creation is covered too: a
// request whose status holds only the input file finds the batch already
// made from it.
func TestBatchSurvivesManagerKill(t *testing.T) {
	bin := buildManager(t)
	w, req, resp := setupAI(t, func(req, _ *v1alpha1.CustomerMapping) {
		req.Spec.OpenAI.Batch = &v1alpha1.OpenAIBatch{MinRecords: 10, PollIntervalSeconds: 1}
	})
	var ids []string
	var seed []ipaas.Customer
	for i := range 20 {
		no := fmt.Sprintf("CUST-B%03d", i)
		ids = append(ids, no)
		seed = append(seed, ipaas.Customer{ID: fmt.Sprint(170000 + i), CustomerNumber: no, FirstName: "Bulk", LastName: fmt.Sprint(i),
			EmailAddress: fmt.Sprintf("bulk%d@example.com", i)})
	}
	if _, err := w.ip.Seed(ipaas.Data{Customers: seed}); err != nil {
		t.Fatal(err)
	}
	w.ai.SetBatchBehavior(simopenai.BatchBehavior{Delay: 4 * time.Second})
	first := runManager(t, bin)
	w.create(resp)
	w.create(req)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("bulk", requestMap, ids...)) // Auto: 20 ≥ minRecords

	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(30*time.Second, "the batch started", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "bulk"}, csr)
		return err == nil && csr.Status.Batch != nil && csr.Status.Batch.ID != "", err
	})
	first.kill()
	if len(w.linesFor()) != 0 {
		t.Fatal("the batch ended before the kill; the test proves nothing")
	}
	runManager(t, bin)
	csr = w.finished("bulk", 90*time.Second)
	if csr.Status.Succeeded != 20 || csr.Status.Failed != 0 {
		t.Fatalf("status %+v", csr.Status)
	}
	if n := w.ai.BatchesCreated(); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
	lines := w.linesFor()
	for _, id := range ids {
		if lines[id] != 1 {
			t.Errorf("customer %s had %d batch lines, want 1", id, lines[id])
		}
	}
	if n := w.chatCalls(); n != 0 {
		t.Errorf("%d direct calls, want none", n)
	}

}

// The crash window between the upload and the batch's creation: OpenAI
// made the batch, but the status names only its input file (the create's
// answer was lost). The next manager finds the batch by its file instead of
// making a second one.
func TestBatchWhoseCreateWasLostIsFoundAgain(t *testing.T) {
	w, req, resp := setupAI(t, nil)
	w.ai.SetBatchBehavior(simopenai.BatchBehavior{Delay: 2 * time.Second})
	stop := startManager(t, testOptions())
	w.create(resp)
	w.create(req)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.batchRequest("lost", customerNo))
	csr := &v1alpha1.CustomerSyncRequest{}
	w.eventually(30*time.Second, "the batch started", func() (bool, error) {
		err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "lost"}, csr)
		return err == nil && csr.Status.Batch != nil && csr.Status.Batch.ID != "", err
	})
	stop()
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: "lost"}, csr); err != nil {
		t.Fatal(err)
	}
	csr.Status.Batch.ID, csr.Status.Batch.State = "", ""
	if err := w.c.Status().Update(w.ctx, csr); err != nil {
		t.Fatal(err)
	}
	startManager(t, testOptions())
	csr = w.finished("lost", 60*time.Second)
	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result %+v", res)
	}
	if n := w.ai.BatchesCreated(); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
	if got := w.linesFor(); got[customerNo] != 1 || w.chatCalls() != 0 {
		t.Errorf("lines %v, direct calls %d", got, w.chatCalls())
	}
}

// Against an iPaaS.com that defines only the fields the mapping names, the
// fingerprints live in ConfigMaps: the mapping says so, the customer is
// enriched once, an unchanged re-sync makes no call, also after the
// runtime is rebuilt and has to read them back.
func TestEnrichmentWithoutTheFingerprintField(t *testing.T) {
	w := newAIWorld(t, nil, fingerprintF)
	m := w.mappingCondition(requestMap, v1alpha1.ConditionFingerprints, metav1.ConditionTrue)
	c := condition(m.Status.Conditions, v1alpha1.ConditionFingerprints)
	if c.Reason != v1alpha1.ReasonFingerprintConfigMap || !strings.Contains(c.Message, fingerprintF) || !strings.Contains(c.Message, "ConfigMaps") {
		t.Errorf("Fingerprints = %+v", c)
	}
	w.create(w.request("enrich", requestMap, customerNo))
	if res := result(w.finished("enrich", 30*time.Second), customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result %+v", res)
	}
	if _, ok := customField(w.customer("158056"), fingerprintF); ok {
		t.Error("a fingerprint was written to a custom field iPaaS.com does not define")
	}
	var cms corev1.ConfigMapList
	if err := w.c.List(w.ctx, &cms, client.InNamespace(w.ns), client.MatchingLabels{fingerprints.Label: requestMap}); err != nil || len(cms.Items) != 1 {
		t.Fatalf("fingerprint ConfigMaps %d, %v; want 1", len(cms.Items), err)
	}
	if own := cms.Items[0].OwnerReferences; len(own) != 1 || own[0].Name != requestMap {
		t.Errorf("owners %+v, want the mapping", own)
	}
	w.create(w.request("again", requestMap, customerNo))
	if res := result(w.finished("again", 30*time.Second), customerNo); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("re-sync %+v", res)
	}
	// A new generation rebuilds the runtime and its store.
	w.touchMapping(requestMap, 11*time.Minute)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("rebuilt", requestMap, customerNo))
	if res := result(w.finished("rebuilt", 30*time.Second), customerNo); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("after the rebuild %+v", res)
	}
	if n := w.chatCalls(); n != 1 {
		t.Errorf("%d model calls, want 1", n)
	}

}

// touchMapping makes a new generation of the mapping (a different
// validationInterval), which rebuilds its runtime.
func (w *world) touchMapping(name string, interval time.Duration) {
	w.t.Helper()
	w.eventually(10*time.Second, "the mapping updated", func() (bool, error) {
		m := &v1alpha1.CustomerMapping{}
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, m); err != nil {
			return false, err
		}
		m.Spec.ValidationInterval = &metav1.Duration{Duration: interval}
		err := w.c.Update(w.ctx, m)
		return err == nil, nil
	})
}
