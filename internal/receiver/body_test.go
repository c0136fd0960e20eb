package receiver

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestBodyOverTheLimit(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("hooked", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "hooked")
	big := append(hook("customer/updated", "customer_1"), bytes.Repeat([]byte(" "), DefaultMaxBodyBytes)...)

	// With a Content-Length, and chunked, where only reading finds out.
	if r := f.post(path, testToken, big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("with Content-Length: got %d %q, want 413", r.status, r.body)
	}
	r, err := f.send(http.MethodPost, path, testToken, struct{ io.Reader }{bytes.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "larger than 1048576 bytes") {
		t.Errorf("chunked: got %d %q, want 413", r.status, r.body)
	}
	if got := counter(f.ns, "hooked", OutcomeRejected, ReasonBodyTooLarge); got != 2 {
		t.Errorf("BodyTooLarge counted %v, want 2", got)
	}
	// Just under the limit is fine.
	ok := append(hook("customer/updated", "customer_1"), bytes.Repeat([]byte(" "), DefaultMaxBodyBytes-100)...)
	if r := f.post(path, testToken, ok); r.status != http.StatusAccepted {
		t.Errorf("under the limit: got %d %q", r.status, r.body)
	}
}

func TestMalformedBodiesNameTheProblem(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("hooked", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "hooked")
	cases := map[string]string{
		``:                         "body is empty",
		`{"notifications": [`:      "body is not valid JSON: unexpected end of JSON input at offset 19",
		`{"notifications": []} x`:  "body is not valid JSON: invalid character 'x' after top-level value at offset 23",
		`[{"scope": "x"}]`:         "body must be a JSON object, not array",
		`{}`:                       "notifications is missing",
		`{"notifications": {}}`:    "notifications must be an array",
		`{"notifications": ["x"]}`: "notifications[0] must be a JSON object",
		`{"notifications": [{"scope": "customer/updated", "external_id": "customer_1"}, {"external_id": "customer_2"}, {}]}`: "notifications[1].scope is missing",
		`{"notifications": [{"scope": 7, "external_id": "customer_1"}]}`:                                                     "notifications[0].scope must be a string",
		`{"notifications": [{"scope": "customer/updated"}]}`:                                                                 "notifications[0].external_id is missing (and id is empty)",
		`{"notifications": [{"scope": "customer/updated", "external_id": ""}]}`:                                              "notifications[0].external_id is missing",
		`{"notifications": [{"scope": "customer/created", "external_id": "a b"}]}`:                                           "notifications[0].external_id contains whitespace",
		`{"notifications": [{"scope": "customer/created", "external_id": true}]}`:                                            "notifications[0].external_id must be a string or a number",
		`{"notifications": [{"scope": "customer/created", "external_id": "` + strings.Repeat("x", 129) + `"}]}`:              "notifications[0].external_id is 129 characters long; ids are at most 128",
	}
	for body, want := range cases {
		r := f.post(path, testToken, []byte(body))
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, want) {
			t.Errorf("body %.60q: got %d %q, want 400 mentioning %q", body, r.status, r.body, want)
		}
	}
	if got := counter(f.ns, "hooked", OutcomeRejected, ReasonMalformedBody); got != float64(len(cases)) {
		t.Errorf("MalformedBody counted %v, want %d", got, len(cases))
	}
	// Nothing of the above was queued: the only request is the next one.
	if r := f.post(path, testToken, hook("customer/updated", "customer_ok")); r.status != http.StatusAccepted {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	reqs := f.waitIDs("hooked", 1)
	if len(reqs) != 1 || !slices.Equal(reqs[0].Spec.CustomerIDs, []string{"customer_ok"}) {
		t.Errorf("requests: %+v", reqs)
	}
}

func TestOnlyPostIsAllowed(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("hooked", v1alpha1.SystemNinetyNineMinds))
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		r, err := f.send(method, HookPath(f.ns, "hooked"), testToken, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != http.MethodPost {
			t.Errorf("%s: got %d (Allow %q), want 405 with Allow: POST", method, r.status, r.header.Get("Allow"))
		}
	}
}

func decodeAccepted(t *testing.T, r response) accepted {
	t.Helper()
	if r.status != http.StatusAccepted {
		t.Fatalf("got %d %q, want 202", r.status, r.body)
	}
	var a accepted
	if err := json.Unmarshal([]byte(r.body), &a); err != nil {
		t.Fatalf("answer %q: %v", r.body, err)
	}
	return a
}

