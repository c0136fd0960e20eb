package controllers_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	simopenai "github.com/customersync/customer-sync-operator/internal/simulator/openai"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

const (
	openaiKey    = "sk-test-openai-key"
	requestMap   = "ipaas-to-openai"
	responseMap  = "openai-to-ipaas"
	customerNo   = "CUST-10045"
	noNumberID   = "158999"
	fingerprintF = syncer.DefaultFingerprintField
)

// aiWorld adds the OpenAI simulator, the iPaaS.com customers of the seed's
// test scenarios, and both OpenAI mappings from config/samples.
type aiWorld struct {
	*world
	ai *simopenai.Server
}

func newAIWorld(t testing.TB, edit func(req, resp *v1alpha1.CustomerMapping), dropFields ...string) *aiWorld {
	t.Helper()
	w, req, resp := setupAI(t, edit, dropFields...)
	startManager(t, testOptions())
	w.create(resp)
	w.create(req)
	w.mappingCondition(requestMap, v1alpha1.ConditionReady, metav1.ConditionTrue)
	return w
}

// setupAI is newAIWorld without a manager: the simulators, the seed's
// customers and both mappings, not yet created.
func setupAI(t testing.TB, edit func(req, resp *v1alpha1.CustomerMapping), dropFields ...string) (*aiWorld, *v1alpha1.CustomerMapping, *v1alpha1.CustomerMapping) {
	t.Helper()
	w := &aiWorld{world: newWorld(t, nil)}
	w.ai = simopenai.StartForTest(t, simopenai.Options{APIKeys: []string{openaiKey}, Seed: 1})
	w.secret("openai", map[string]string{"apiKey": openaiKey})
	var defs []ipaas.CustomFieldDefinition
	for _, d := range ipaas.DefaultCustomFieldDefinitions() {
		if !slices.Contains(dropFields, d.Name) {
			defs = append(defs, d)
		}
	}
	w.ip.SetCustomFieldDefinitions(defs)
	if _, err := w.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{
		{ID: "158056", CustomerNumber: customerNo, FirstName: "Jane", LastName: "Doe", EmailAddress: "jane@example.com",
			Comment: "Met at the film festival", Categories: []ipaas.Category{{ID: 12, Name: "VIP"}}},
		{ID: noNumberID, CustomerNumber: "", FirstName: "No", LastName: "Number", EmailAddress: "nonumber@example.com"},
	}}); err != nil {
		t.Fatal(err)
	}
	req := w.sampleMapping("sync_v1alpha1_customermapping_ipaas_to_openai.yaml")
	req.Spec.Destination.Endpoint = w.ai.URL + "/v1"
	resp := w.sampleMapping("sync_v1alpha1_customermapping_openai_to_ipaas.yaml")
	if edit != nil {
		edit(req, resp)
	}
	return w, req, resp
}

// chatCalls counts the model calls made, on either API; the Responses
// API's unbilled validation probes (no input) do not count.
func (w *aiWorld) chatCalls() int64 {
	return int64(len(w.ai.ChatRequests(0)))
}

// expectedAnswer is the simulator's answer to a recorded call, by field.
func expectedAnswer(t *testing.T, call simopenai.ChatRequest) map[string]string {
	t.Helper()
	want, err := simopenai.ExpectedContent(call.Messages, call.ResponseFormat)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]string
	if err := json.Unmarshal([]byte(want), &answer); err != nil {
		t.Fatal(err)
	}
	return answer
}

func (w *aiWorld) customer(id string) ipaas.Customer {
	c, ok := w.ip.Customer(id)
	if !ok {
		w.t.Fatalf("iPaaS.com has no customer %s", id)
	}
	return c
}

// The seed's scenarios 1 and 3 on both APIs: Responses (the default, what
// iPaaS.com's own integration calls) and chat completions.
func TestEnrichmentFillsCommentAndCustomFieldOnce(t *testing.T) {
	for _, tc := range []struct {
		api   v1alpha1.OpenAIAPI
		route string
	}{{"", simopenai.RouteResponses}, {v1alpha1.OpenAIChatCompletions, simopenai.RouteChat}} {
		t.Run("api="+string(tc.api), func(t *testing.T) { enrichmentFillsOnce(t, tc.api, tc.route) })
	}
}

