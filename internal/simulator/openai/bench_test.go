package openai_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// BenchmarkChatCompletionLoopback measures structured chat completions through go-openai over
// real TCP loopback, in parallel (client and server share the cores).
func BenchmarkChatCompletionLoopback(b *testing.B) {
	s := openai.StartForTest(b, openai.Options{APIKeys: []string{key}})
	cfg := goopenai.DefaultConfig(key)
	cfg.BaseURL = s.URL + "/v1"
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	c := goopenai.NewClientWithConfig(cfg)
	req := request(system, user)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.CreateChatCompletion(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
