package ipaas_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/connectortest"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

func TestAPIKeyMode(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, keyConfig(s.URL))
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteLogin) != 0 {
		t.Error("API key mode signed in")
	}
	bad := keyConfig(s.URL)
	bad.Credentials = map[string]string{"apiKey": "wrong-key-123"}
	err := newConnector(t, bad).Validate(ctx)
	if !errors.Is(err, connector.ErrUnauthorized) || connector.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if n := s.CountFor(sim.RouteListCustomers); n != 2 {
		t.Errorf("a static key must not be retried after 401: %d list calls, want 2", n)
	}
}

func TestSignInOnceThenReuse(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, signInConfig(s.URL))
	for range 5 {
		if err := c.Validate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s.CountFor(sim.RouteLogin) != 1 || s.CountFor(sim.RouteChangeCompany) != 1 || s.CountFor(sim.RouteRefresh) != 0 {
		t.Fatalf("counts %v", s.Counts())
	}
}

// TestTokenRefreshedBeforeExpiry advances a shared fake clock close to
// the token's expiry: the connector refreshes first, so the server never
// answers 401.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	clk := newClock()
	s := start(t, sim.Options{Now: clk.Now, TokenTTL: 10 * time.Minute})
	cfg := signInConfig(s.URL)
	cfg.Now = clk.Now
	c := newConnector(t, cfg)
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(8 * time.Minute) // not yet due
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteRefresh) != 0 {
		t.Fatal("refreshed too early")
	}
	clk.Add(time.Minute + 30*time.Second) // 30s before expiry: due
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteRefresh) != 1 || s.CountFor(sim.RouteLogin) != 1 {
		t.Fatalf("counts %v", s.Counts())
	}
	if n := s.CountFor(sim.RouteListCustomers); n != 3 {
		t.Fatalf("%d list calls for 3 validations: a 401 was retried", n)
	}
	// Ten minutes later the refreshed token is due again.
	clk.Add(10 * time.Minute)
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteRefresh) != 2 {
		t.Fatalf("counts %v", s.Counts())
	}
}

// TestShortTokenLifetime runs on the real clock with two-second tokens
// (expirations are sent in whole seconds) and keeps calling until tokens
// have been renewed.
func TestShortTokenLifetime(t *testing.T) {
	s := start(t, sim.Options{TokenTTL: 2 * time.Second})
	cfg := signInConfig(s.URL)
	cfg.RateLimit = &connector.RateLimit{RequestsPerSecond: 20, Burst: 1}
	c := newConnector(t, cfg)
	for i := 0; i < 200 && s.CountFor(sim.RouteRefresh)+s.CountFor(sim.RouteLogin) < 3; i++ {
		if err := c.Validate(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if renewals := s.CountFor(sim.RouteRefresh) + s.CountFor(sim.RouteLogin); renewals < 3 {
		t.Fatalf("tokens renewed %d times", renewals)
	}
}

// TestRefreshOnceAfter401 expires every token on the server: the next call
// gets 401, refreshes once and succeeds.
func TestRefreshOnceAfter401(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, signInConfig(s.URL))
	if _, err := c.Get(ctx, "158056"); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if _, err := c.Get(ctx, "158056"); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteRefresh) != 1 || s.CountFor(sim.RouteLogin) != 1 || s.CountFor(sim.RouteGetCustomer) != 3 {
		t.Fatalf("counts %v", s.Counts())
	}
}

// TestLoginAgainWhenRefreshFails lets the refresh token lapse too (fake
// clock past its 24h): the connector falls back to a fresh sign-in.
func TestLoginAgainWhenRefreshFails(t *testing.T) {
	clk := newClock()
	s := start(t, sim.Options{Now: clk.Now, TokenTTL: time.Hour, RefreshTTL: 2 * time.Hour})
	cfg := signInConfig(s.URL)
	cfg.Now = clk.Now
	c := newConnector(t, cfg)
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Hour)
	if err := c.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.CountFor(sim.RouteRefresh) != 1 || s.CountFor(sim.RouteLogin) != 2 || s.CountFor(sim.RouteChangeCompany) != 2 {
		t.Fatalf("counts %v", s.Counts())
	}
}