func enrichmentFillsOnce(t *testing.T, api v1alpha1.OpenAIAPI, route string) {
	w := newAIWorld(t, func(req, _ *v1alpha1.CustomerMapping) { req.Spec.OpenAI.API = api })
	m := w.mappingCondition(requestMap, v1alpha1.ConditionFingerprints, metav1.ConditionTrue)
	if c := condition(m.Status.Conditions, v1alpha1.ConditionFingerprints); c.Reason != v1alpha1.ReasonFingerprintCustomField {
		t.Errorf("Fingerprints = %+v, want the custom field iPaaS.com defines", c)
	}
	w.create(w.request("enrich", requestMap, customerNo))
	csr := w.finished("enrich", 30*time.Second)
	res := result(csr, customerNo)
	if res == nil || res.Action != v1alpha1.ActionUpdated || res.DestinationID != "158056" {
		t.Fatalf("result = %+v (conditions %+v), want Updated of 158056", res, csr.Status.Conditions)
	}

	if w.ai.CountFor(route) == 0 {
		t.Fatalf("the model was not asked on %s: %v", route, w.ai.Counts())
	}
	// Scenario 3: the answer reached the customer through the response mapping.
	calls := w.ai.ChatRequests(1)
	if len(calls) != 1 {
		t.Fatalf("%d chat requests recorded", len(calls))
	}
	call := calls[0]
	answer := expectedAnswer(t, call)
	c := w.customer("158056")
	if c.Comment != answer["Comment"] {
		t.Errorf("comment = %q, want the model's %q", c.Comment, answer["Comment"])
	}
	if got, _ := customField(c, "Known To Film"); got != answer["Known To Film"] || (got != "TRUE" && got != "FALSE") {
		t.Errorf("Known To Film = %q, want the model's %q (TRUE or FALSE)", got, answer["Known To Film"])
	}
	if fp, _ := customField(c, fingerprintF); len(fp) != 64 {
		t.Errorf("fingerprint = %q, want a sha256 hex", fp)
	}

	// What was sent: the prompt as system message, only the mapped fields.
	if call.Messages[0].Role != "system" || !strings.Contains(call.Messages[0].Content, "Known To Film") {
		t.Errorf("system message = %+v", call.Messages[0])
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(call.Messages[1].Content), &sent); err != nil {
		t.Fatalf("user message is not JSON: %v", err)
	}
	for _, k := range []string{"Id", "CustomerNumber", "FirstName", "LastName", "EmailAddress", "Categories", "Comment"} {
		if _, ok := sent[k]; !ok {
			t.Errorf("user message lacks %s: %v", k, sent)
		}
	}
	if len(sent) != 7 || sent["Id"] != customerNo {
		t.Errorf("user message = %v, want exactly the seven mapped fields", sent)
	}

	// Status and usage.
	if u := csr.Status.OpenAI; u == nil || u.ModelCalls != 1 || u.PromptTokens == 0 || u.CompletionTokens == 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v", csr.Status.OpenAI)
	}

	// A second sync of the unchanged customer makes no call.
	w.create(w.request("again", requestMap, customerNo))
	csr = w.finished("again", 30*time.Second)
	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUnchanged {
		t.Fatalf("second sync: %+v", res)
	}
	if n := w.chatCalls(); n != 1 {
		t.Fatalf("%d model calls after an unchanged sync, want 1", n)
	}

	// A changed customer makes exactly one more.
	c = w.customer("158056")
	c.FirstName = "Janet"
	if _, err := w.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{c}}); err != nil {
		t.Fatal(err)
	}
	w.create(w.request("changed", requestMap, customerNo))
	csr = w.finished("changed", 30*time.Second)
	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("changed sync: %+v", res)
	}
	if n := w.chatCalls(); n != 2 {
		t.Fatalf("%d model calls after one change, want 2", n)
	}
	// The instructions are the shared prefix: on the Responses API, with
	// its prompt_cache_key, the second call reads them from the cache.
	if u := csr.Status.OpenAI; api == "" && (u == nil || u.CachedPromptTokens == 0 || u.CachedPromptTokens >= u.PromptTokens) {
		t.Errorf("usage of the second call = %+v, want cached input tokens", u)
	}
}

