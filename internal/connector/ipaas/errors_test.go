package ipaas_test

import (
	"errors"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

func TestErrorClassesFromSimulator(t *testing.T) {
	cases := []struct {
		name  string
		fault fault.Config
		kind  connector.Kind
		class connector.Class
		retry time.Duration
	}{
		{"429", fault.Config{RateLimitRate: 1, RetryAfter: 3 * time.Second}, connector.KindRateLimited, connector.Transient, 3 * time.Second},
		{"500", fault.Config{ErrorRate: 1, ErrorStatus: 500}, connector.KindUnavailable, connector.Transient, 0},
		{"503", fault.Config{ErrorRate: 1, ErrorStatus: 503, RetryAfter: time.Second}, connector.KindUnavailable, connector.Transient, 0},
		{"hung", fault.Config{HangRate: 1}, connector.KindTimeout, connector.Transient, 0},
		{"targeted 404", fault.Config{Targets: []fault.Target{{ID: "158056", Status: 404}}}, connector.KindNotFound, connector.Permanent, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, sim.Options{})
			if err := s.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			cfg := keyConfig(s.URL)
			cfg.Timeout = 200 * time.Millisecond
			_, err := newConnector(t, cfg).Get(ctx, "158056")
			class, delay := connector.Classify(err)
			if connector.KindOf(err) != tc.kind || class != tc.class {
				t.Fatalf("got %s/%s: %v", connector.KindOf(err), class, err)
			}
			if tc.retry > 0 && delay != tc.retry {
				t.Errorf("Retry-After %s, want %s", delay, tc.retry)
			}
		})
	}
}

// TestRetryAfterClassified lets one 429 through: the error carries the
// simulator's Retry-After for the caller's retry, and the next call passes.
func TestRetryAfterClassified(t *testing.T) {
	s := start(t, sim.Options{})
	err := s.SetFaults(fault.Config{Targets: []fault.Target{{ID: "158056", Status: 429, Times: 1}}, RetryAfter: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, keyConfig(s.URL))
	_, err = c.Get(ctx, "158056")
	if class, d := connector.Classify(err); class != connector.Transient || d != 2*time.Second {
		t.Fatalf("classified %s, %s: %v", class, d, err)
	}
	if _, err := c.Get(ctx, "158056"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests(0)); n != 2 {
		t.Fatalf("%d requests, want 2: the connector retried on its own", n)
	}
}

func TestUnauthorizedAfterRefreshFails(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, signInConfig(s.URL))
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	// The account is gone: the 401 leads to a refresh (refused: tokens are
	// revoked) and a sign-in (refused), and the call fails for good.
	s.Reset()
	_ = s.SetFaults(fault.Config{Paths: []string{"/sso/v2/Auth/Login"}, Targets: []fault.Target{{ID: "password", Status: 401}}})
	err := c.Validate(ctx)
	if !errors.Is(err, connector.ErrUnauthorized) || connector.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
}
