package ninetynineminds_test

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/connectortest"
	"github.com/customersync/customer-sync-operator/internal/connector/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

// TestRateLimitSharedPerCredential sends 200 requests from two connectors
// that share one credential, eight goroutines each, with a limit of 100
// requests per second and a burst of 1, and measures the rate the
// simulator saw.
func TestRateLimitSharedPerCredential(t *testing.T) {
	const total, limit = 200, 100.0
	s := sim.StartForTest(t, sim.Options{APIKeys: []string{apiKey}, RecordLimit: 1000})
	reg := connector.NewRegistry()
	mk := func() *ninetynineminds.Connector {
		return newConnector(t, config(s.URL, func(c *ninetynineminds.Config) {
			c.Registry, c.Concurrency = reg, 8
			c.RateLimit = &connector.RateLimit{RequestsPerSecond: limit, Burst: 1}
		}))
	}
	conns := []*ninetynineminds.Connector{mk(), mk()}
	jobs := make(chan struct{}, total)
	for range total {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	errs := make(chan error, total)
	for _, c := range conns {
		for range 8 {
			wg.Go(func() {
				for range jobs {
					if err := c.Validate(ctx); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reqs := s.Requests(0)
	if len(reqs) != total {
		t.Fatalf("the simulator saw %d requests, want %d", len(reqs), total)
	}
	times := make([]time.Time, len(reqs))
	for i, r := range reqs {
		times[i] = r.Time
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	rate := float64(total-1) / times[total-1].Sub(times[0]).Seconds()
	t.Logf("measured %.1f requests/s over %d requests (limit %.0f)", rate, total, limit)
	if rate < limit*0.9 || rate > limit*1.1 {
		t.Fatalf("measured %.1f requests/s, want within 10%% of %.0f", rate, limit)
	}
}

// TestRetryAfterFromSimulator answers one 429 with Retry-After: 1. With
// resends off the error carries it for the caller's retry; by default the
// connector sends that one call again after it, and the caller sees success.
func TestRetryAfterFromSimulator(t *testing.T) {
	s := start(t)
	limited := fault.Config{Targets: []fault.Target{{ID: janeID, Status: 429, Times: 1}}, RetryAfter: time.Second, Paths: []string{"/customers/"}}
	if err := s.SetFaults(limited); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.Resends = -1 }))
	_, first := c.Get(ctx, janeID)
	if class, d := connector.Classify(first); class != connector.Transient || d != time.Second || !errors.Is(first, connector.ErrRateLimited) {
		t.Fatalf("the 429 classified as %s, %s: %v", class, d, first)
	}
	if n := len(s.Requests(0)); n != 1 {
		t.Fatalf("%d requests with resends off, want 1", n)
	}
	if err := s.SetFaults(limited); err != nil {
		t.Fatal(err)
	}
	if _, err := newConnector(t, config(s.URL)).Get(ctx, janeID); err != nil {
		t.Fatalf("the refused call was not sent again: %v", err)
	}
	reqs := s.Requests(0)
	if len(reqs) != 3 || reqs[2].Time.Sub(reqs[1].Time) < time.Second {
		t.Fatalf("%d requests, want the refused one and its resend a Retry-After later", len(reqs))
	}
}

func TestErrorClassesFromSimulator(t *testing.T) {
	cases := []struct {
		name  string
		fault fault.Config
		kind  connector.Kind
		class connector.Class
	}{
		{"500", fault.Config{ErrorRate: 1, ErrorStatus: 500}, connector.KindUnavailable, connector.Transient},
		{"502", fault.Config{ErrorRate: 1, ErrorStatus: 502}, connector.KindUnavailable, connector.Transient},
		{"503", fault.Config{ErrorRate: 1, ErrorStatus: 503}, connector.KindUnavailable, connector.Transient},
		{"504", fault.Config{ErrorRate: 1, ErrorStatus: 504}, connector.KindUnavailable, connector.Transient},
		{"429", fault.Config{RateLimitRate: 1, RetryAfter: 2 * time.Second}, connector.KindRateLimited, connector.Transient},
		{"rps ceiling", fault.Config{MaxRPS: 1}, connector.KindRateLimited, connector.Transient},
		{"hung", fault.Config{HangRate: 1}, connector.KindTimeout, connector.Transient},
		{"403", fault.Config{Targets: []fault.Target{{ID: janeID, Status: 403}}}, connector.KindForbidden, connector.Permanent},
		{"409", fault.Config{Targets: []fault.Target{{ID: janeID, Status: 409}}}, connector.KindConflict, connector.Permanent},
		{"418", fault.Config{Targets: []fault.Target{{ID: janeID, Status: 418}}}, connector.KindRejected, connector.Permanent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t)
			if err := s.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.Timeout = 200 * time.Millisecond; c.Resends = -1 }))
			var err error
			for range 3 { // the rps ceiling lets the first request through
				if _, err = c.Get(ctx, janeID); err != nil {
					break
				}
			}
			class, delay := connector.Classify(err)
			if connector.KindOf(err) != tc.kind || class != tc.class {
				t.Fatalf("got %s/%s: %v", connector.KindOf(err), class, err)
			}
			if tc.name == "429" && delay != 2*time.Second {
				t.Errorf("Retry-After %s, want 2s", delay)
			}
		})
	}
}

// TestNoSecretInErrorsOrLogs runs successes and failures with a logger at
// every verbosity and searches all output for the key.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	s := start(t)
	var logs connectortest.LogCapture
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) {
		c.Logger = logs.Logger()
		c.Timeout = 200 * time.Millisecond
	}))
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmtAll(err))
		}
	}
	_, err := c.Fetch(ctx, janeID)
	note(err)
	_, err = c.Fetch(ctx, "customer_000000000000000000")
	note(err)
	_, err = c.Create(ctx, "", payload(map[string]any{"Name": "x " + apiKey}))
	note(err)
	_ = s.SetFaults(fault.Config{HangRate: 1})
	note(c.Validate(ctx))
	_ = s.SetFaults(fault.Config{})
	s.SetAPIKeys("another-key")
	note(c.Validate(ctx))
	if len(texts) < 6 {
		t.Fatalf("expected failures to inspect, got %d texts", len(texts))
	}
	if len(logs.Lines()) == 0 {
		t.Fatal("nothing was logged at V(1)")
	}
	connectortest.AssertNoSecrets(t, append(texts, logs.Lines()...), apiKey)
}