func TestEnrichmentFailureScenarios(t *testing.T) {
	w := newAIWorld(t, nil)
	// Scenario 2: a customer without CustomerNumber fails clearly.
	w.create(w.request("no-number", requestMap, noNumberID))
	csr := w.finished("no-number", 30*time.Second)
	res := result(csr, noNumberID)
	if res == nil || res.Action != v1alpha1.ActionFailed || res.Reason != v1alpha1.ReasonMissingCustomerNumber || !strings.Contains(res.Message, "CustomerNumber") {
		t.Fatalf("result = %+v, want Failed/MissingCustomerNumber naming the field", res)
	}
	if c := condition(csr.Status.Conditions, v1alpha1.ConditionFailed); c == nil || c.Reason != v1alpha1.ReasonAllRecordsFailed {
		t.Errorf("Failed condition = %+v", c)
	}
	if n := w.chatCalls(); n != 0 {
		t.Fatalf("%d model calls for an invalid customer", n)
	}

	// insufficient_quota is not retried.
	w.ai.SetQuotaExhausted(true)
	w.create(w.request("no-quota", requestMap, customerNo))
	csr = w.finished("no-quota", 30*time.Second)
	res = result(csr, customerNo)
	if res == nil || res.Action != v1alpha1.ActionFailed || res.Reason != v1alpha1.ReasonOpenAIAPIError || res.Attempts != 1 || !strings.Contains(res.Message, "quota") {
		t.Fatalf("result = %+v, want Failed/OpenAIAPIError after one attempt", res)
	}
	if n := w.chatCalls(); n != 1 {
		t.Fatalf("%d model calls, want exactly 1 (insufficient_quota is permanent)", n)
	}
	if strings.Contains(res.Message, openaiKey) {
		t.Fatal("the API key leaked into status")
	}
	if n := metricSum(t, "customersync_openai_calls_total", "namespace", w.ns, "outcome", "QuotaExceeded"); n != 1 {
		t.Errorf("%v calls counted QuotaExceeded, want 1", n)
	}
	w.ai.SetQuotaExhausted(false)

	// rate_limit_exceeded is retried after retry-after, then succeeds.
	if err := w.ai.SetFaults(fault.Config{RateLimitRate: 1, RetryAfter: time.Second, Paths: []string{simopenai.RouteResponses}}); err != nil {
		t.Fatal(err)
	}
	phase := time.Now()
	w.create(w.request("rate-limited", requestMap, customerNo))
	w.eventually(20*time.Second, "a rate-limited call", func() (bool, error) { return w.ai.FaultStats().RateLimited > 0, nil })
	if err := w.ai.SetFaults(fault.Config{}); err != nil {
		t.Fatal(err)
	}
	csr = w.finished("rate-limited", 60*time.Second)
	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result = %+v, want Updated after the rate limit lifted", res)
	}
	reqs := w.ai.Requests(100)
	var times []time.Time
	for _, r := range reqs {
		// Model calls only: the mapping's validation probe (which a 429 of
		// this phase makes retry) sends "input":null.
		if r.Pattern == simopenai.RouteResponses && strings.Contains(r.Body, `"input":`) && !strings.Contains(r.Body, `"input":null`) && r.Time.After(phase) {
			times = append(times, r.Time)
		}
	}
	if len(times) < 2 {
		t.Fatalf("%d chat calls in the rate-limited phase, want a 429 and a retry", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < time.Second {
			t.Errorf("retry %d came %v after the 429; retry-after said 1s", i, gap)
		}
	}
}