func TestIgnoredEventsAreCounted(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("updates", v1alpha1.SystemNinetyNineMinds, v1alpha1.TriggerUpdated))
	path := HookPath(f.ns, "updates")

	mixed := []byte(`{"notifications":[
		{"scope":"customer/created","external_id":"customer_new"},
		{"scope":"customer/deleted","external_id":"customer_gone"},
		{"scope":"customer/deleted"},
		{"scope":"order/created","external_id":"order_1"},
		{"scope":"Customer/Updated","external_id":"customer_changed"}]}`)
	if got := decodeAccepted(t, f.post(path, testToken, mixed)); got != (accepted{Accepted: 1, Ignored: 4}) {
		t.Errorf("answer %+v, want 1 accepted and 4 ignored", got)
	}
	want := map[[2]string]float64{
		{OutcomeAccepted, ReasonUpdated}:           1,
		{OutcomeIgnored, ReasonEventNotSubscribed}: 1,
		{OutcomeIgnored, ReasonDeleted}:            2,
		{OutcomeIgnored, ReasonUnsupportedScope}:   1,
		{OutcomeAccepted, ReasonCreated}:           0,
	}
	for k, n := range want {
		if got := counter(f.ns, "updates", k[0], k[1]); got != n {
			t.Errorf("%s/%s counted %v, want %v", k[0], k[1], got, n)
		}
	}
	reqs := f.waitIDs("updates", 1)
	if len(reqs) != 1 || !slices.Equal(reqs[0].Spec.CustomerIDs, []string{"customer_changed"}) {
		t.Errorf("requests: %+v", reqs)
	}
}

func TestSuspendedMappingIgnoresEvents(t *testing.T) {
	f := newFixture(t, nil)
	m := f.mapping("paused", v1alpha1.SystemNinetyNineMinds)
	m.Spec.Suspend = true
	f.create(m)
	path := HookPath(f.ns, "paused")

	got := decodeAccepted(t, f.post(path, testToken, hook("customer/updated", "customer_a", "customer_b")))
	if got != (accepted{Ignored: 2, Reason: ReasonMappingSuspended}) {
		t.Errorf("answer %+v", got)
	}
	if n := counter(f.ns, "paused", OutcomeIgnored, ReasonMappingSuspended); n != 2 {
		t.Errorf("MappingSuspended counted %v, want 2", n)
	}
	// Resumed, it takes events again, and the suspended ones were dropped.
	f.update(m, func(m *v1alpha1.CustomerMapping) { m.Spec.Suspend = false })
	decodeAccepted(t, f.post(path, testToken, hook("customer/updated", "customer_c")))
	reqs := f.waitIDs("paused", 1)
	if len(reqs) != 1 || !slices.Equal(reqs[0].Spec.CustomerIDs, []string{"customer_c"}) {
		t.Errorf("requests: %+v", reqs)
	}
}

func TestBothBodyShapesPickTheSourceID(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("from-99minds", v1alpha1.SystemNinetyNineMinds))
	f.create(f.mapping("from-ipaas", v1alpha1.SystemIPaaS))

	bodies := map[string][]string{
		"from-99minds": {
			// iPaaS.com's hook format: external_id is the 99minds id.
			`{"id":"9c1","attempt":0,"notifications":[{"scope":"customer/updated","id":"158056","external_id":"customer_aaaaaaaaaaaaaaaaaa","tracking_guid":"t1"}]}`,
			// 99minds' own body.
			`{"notifications":[{"scope":"customer/created","external_id":"customer_bbbbbbbbbbbbbbbbbb"}]}`,
			// Only id set: the fallback.
			`{"notifications":[{"scope":"customer/updated","id":"customer_cccccccccccccccccc","external_id":null}]}`,
		},
		"from-ipaas": {
			`{"id":"9c2","attempt":1,"notifications":[{"scope":"customer/updated","id":"158056","external_id":null,"tracking_guid":"t2"}]}`,
			`{"id":"9c3","attempt":0,"notifications":[{"scope":"customer/created","id":158057,"external_id":"customer_dddddddddddddddddd"}]}`,
			`{"notifications":[{"scope":"customer/updated","external_id":"158058"}]}`,
		},
	}
	want := map[string][]string{
		"from-99minds": {"customer_aaaaaaaaaaaaaaaaaa", "customer_bbbbbbbbbbbbbbbbbb", "customer_cccccccccccccccccc"},
		"from-ipaas":   {"158056", "158057", "158058"},
	}
	for mapping, list := range bodies {
		for _, b := range list {
			if got := decodeAccepted(t, f.post(HookPath(f.ns, mapping), testToken, []byte(b))); got.Accepted != 1 {
				t.Errorf("%s: %s: answer %+v", mapping, b, got)
			}
		}
	}
	for mapping, ids := range want {
		reqs := f.waitIDs(mapping, len(ids))
		if got := slices.Sorted(maps.Keys(unionIDs(t, reqs))); !slices.Equal(got, ids) {
			t.Errorf("%s: ids %v, want %v", mapping, got, ids)
		}
		for _, r := range reqs {
			if r.Labels[LabelTrigger] != TriggerWebhook || r.Labels[LabelMapping] != mapping ||
				r.Spec.MappingRef.Name != mapping || r.Spec.Operation != v1alpha1.OperationAuto ||
				!strings.HasPrefix(r.Name, mapping+"-webhook-") {
				t.Errorf("%s: request %s: labels %v, spec %+v", mapping, r.Name, r.Labels, r.Spec)
			}
		}
	}
}