// TestConcurrentCallersShareOneSignIn starts many calls at once on a fresh
// connector: one sign-in serves them all.
func TestConcurrentCallersShareOneSignIn(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, signInConfig(s.URL))
	errs := make(chan error, 16)
	for range 16 {
		go func() { errs <- c.Validate(ctx) }()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if s.CountFor(sim.RouteLogin) != 1 {
		t.Fatalf("%d sign-ins", s.CountFor(sim.RouteLogin))
	}
}

func TestSignInFailures(t *testing.T) {
	s := start(t, sim.Options{})
	cases := map[string]struct {
		creds map[string]string
		want  error
	}{
		"wrong password":  {map[string]string{"username": user, "password": "wrong-password", "companyId": companyID}, connector.ErrUnauthorized},
		"foreign company": {map[string]string{"username": user, "password": password, "companyId": "7"}, connector.ErrForbidden},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := signInConfig(s.URL)
			cfg.Credentials = tc.creds
			err := newConnector(t, cfg).Validate(ctx)
			if !errors.Is(err, tc.want) || connector.IsTransient(err) {
				t.Fatalf("got %v", err)
			}
			connectortest.AssertNoSecrets(t, []string{fmtAll(err)}, tc.creds["password"], user)
		})
	}
}

func TestNewRejectsIncompleteCredentials(t *testing.T) {
	for name, creds := range map[string]map[string]string{
		"none":          {},
		"no password":   {"username": user, "companyId": companyID},
		"no company id": {"username": user, "password": password},
	} {
		cfg := signInConfig("https://api.ipaas.example")
		cfg.Credentials = creds
		_, err := ipaas.New(cfg)
		if !errors.Is(err, connector.ErrInvalidConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// TestNoSecretInErrorsOrLogs signs in, refreshes, fails in several ways
// with a logger at every verbosity, and searches every error and log line
// for the password, the API key and every token that crossed the wire.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	s := start(t, sim.Options{})
	var logs connectortest.LogCapture
	rec := &connectortest.TokenRecorder{Base: http.DefaultTransport}
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, fmtAll(err))
		}
	}
	cfg := signInConfig(s.URL)
	cfg.Logger, cfg.Base, cfg.Timeout = logs.Logger(), rec, 200*time.Millisecond
	c := newConnector(t, cfg)
	note(c.Validate(ctx))
	s.ExpireTokens()
	_, err := c.Get(ctx, "158056")
	note(err)
	_, err = c.Get(ctx, "999")
	note(err)
	_, err = c.SearchCustomers(ctx, ipaas.FieldEmailAddress, "nobody@example.com")
	note(err)
	s.Reset() // revokes every token: the next call gets 401, its refresh fails, a new sign-in works
	note(c.Validate(ctx))
	if s.CountFor(sim.RouteRefresh) != 1 || s.CountFor(sim.RouteLogin) != 1 {
		t.Errorf("after revocation: counts %v", s.Counts())
	}
	_ = s.SetFaults(fault.Config{HangRate: 1})
	note(c.Validate(ctx))
	_ = s.SetFaults(fault.Config{})

	key := keyConfig(s.URL)
	key.Logger, key.Base = logs.Logger(), rec
	note(newConnector(t, key).Validate(ctx))
	key.Credentials = map[string]string{"apiKey": "wrong-but-secret-key"}
	note(newConnector(t, key).Validate(ctx))

	bad := signInConfig(s.URL)
	bad.Logger, bad.Base = logs.Logger(), rec
	bad.Credentials = map[string]string{"username": user, "password": "another-secret-pw", "companyId": companyID}
	note(newConnector(t, bad).Validate(ctx))

	if len(texts) < 4 {
		t.Fatalf("expected failures to inspect, got %d", len(texts))
	}
	if len(rec.Tokens()) < 4 {
		t.Fatalf("recorded %d tokens", len(rec.Tokens()))
	}
	secrets := append([]string{password, apiKey, "wrong-but-secret-key", "another-secret-pw"}, rec.Tokens()...)
	connectortest.AssertNoSecrets(t, append(texts, logs.Lines()...), secrets...)
}