func TestInvalidPromptRequestMakesNoModelCall(t *testing.T) {
	w := newAIWorld(t, nil, "Known To Film")
	w.create(w.request("bad-prompt", requestMap, customerNo))
	csr := w.finished("bad-prompt", 30*time.Second)
	res := result(csr, customerNo)
	if res == nil || res.Reason != v1alpha1.ReasonInvalidPromptRequest || !strings.Contains(res.Message, `"Known To Film"`) {
		t.Fatalf("result = %+v, want InvalidPromptRequest naming Known To Film", res)
	}
	if n := w.chatCalls(); n != 0 {
		t.Fatalf("%d model calls, want none", n)
	}
	w.eventWith("bad-prompt", v1alpha1.ReasonInvalidPromptRequest, "Known To Film")

	// The request mapping stays usable, and says its response mapping is
	// not Ready, so kubectl get custmap shows why records fail.
	m := w.mappingConditionWith(requestMap, v1alpha1.ConditionReferencesReady, metav1.ConditionFalse, v1alpha1.ReasonMissingCustomField)
	c := condition(m.Status.Conditions, v1alpha1.ConditionReferencesReady)
	if c.Reason != v1alpha1.ReasonReferenceNotReady || !strings.Contains(c.Message, responseMap) || !strings.Contains(c.Message, v1alpha1.ReasonMissingCustomField) {
		t.Errorf("ReferencesReady = %+v", c)
	}
	if !isReady(m) {
		t.Error("the request mapping stopped being Ready")
	}
}

