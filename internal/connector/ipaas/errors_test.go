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
			cfg.Resends = -1 // each answer as the caller gets it
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

// TestRetryAfterClassified: with resends off, one 429 is the caller's,
// carrying the simulator's Retry-After; with the default, only the refused
// call is sent again, after the Retry-After, and the caller sees success.
func TestRetryAfterClassified(t *testing.T) {
	s := start(t, sim.Options{})
	err := s.SetFaults(fault.Config{Targets: []fault.Target{{ID: "158056", Status: 429, Times: 1}}, RetryAfter: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	once := keyConfig(s.URL)
	once.Resends = -1
	_, err = newConnector(t, once).Get(ctx, "158056")
	if class, d := connector.Classify(err); class != connector.Transient || d != 2*time.Second {
		t.Fatalf("classified %s, %s: %v", class, d, err)
	}
	if err := s.SetFaults(fault.Config{Targets: []fault.Target{{ID: "158056", Status: 429, Times: 1}}, RetryAfter: time.Second}); err != nil {
		t.Fatal(err)
	}
	before := len(s.Requests(0))
	if _, err := newConnector(t, keyConfig(s.URL)).Get(ctx, "158056"); err != nil {
		t.Fatalf("the refused call was not sent again: %v", err)
	}
	reqs := s.Requests(0)[before:]
	if len(reqs) != 2 || reqs[1].Time.Sub(reqs[0].Time) < time.Second {
		t.Fatalf("%d requests, want the refused one and its resend a Retry-After later", len(reqs))
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
