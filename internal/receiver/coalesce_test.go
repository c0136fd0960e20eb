package receiver

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func customerID(i int) string { return fmt.Sprintf("customer_%018x", i) }

// postAll posts one notification per id, all at once, and fails the test
// on any answer but 202. Each answer waits until its event is stored.
func (f *fixture) postAll(path string, ids []string) {
	f.t.Helper()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			r, err := f.send("POST", path, testToken, bytesReader(hook("customer/updated", id)))
			if err != nil || r.status != 202 {
				f.t.Errorf("posting %s: %d %q %v", id, r.status, r.body, err)
			}
		})
	}
	wg.Wait()
}

func TestEventsInOneWindowMakeOneRequest(t *testing.T) {
	const window = 1500 * time.Millisecond
	f := newFixture(t, nil)
	m := f.mapping("burst", v1alpha1.SystemNinetyNineMinds)
	m.Spec.Triggers.Webhook.CoalesceWindow = &metav1.Duration{Duration: window}
	m.Spec.Triggers.TTLSecondsAfterFinished = ptr.To[int32](600)
	f.create(m)
	path := HookPath(f.ns, "burst")

	// 60 events for 40 customers, inside one window.
	var first []string
	for i := range 60 {
		first = append(first, customerID(i%40))
	}
	start := time.Now()
	f.postAll(path, first)
	// 202 means stored: by then the request exists, and the senders waited
	// for the window, not much longer.
	if took := time.Since(start); took < window || took > window+5*time.Second {
		t.Errorf("the deliveries were answered after %v; want the %v window and the create", took, window)
	}
	reqs := f.requests("burst")
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	// Triggered requests expire, as the mapping's triggers say.
	if ttl := reqs[0].Spec.TTLSecondsAfterFinished; ttl == nil || *ttl != 600 {
		t.Errorf("ttlSecondsAfterFinished = %v, want 600", ttl)
	}
	if got, want := slices.Sorted(slices.Values(reqs[0].Spec.CustomerIDs)), slices.Compact(slices.Sorted(slices.Values(first))); !slices.Equal(got, want) {
		t.Errorf("first request has %d ids, want the %d unique ones", len(got), len(want))
	}

	// The next window makes the next request, with customers seen before too.
	var second []string
	for i := 30; i < 60; i++ {
		second = append(second, customerID(i))
	}
	f.postAll(path, second)
	reqs = f.requests("burst")
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if got := slices.Sorted(slices.Values(reqs[1].Spec.CustomerIDs)); !slices.Equal(got, second) {
		t.Errorf("second request has ids %v, want %v", got, second)
	}
	f.stop() // the metric is counted just after the create returns
	if got := value(syncRequestsCreated.WithLabelValues(f.ns, "burst")); got != 2 {
		t.Errorf("%s = %v, want 2", MetricSyncRequestsCreated, got)
	}
}

func TestFullBatchesSplitAndShutdownFlushes(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxIDsPerRequest = 10 })
	m := f.mapping("split", v1alpha1.SystemNinetyNineMinds)
	m.Spec.Triggers.Webhook.CoalesceWindow = &metav1.Duration{Duration: 10 * time.Second}
	f.create(m)
	path := HookPath(f.ns, "split")

	var ids []string
	for i := range 25 {
		ids = append(ids, customerID(i))
	}
	var wg sync.WaitGroup
	for _, body := range [][]byte{hook("customer/updated", ids...), hook("customer/updated", ids[20:]...)} {
		wg.Go(func() { decodeAccepted(t, f.post(path, testToken, body)) }) // the second is deduplicated
	}

	// Two full requests go at once, without waiting for the long window.
	if reqs := f.waitIDs("split", 20); len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2 full ones", len(reqs))
	}
	// The last five go at shutdown, and only then are the senders answered.
	f.stop()
	wg.Wait()
	reqs := f.requests("split")
	if len(reqs) != 3 {
		t.Fatalf("after shutdown: %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if len(r.Spec.CustomerIDs) > 10 {
			t.Errorf("request %s has %d ids, more than MaxIDsPerRequest", r.Name, len(r.Spec.CustomerIDs))
		}
	}
	all := unionIDs(t, reqs)
	if got := slices.Sorted(maps.Keys(all)); !slices.Equal(got, ids) || len(all) != 25 {
		t.Errorf("ids %v, want %v", got, ids)
	}
	for id, n := range all {
		if n != 1 {
			t.Errorf("%s is in %d requests", id, n)
		}
	}
}