func isReady(m *v1alpha1.CustomerMapping) bool {
	c := condition(m.Status.Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue
}

func TestRefusalFailsWithoutWriting(t *testing.T) {
	w := newAIWorld(t, func(req, _ *v1alpha1.CustomerMapping) {
		for i := range req.Spec.AddRules {
			if req.Spec.AddRules[i].Destination.Field == v1alpha1.FieldPromptText {
				v := *req.Spec.AddRules[i].Value + " " + simopenai.MarkerRefusal
				req.Spec.AddRules[i].Value = &v
			}
		}
	})
	before := w.customer("158056")
	w.create(w.request("refused", requestMap, customerNo))
	csr := w.finished("refused", 30*time.Second)
	res := result(csr, customerNo)
	if res == nil || res.Action != v1alpha1.ActionFailed || !strings.Contains(strings.ToLower(res.Reason+res.Message), "refus") {
		t.Fatalf("result = %+v, want a refusal failure", res)
	}
	if after := w.customer("158056"); after.Comment != before.Comment || after.UpdatedDatetime != before.UpdatedDatetime {
		t.Error("a refused answer was written")
	}
	if u := csr.Status.OpenAI; u == nil || u.ModelCalls != 1 {
		t.Errorf("usage = %+v, want the billed call counted", u)
	}
	if n := metricSum(t, "customersync_openai_calls_total", "namespace", w.ns, "outcome", v1alpha1.ReasonRefused); n != 1 {
		t.Errorf("%v calls counted Refused, want 1", n)
	}
}

func TestAzureOpenAIConfiguration(t *testing.T) {
	w := newAIWorld(t, func(req, _ *v1alpha1.CustomerMapping) {
		req.Spec.Destination.Endpoint = strings.TrimSuffix(req.Spec.Destination.Endpoint, "/v1")
		req.Spec.OpenAI.Azure = &v1alpha1.AzureOpenAI{APIVersion: "2024-10-21", Deployment: "customer-enrichment"}
	})
	w.create(w.request("azure", requestMap, customerNo))
	csr := w.finished("azure", 30*time.Second)
	if res := result(csr, customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result = %+v", res)
	}
	if n := w.ai.CountFor(simopenai.RouteAzureChat); n != 1 {
		t.Fatalf("%d calls on the Azure deployment route, want 1", n)
	}
}

// Status, metrics and the model's own count agree call for call when the
// write-back keeps failing: every attempt asks the model (its answer was
// never stored), quick retries inside each attempt ask again, and the
// record ends BackoffLimitExceeded. Before, the last attempt's usage was
// counted twice and the quick retries' usage was dropped.
func TestModelUsageMatchesTheCallsMade(t *testing.T) {
	w := newAIWorld(t, nil)
	if err := w.ip.SetFaults(fault.Config{Paths: []string{ipaas.RouteUpdateCustomer}, ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	callsBefore := metricSum(t, "customersync_openai_calls_total", "namespace", w.ns)
	req := w.request("always-retried", requestMap, customerNo)
	req.Spec.BackoffLimit = ptr.To(int32(2))
	w.create(req)
	csr := w.finished("always-retried", 60*time.Second)
	res := result(csr, customerNo)
	if res == nil || res.Reason != v1alpha1.ReasonBackoffLimitExceeded || res.Attempts != 3 {
		t.Fatalf("result %+v, want BackoffLimitExceeded after 3 attempts", res)
	}
	made := w.chatCalls()
	// 3 attempts, each a first try and testOptions' 2 quick retries.
	if made != 9 {
		t.Errorf("the model was asked %d times, want 9", made)
	}
	if u := csr.Status.OpenAI; u == nil || u.ModelCalls != made {
		t.Errorf("status.openAI = %+v, want %d model calls", csr.Status.OpenAI, made)
	}
	if got := metricSum(t, "customersync_openai_calls_total", "namespace", w.ns) - callsBefore; got != float64(made) {
		t.Errorf("customersync_openai_calls_total rose by %v, want %d", got, made)
	}
	if got := metricSum(t, "customersync_openai_calls_total", "namespace", w.ns, "outcome", "Answered"); got != float64(made) {
		t.Errorf("%v calls counted Answered, want %d: each was answered, the write-back failed", got, made)
	}
	if csr.Status.Processed != 1 || csr.Status.Failed != 1 || csr.Status.Retrying != 0 {
		t.Errorf("processed %d, failed %d, retrying %d", csr.Status.Processed, csr.Status.Failed, csr.Status.Retrying)
	}
}

// metricSum adds up a counter's samples for one namespace on the manager's
// registry.
// metricSum sums the series of a counter whose labels include the given
// ones (pairs of name and value).
func metricSum(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
					return l.GetName() == labels[i] && l.GetValue() == labels[i+1]
				}) {
					continue series
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

// A restricted key with only Responses Write, as iPaaS.com's OpenAI guide
// has users create, works with the default API. Asked to use chat
// completions, the mapping itself says what to grant, before any record.
func TestRestrictedResponsesKeyOnTheMapping(t *testing.T) {
	const restricted = "sk-restricted-responses-only-0123"
	w := newAIWorld(t, nil)
	w.ai.SetRestrictedKey(restricted, simopenai.RouteResponses)
	w.secret("openai-restricted", map[string]string{"apiKey": restricted})
	for _, tc := range []struct {
		name  string
		api   v1alpha1.OpenAIAPI
		ready metav1.ConditionStatus
	}{{"responses-key-default", "", metav1.ConditionTrue}, {"responses-key-chat", v1alpha1.OpenAIChatCompletions, metav1.ConditionFalse}} {
		m := w.sampleMapping("sync_v1alpha1_customermapping_ipaas_to_openai.yaml")
		m.Name = tc.name
		m.Spec.Destination.Endpoint = w.ai.URL + "/v1"
		m.Spec.Destination.CredentialsSecretRef.Name = "openai-restricted"
		m.Spec.OpenAI.API = tc.api
		w.create(m)
		got := w.mappingCondition(tc.name, v1alpha1.ConditionReady, tc.ready)
		if tc.ready == metav1.ConditionTrue {
			continue
		}
		c := condition(got.Status.Conditions, v1alpha1.ConditionReady)
		if c.Reason != v1alpha1.ReasonConnectionFailed || !strings.Contains(c.Message, "Chat completions") || strings.Contains(c.Message, restricted) {
			t.Errorf("Ready = %+v, want ConnectionFailed naming the permission to grant", c)
		}
	}
	w.create(w.request("restricted", "responses-key-default", customerNo))
	if res := result(w.finished("restricted", 30*time.Second), customerNo); res == nil || res.Action != v1alpha1.ActionUpdated {
		t.Fatalf("result %+v with a Responses-only key", res)
	}
}
