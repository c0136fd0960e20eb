package ipaas_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

// BenchmarkGetCustomerLoopback measures GET /customers/v2/Customer/{id} over real TCP loopback
// with a keep-alive client, in parallel (client and server share the cores).
func BenchmarkGetCustomerLoopback(b *testing.B) {
	s := ipaas.StartForTest(b, ipaas.Options{APIKeys: []string{key}, Seed: 1, Generate: 1000})
	var urls []string
	for _, c := range s.Customers() {
		urls = append(urls, s.URL+"/customers/v2/Customer/"+c.ID)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		reqs := make([]*http.Request, len(urls))
		for i, u := range urls {
			reqs[i], _ = http.NewRequest("GET", u, nil)
			reqs[i].Header.Set("Authorization", "Bearer "+key)
		}
		for i := 0; pb.Next(); i++ {
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
