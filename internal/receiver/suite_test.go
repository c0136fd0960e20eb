package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

var (
	env *testenv.Env
	// cached reads through an informer cache, as the manager's client does,
	// and writes to the API server.
	cached client.Client
)

func TestMain(m *testing.M) {
	out := io.Discard
	if os.Getenv("RECEIVER_TEST_LOGS") != "" {
		out = os.Stderr
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(out), zap.Level(zapcore.Level(-2))))
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if env, err = testenv.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = env.Stop() }()
	c, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return 0, errors.New("cache did not sync")
	}
	if cached, err = client.New(env.Config, client.Options{Scheme: env.Scheme, Cache: &client.CacheOptions{Reader: c}}); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

const testToken = "s3cret-webhook-token"

// testWindow is the tests' coalesce window: short, so that they wait for
// requests briefly.
const testWindow = 200 * time.Millisecond

// fixture is one test's namespace and a receiver serving on loopback.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	ns   string
	url  string
	recv *Receiver
	stop func() // stops the receiver and waits for its shutdown
}

// newFixture starts a receiver with a short window and quick retries;
// change adjusts its options.
func newFixture(t *testing.T, change func(*Options)) *fixture {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Listener:              ln,
		Client:                cached,
		DefaultCoalesceWindow: testWindow,
		RetryBackoff:          connector.Backoff{Base: 20 * time.Millisecond, Cap: 200 * time.Millisecond},
		ShutdownTimeout:       20 * time.Second,
	}
	if change != nil {
		change(&o)
	}
	f := &fixture{t: t, ctx: t.Context(), ns: env.Namespace(t), url: "http://" + ln.Addr().String(), recv: New(o)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.recv.Start(ctx) }()
	stopped := false
	f.stop = func() {
		if stopped {
			return
		}
		stopped = true
		// Connections the client opened but never used would hold the
		// server's shutdown for 5s.
		httpClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("receiver: %v", err)
		}
	}
	t.Cleanup(f.stop)
	f.secret("webhook", map[string]string{"token": testToken + "\n", "hmac": "hmac-key"})
	return f
}

func (f *fixture) secret(name string, data map[string]string) {
	f.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns}, StringData: data}
	if err := env.Client.Create(f.ctx, s); err != nil {
		f.t.Fatal(err)
	}
	f.waitCached(s)
}

// mapping builds a mapping from source with a webhook trigger for events.
func (f *fixture) mapping(name string, source v1alpha1.SystemType, events ...v1alpha1.TriggerEvent) *v1alpha1.CustomerMapping {
	if len(events) == 0 {
		events = []v1alpha1.TriggerEvent{v1alpha1.TriggerCreated, v1alpha1.TriggerUpdated}
	}
	m := &v1alpha1.CustomerMapping{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: v1alpha1.CustomerMappingSpec{
			Source: v1alpha1.SystemEndpoint{System: source, Endpoint: "https://source.invalid",
				CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "source"}},
			Destination: v1alpha1.SystemEndpoint{Endpoint: "https://destination.invalid",
				CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "destination"}},
			Triggers: &v1alpha1.Triggers{Events: events, Webhook: &v1alpha1.WebhookTrigger{
				TokenSecretRef: v1alpha1.SecretKeyReference{Name: "webhook", Key: "token"},
				CoalesceWindow: &metav1.Duration{Duration: testWindow}}},
		},
	}
	switch source {
	case v1alpha1.SystemNinetyNineMinds:
		m.Spec.Destination.System, m.Spec.Destination.SystemID = v1alpha1.SystemIPaaS, ptr.To[int32](4711)
		m.Spec.AddRules = []v1alpha1.Rule{{Type: v1alpha1.RuleField, SourceField: "email",
			Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldEmailAddress}}}
	default:
		m.Spec.Destination.System, m.Spec.Source.SystemID = v1alpha1.SystemNinetyNineMinds, ptr.To[int32](4711)
		m.Spec.AddRules = []v1alpha1.Rule{{Type: v1alpha1.RuleField, SourceField: "email_address",
			Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldEmail}}}
	}
	return m
}

