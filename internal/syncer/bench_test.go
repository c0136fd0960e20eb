package syncer_test

import (
	"context"
	"sync"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
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