// flaky fails the first creates with fail(n), n counting from 0.
type flaky struct {
	client.Client
	calls atomic.Int32
	fail  func(n int) error
}

func (c *flaky) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if err := c.fail(int(c.calls.Add(1) - 1)); err != nil {
		return err
	}
	return c.Client.Create(ctx, obj, opts...)
}

func TestFailedCreatesAreRetried(t *testing.T) {
	c := &flaky{Client: cached, fail: func(n int) error {
		if n < 3 {
			return apierrors.NewServiceUnavailable("etcd is having a moment")
		}
		return nil
	}}
	f := newFixture(t, func(o *Options) { o.Client = c })
	f.create(f.mapping("retried", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "retried")
	// The first create fails: the sender is told to retry (its events were
	// not stored yet), and the ids stay pending all the same.
	if r := f.post(path, testToken, hook("customer/updated", customerID(1), customerID(2))); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("a delivery whose create failed: %d %q, want 503 with Retry-After", r.status, r.body)
	}
	f.eventually("the failed creates to be retried", func() (bool, error) { return c.calls.Load() >= 3, nil })
	decodeAccepted(t, f.post(path, testToken, hook("customer/created", customerID(3))))

	reqs := f.waitIDs("retried", 3)
	if got := slices.Sorted(maps.Keys(unionIDs(t, reqs))); !slices.Equal(got, []string{customerID(1), customerID(2), customerID(3)}) {
		t.Errorf("ids %v", got)
	}
	if n := c.calls.Load(); n < 4 {
		t.Errorf("%d creates, want at least 4 (3 failed)", n)
	}
	for _, reason := range []string{DropRejected, DropShutdown} {
		if got := value(idsDropped.WithLabelValues(f.ns, "retried", reason)); got != 0 {
			t.Errorf("%s dropped %v ids", reason, got)
		}
	}
}

func TestRefusedAndAbandonedIDsAreCounted(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	c := &flaky{Client: cached, fail: func(int) error {
		if refuse.Load() {
			return apierrors.NewInvalid(schema.GroupKind{Group: "sync.customersync.io", Kind: "CustomerSyncRequest"}, "x", nil)
		}
		return apierrors.NewTimeoutError("slow", 1)
	}}
	f := newFixture(t, func(o *Options) { o.Client = c; o.ShutdownTimeout = 300 * time.Millisecond })
	f.create(f.mapping("doomed", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "doomed")

	if r := f.post(path, testToken, hook("customer/updated", customerID(1), customerID(2))); r.status != 503 {
		t.Errorf("refused ids: got %d %q, want 503", r.status, r.body)
	}
	f.eventually("the refused ids to be counted", func() (bool, error) {
		return value(idsDropped.WithLabelValues(f.ns, "doomed", DropRejected)) == 2, nil
	})
	refuse.Store(false)
	r := f.post(path, testToken, hook("customer/updated", customerID(3)))
	if r.status != 503 {
		t.Errorf("a delivery whose create timed out: got %d %q, want 503", r.status, r.body)
	}
	f.stop() // the create keeps timing out until the shutdown deadline
	if got := value(idsDropped.WithLabelValues(f.ns, "doomed", DropShutdown)); got != 1 {
		t.Errorf("abandoned at shutdown: %v ids, want 1", got)
	}
}

func TestBacklogAsksSendersToRetry(t *testing.T) {
	c := &flaky{Client: cached, fail: func(int) error { return apierrors.NewServiceUnavailable("down") }}
	f := newFixture(t, func(o *Options) {
		o.Client = c
		o.MaxIDsPerRequest, o.MaxPendingIDs = 2, 3
		o.ShutdownTimeout = 100 * time.Millisecond
	})
	f.create(f.mapping("stuck", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "stuck")
	if r := f.post(path, testToken, hook("customer/updated", customerID(1), customerID(2), customerID(3))); r.status != 503 {
		t.Errorf("a delivery whose create failed: got %d %q, want 503", r.status, r.body)
	}
	r := f.post(path, testToken, hook("customer/updated", customerID(4)))
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("over the backlog: got %d %q, want 503 with Retry-After", r.status, r.body)
	}
	if got := counter(f.ns, "stuck", OutcomeRejected, ReasonBacklogged); got != 1 {
		t.Errorf("Backlogged counted %v, want 1", got)
	}
}

func TestStartFailsWhenItCannotListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	r := New(Options{Addr: ln.Addr().String(), Client: cached})
	if err := r.Start(t.Context()); err == nil {
		t.Error("Start on a taken port returned nil")
	}
}