// create creates obj and waits until the receiver's cache sees it.
func (f *fixture) create(obj client.Object) {
	f.t.Helper()
	if err := env.Client.Create(f.ctx, obj); err != nil {
		f.t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
	f.waitCached(obj)
}

// update changes a mapping and waits until the cache has the change.
func (f *fixture) update(m *v1alpha1.CustomerMapping, change func(*v1alpha1.CustomerMapping)) {
	f.t.Helper()
	change(m)
	if err := env.Client.Update(f.ctx, m); err != nil {
		f.t.Fatal(err)
	}
	f.eventually("the cache to see the update", func() (bool, error) {
		got := &v1alpha1.CustomerMapping{}
		if err := cached.Get(f.ctx, client.ObjectKeyFromObject(m), got); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return got.ResourceVersion == m.ResourceVersion, nil
	})
}

func (f *fixture) waitCached(obj client.Object) {
	f.t.Helper()
	f.eventually("the cache to see "+obj.GetName(), func() (bool, error) {
		err := cached.Get(f.ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		return err == nil, client.IgnoreNotFound(err)
	})
}

// eventually polls cond until it holds; it waits for the receiver to act and
// never stands in for an assertion.
func (f *fixture) eventually(what string, cond func() (bool, error)) {
	f.t.Helper()
	err := wait.PollUntilContextTimeout(f.ctx, 25*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) { return cond() })
	if err != nil {
		f.t.Fatalf("waiting for %s: %v", what, err)
	}
}

var httpClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64},
}

type response struct {
	status int
	header http.Header
	body   string
}

// post sends body to path with the token (none when empty) and headers.
func (f *fixture) post(path, token string, body []byte, header ...string) response {
	f.t.Helper()
	r, err := f.send(http.MethodPost, path, token, bytes.NewReader(body), header...)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) send(method, path, token string, body io.Reader, header ...string) (response, error) {
	req, err := http.NewRequestWithContext(f.ctx, method, f.url+path, body)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, err
}

// hook returns a body in the 99minds shape, one notification per id.
func hook(scope string, ids ...string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"notifications":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"scope":%q,"external_id":%q}`, scope, id)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// requests lists the sync requests of mapping, straight from the API server.
func (f *fixture) requests(mapping string) []v1alpha1.CustomerSyncRequest {
	f.t.Helper()
	list := &v1alpha1.CustomerSyncRequestList{}
	if err := env.Client.List(f.ctx, list, client.InNamespace(f.ns), client.MatchingLabels{LabelMapping: mapping}); err != nil {
		f.t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b v1alpha1.CustomerSyncRequest) int {
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	return list.Items
}

// waitIDs waits until the requests of mapping carry want ids in all, and
// returns the requests.
func (f *fixture) waitIDs(mapping string, want int) []v1alpha1.CustomerSyncRequest {
	f.t.Helper()
	var reqs []v1alpha1.CustomerSyncRequest
	f.eventually(fmt.Sprintf("%d ids in requests of %s", want, mapping), func() (bool, error) {
		reqs = f.requests(mapping)
		n := 0
		for _, r := range reqs {
			n += len(r.Spec.CustomerIDs)
		}
		return n >= want, nil
	})
	return reqs
}

// unionIDs checks that no request repeats an id and returns every id.
func unionIDs(t *testing.T, reqs []v1alpha1.CustomerSyncRequest) map[string]int {
	t.Helper()
	all := map[string]int{}
	for _, r := range reqs {
		seen := map[string]bool{}
		for _, id := range r.Spec.CustomerIDs {
			if seen[id] {
				t.Errorf("request %s carries %s twice", r.Name, id)
			}
			seen[id] = true
			all[id]++
		}
	}
	return all
}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}
