package ninetynineminds_test

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

// BenchmarkGetCustomerLoopback measures simple GETs over real TCP on loopback with a keep-alive
// client, in parallel: the simulator must never be the bottleneck of an operator benchmark
// (target: 20,000 req/s on 2 cores). The req/s metric counts client and server on the same cores.
func BenchmarkGetCustomerLoopback(b *testing.B) {
	s := ninetynineminds.StartForTest(b, ninetynineminds.Options{APIKeys: []string{key}, Seed: 1, Generate: 1000})
	ids := make([]string, 0, 1000)
	for _, c := range s.Customers() {
		ids = append(ids, s.URL+"/api/v1/ipaas/customers/"+c.ID)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}
	var n atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		reqs := make([]*http.Request, len(ids)) // reused: each is done before it is sent again
		for i, u := range ids {
			reqs[i], _ = http.NewRequest("GET", u, nil)
			reqs[i].Header.Set("Authorization", "Bearer "+key)
		}
		for i := int(n.Add(1)); pb.Next(); i++ {
			resp, err := client.Do(reqs[i%len(reqs)])
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
