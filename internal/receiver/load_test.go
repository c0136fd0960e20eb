package receiver

import (
	"bytes"
	"io"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// TestLoad posts 2,000 webhooks, one notification each, from 16 concurrent
// clients over loopback, and checks that they become a few requests that
// together carry every id exactly once.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const (
		posts   = 2000
		clients = 16
		window  = 200 * time.Millisecond
	)
	f := newFixture(t, nil)
	f.create(f.mapping("load", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "load")

	ids := make([]string, posts)
	for i := range ids {
		ids[i] = customerID(i)
	}
	latencies := make([]time.Duration, posts)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				r, err := f.send("POST", path, testToken, bytesReader(hook("customer/updated", ids[i])))
				latencies[i] = time.Since(t0)
				if err != nil || r.status != 202 {
					t.Errorf("post %d: %d %q %v", i, r.status, r.body, err)
				}
			}
		})
	}
	for i := range posts {
		next <- i
	}
	close(next)
	wg.Wait()
	posting := time.Since(start)

	reqs := f.waitIDs("load", posts)
	settled := time.Since(start)
	all := unionIDs(t, reqs)
	if got := slices.Sorted(maps.Keys(all)); !slices.Equal(got, ids) {
		t.Errorf("the requests carry %d distinct ids, want the %d sent", len(got), len(ids))
	}
	for id, n := range all {
		if n != 1 {
			t.Errorf("%s is in %d requests", id, n)
		}
	}
	// A batch opens with its first event and closes a window later, so the
	// posting time bounds the number of batches; one more holds the tail.
	bound := int(math.Ceil(float64(posting)/float64(window))) + 2
	if len(reqs) > bound {
		t.Errorf("%d requests for %v of posting, want at most %d", len(reqs), posting, bound)
	}
	if got := counter(f.ns, "load", OutcomeAccepted, ReasonUpdated); got != posts {
		t.Errorf("accepted events counted %v, want %d", got, posts)
	}
	f.stop() // the metric is counted just after the create returns
	if got := value(syncRequestsCreated.WithLabelValues(f.ns, "load")); got != float64(len(reqs)) {
		t.Errorf("%s = %v, want %d", MetricSyncRequestsCreated, got, len(reqs))
	}

	slices.Sort(latencies)
	sizes := make([]int, len(reqs))
	for i, r := range reqs {
		sizes[i] = len(r.Spec.CustomerIDs)
	}
	t.Logf("%d posts from %d clients in %v (%.0f/s); latency p50 %v p99 %v max %v; "+
		"%d requests (bound %d) with %v ids; all ids in requests after %v",
		posts, clients, posting.Round(time.Millisecond), posts/posting.Seconds(),
		latencies[posts/2].Round(time.Microsecond), latencies[posts*99/100].Round(time.Microsecond),
		latencies[posts-1].Round(time.Microsecond), len(reqs), bound, sizes, settled.Round(time.Millisecond))
}
