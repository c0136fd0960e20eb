package controllers_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/receiver"
	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	simopenai "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

const hookToken = "test-hook-token"

// withReceiver runs the webhook receiver in the manager on a loopback port
// and returns its base URL.
func withReceiver(t *testing.T) (func(ctrl.Manager) error, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	add := func(mgr ctrl.Manager) error {
		return mgr.Add(receiver.New(receiver.Options{Listener: l, Client: mgr.GetClient(), Logger: ctrl.Log.WithName("receiver")}))
	}
	return add, "http://" + l.Addr().String()
}

func webhookTrigger(window time.Duration) *v1alpha1.Triggers {
	return &v1alpha1.Triggers{
		Events: []v1alpha1.TriggerEvent{v1alpha1.TriggerCreated, v1alpha1.TriggerUpdated},
		Webhook: &v1alpha1.WebhookTrigger{
			TokenSecretRef: v1alpha1.SecretKeyReference{Name: "hook-token", Key: "token"},
			CoalesceWindow: &metav1.Duration{Duration: window},
		},
	}
}

// webhookRequests lists the requests the receiver created for a mapping.
func (w *world) webhookRequests(mappingName string) []v1alpha1.CustomerSyncRequest {
	w.t.Helper()
	var list v1alpha1.CustomerSyncRequestList
	if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns), client.MatchingLabels{
		v1alpha1.LabelMapping: mappingName, v1alpha1.LabelTrigger: v1alpha1.TriggerWebhook,
	}); err != nil {
		w.t.Fatal(err)
	}
	return list.Items
}

func TestNinetyNineMindsEventSyncsTheCustomer(t *testing.T) {
	w := newWorld(t, seedData())
	w.secret("hook-token", map[string]string{"token": hookToken})
	add, url := withReceiver(t)
	startManager(t, testOptions(), add)
	m := w.sampleMapping(sample)
	m.Spec.Triggers = webhookTrigger(200 * time.Millisecond)
	w.create(m)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	// 99minds calls the receiver when Jane is created, as configured by hand.
	w.nn.SetWebhook(hook.Config{URL: url + receiver.HookPath(w.ns, mapping), Token: hookToken})
	w.nn.Notify("customer/created", janeID)
	w.eventually(30*time.Second, "the event to sync Jane", func() (bool, error) {
		return len(w.ip.FindByCustomerNumber(janeID)) == 1, nil
	})
	reqs := w.webhookRequests(mapping)
	if len(reqs) != 1 || len(reqs[0].Spec.CustomerIDs) != 1 || reqs[0].Spec.CustomerIDs[0] != janeID {
		t.Fatalf("webhook requests = %+v", reqs)
	}
	w.finished(reqs[0].Name, 30*time.Second)
}

// The write-back of an answer is itself a customer update in iPaaS.com,
// whose hook comes back to the receiver: it must not call the model again.
func TestOpenAIWriteBackEventMakesNoSecondModelCall(t *testing.T) {
	add, url := withReceiver(t)
	w := &aiWorld{world: newWorld(t, nil)}
	w.ai = simopenai.StartForTest(t, simopenai.Options{APIKeys: []string{openaiKey}, Seed: 1})
	w.secret("openai", map[string]string{"apiKey": openaiKey})
	w.secret("hook-token", map[string]string{"token": hookToken})
	if _, err := w.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{
		{ID: "158056", CustomerNumber: customerNo, FirstName: "Jane", LastName: "Doe", EmailAddress: "jane@example.com"},
	}}); err != nil {
		t.Fatal(err)
	}
	req := w.sampleMapping("sync_v1alpha1_customermapping_ipaas_to_openai.yaml")
	req.Spec.Destination.Endpoint = w.ai.URL + "/v1"
	req.Spec.Triggers = webhookTrigger(200 * time.Millisecond)
	resp := w.sampleMapping("sync_v1alpha1_customermapping_openai_to_ipaas.yaml")
	startManager(t, testOptions(), add)
	w.create(resp)
	w.create(req)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)

	// iPaaS.com's outbound hook points at the receiver; a user updates Jane.
	w.ip.SetHook(ipaas.HookConfig{URL: url + receiver.HookPath(w.ns, requestMap), Token: hookToken})
	w.ip.Notify(ipaas.ScopeUpdated, "158056")

	// The event is synced: one model call, the answer written back...
	w.eventually(30*time.Second, "the answer to be written back", func() (bool, error) {
		c, _ := w.ip.Customer("158056")
		_, ok := customField(c, fingerprintF)
		return ok, nil
	})
	// ...which iPaaS.com announces with another hook, whose request finds
	// nothing new.
	w.eventually(30*time.Second, "the write-back's own event to be synced", func() (bool, error) {
		reqs := w.webhookRequests(requestMap)
		done := 0
		for _, r := range reqs {
			if res := result(&r, "158056"); r.Status.CompletionTime != nil && res != nil && res.Action == v1alpha1.ActionUnchanged {
				done++
			}
		}
		return done >= 1, nil
	})
	if n := w.chatCalls(); n != 1 {
		t.Fatalf("%d model calls, want exactly 1: the write-back looped", n)
	}
}

// A burst of 2,000 webhook posts from 16 clients: all accepted, a handful
// of requests, every customer synced once.
func TestWebhookBurstSyncsEveryCustomer(t *testing.T) {
	const events, clients = 2000, 16
	w := newWorld(t, nil)
	w.nn.Generate(events)
	w.secret("hook-token", map[string]string{"token": hookToken})
	add, url := withReceiver(t)
	startManager(t, testOptions(), add)
	m := w.sampleMapping(sample)
	m.Spec.Triggers = webhookTrigger(500 * time.Millisecond)
	w.create(m)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)

	var ids []string
	for _, c := range w.nn.Customers() {
		ids = append(ids, c.ID)
	}
	target := url + receiver.HookPath(w.ns, mapping)
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				body := fmt.Sprintf(`{"notifications":[{"scope":"customer/updated","external_id":%q}]}`, id)
				req, _ := http.NewRequest(http.MethodPost, target, bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+hookToken)
				resp, err := http.DefaultClient.Do(req)
				code := -1
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				statuses[code]++
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	posting := time.Since(start)
	if statuses[http.StatusAccepted] != events {
		t.Fatalf("statuses %v, want %d × 202", statuses, events)
	}
	w.eventually(3*time.Minute, "every customer to be synced", func() (bool, error) {
		return len(w.ip.Customers()) >= events, nil
	})
	for _, id := range ids {
		onlyCustomer(t, w.ip, id)
	}
	reqs := w.webhookRequests(mapping)
	seen := map[string]int{}
	for _, r := range reqs {
		for _, id := range r.Spec.CustomerIDs {
			seen[id]++
		}
	}
	// One request per coalescing window, plus the window in flight at each end.
	if bound := int(posting/(500*time.Millisecond)) + 2; len(reqs) > bound {
		t.Errorf("%d requests for %d events posted in %v, want at most %d", len(reqs), events, posting, bound)
	}
	if len(seen) != events {
		t.Errorf("requests name %d distinct customers, want %d", len(seen), events)
	}
	t.Logf("%d events in %v from %d clients → %d requests", events, posting, clients, len(reqs))
}
