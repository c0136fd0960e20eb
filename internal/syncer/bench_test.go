package syncer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// BenchmarkSync measures one record's whole transfer from the 99minds
// simulator to the iPaaS.com simulator over loopback HTTP (fetch of the
// customer, its cards and transactions; link lookup; CustomerNumber search;
// map; create; link), with 8 records in flight as the controller runs them.
// "create" creates every customer; "unchanged" first creates them and
// applies the Update collection once (it adds Company and Comment), then
// measures a pass that finds each by its link and writes nothing.
func BenchmarkSync(b *testing.B) {
	for _, pass := range []string{"create", "unchanged"} {
		b.Run(pass, func(b *testing.B) {
			f := newFixture(b, v1alpha1.CollisionUpdateAndLink)
			var ids []string
			for _, c := range f.nn.Generate(b.N).Customers {
				ids = append(ids, c.ID)
			}
			if pass == "unchanged" {
				runAll(b, f.s, ids, v1alpha1.ActionCreated)
				runAll(b, f.s, ids, "")
			}
			want := map[string]v1alpha1.RecordAction{"create": v1alpha1.ActionCreated, "unchanged": v1alpha1.ActionUnchanged}[pass]
			b.ResetTimer()
			runAll(b, f.s, ids, want)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// runAll syncs ids with 8 workers; want "" accepts any success.
func runAll(b *testing.B, s syncer.Flow, ids []string, want v1alpha1.RecordAction) {
	b.Helper()
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []syncer.Outcome
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if o := s.Sync(context.Background(), id, syncer.Options{}); o.Failed() || (want != "" && o.Action != want) {
					mu.Lock()
					bad = append(bad, o)
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	if len(bad) > 0 {
		b.Fatalf("%d records not %s, first: %+v", len(bad), want, bad[0])
	}
}

// BenchmarkSyncReverse measures iPaaS.com → 99minds creates over loopback
// HTTP with 8 in flight: fetch of the iPaaS.com customer (its links come
// with it), a client_customer_id lookup (one incremental list call after the
// first), the create, the card check and issue, and the link written back.
func BenchmarkSyncReverse(b *testing.B) {
	f := newReverseFixture(b)
	var ids []string
	for _, c := range f.ip.Generate(b.N) {
		ids = append(ids, c.ID)
	}
	b.ResetTimer()
	runAll(b, f.s, ids, v1alpha1.ActionCreated)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if n := len(f.nn.Customers()); n != b.N {
		b.Fatalf("99minds holds %d customers, want %d", n, b.N)
	}
}

// BenchmarkSyncAgainstRateLimit creates customers against an iPaaS.com
// that accepts 50 requests per second (429 with Retry-After above it) with
// no rateLimit configured: the connector learns the limit (connector.Adaptive)
// and sends again only the refused calls. It reports the share of iPaaS.com
// calls answered 429 after the first 10 seconds and the useful rate (calls
// answered 2xx per second, as a share of the limit).
//
//	go test ./internal/syncer/ -run '^$' -bench SyncAgainstRateLimit -benchtime 400x
func BenchmarkSyncAgainstRateLimit(b *testing.B) {
	const limit = 50
	f := newFixture(b, v1alpha1.CollisionUpdateAndLink)
	if err := f.ip.SetFaults(fault.Config{MaxRPS: limit}); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, c := range f.nn.Generate(b.N).Customers {
		ids = append(ids, c.ID)
	}
	start := time.Now()
	var warm struct {
		once      sync.Once
		calls, rl int64
		at        time.Time
	}
	stopWarm := make(chan struct{})
	go func() {
		select {
		case <-time.After(10 * time.Second):
			warm.once.Do(func() { warm.calls, warm.rl, warm.at = f.ip.Count(), refused(f.ip.FaultStats()), time.Now() })
		case <-stopWarm:
		}
	}()
	b.ResetTimer()
	runAll(b, f.s, ids, v1alpha1.ActionCreated)
	b.StopTimer()
	close(stopWarm)
	calls, rl := f.ip.Count(), refused(f.ip.FaultStats())
	if warm.at.IsZero() {
		b.Logf("the run took %s, under the 10 s warm-up; raise -benchtime", time.Since(start))
		warm.at = start
	}
	after := calls - warm.calls
	limited := rl - warm.rl
	b.ReportMetric(100*float64(limited)/float64(max(after, 1)), "%429-after-10s")
	b.ReportMetric(float64(after-limited)/time.Since(warm.at).Seconds()/limit, "useful-rate/limit")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// refused counts the answers 429: injected ones and those above maxRPS.
func refused(s fault.Stats) int64 { return s.RateLimited + s.RPSLimited }
