package openai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

func TestErrorClasses(t *testing.T) {
	cases := []struct {
		name   string
		opts   sim.Options
		setup  func(*sim.Server) error
		prompt string
		key    string
		kind   connector.Kind
		class  connector.Class
		code   string
		retry  time.Duration
	}{
		{name: "401 invalid_api_key", key: "sk-wrong-key-9876543210", kind: connector.KindUnauthorized, class: connector.Permanent, code: "invalid_api_key"},
		{name: "429 rate_limit_exceeded", opts: sim.Options{RateLimitReset: 7 * time.Second}, prompt: sim.MarkerRateLimit,
			kind: connector.KindRateLimited, class: connector.Transient, code: "rate_limit_exceeded", retry: 7 * time.Second},
		{name: "429 injected", setup: func(s *sim.Server) error {
			return s.SetFaults(fault.Config{RateLimitRate: 1, RetryAfter: 3 * time.Second})
		}, kind: connector.KindRateLimited, class: connector.Transient, code: "rate_limit_exceeded", retry: 3 * time.Second},
		{name: "429 insufficient_quota", setup: func(s *sim.Server) error { s.SetQuotaExhausted(true); return nil },
			kind: connector.KindQuotaExceeded, class: connector.Permanent, code: "insufficient_quota"},
		{name: "429 insufficient_quota marker", prompt: sim.MarkerInsufficientQuota,
			kind: connector.KindQuotaExceeded, class: connector.Permanent, code: "insufficient_quota"},
		{name: "500", prompt: sim.MarkerServerError, kind: connector.KindUnavailable, class: connector.Transient, code: "server_error"},
		{name: "503 injected", setup: func(s *sim.Server) error {
			return s.SetFaults(fault.Config{ErrorRate: 1, ErrorStatus: 503})
		}, kind: connector.KindUnavailable, class: connector.Transient, code: "server_error", retry: time.Second},
		{name: "hung", setup: func(s *sim.Server) error { return s.SetFaults(fault.Config{HangRate: 1}) },
			kind: connector.KindTimeout, class: connector.Transient},
		{name: "unknown model", opts: sim.Options{Models: []string{"gpt-4o"}}, kind: connector.KindNotFound,
			class: connector.Permanent, code: "model_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			if tc.setup != nil {
				if err := tc.setup(s); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config(s)
			cfg.Timeout = 200 * time.Millisecond
			if tc.key != "" {
				cfg.Credentials = map[string]string{"apiKey": tc.key}
			}
			a, err := newClient(t, cfg).Complete(ctx, request(prompt+" "+tc.prompt))
			class, retry := connector.Classify(err)
			if a != nil || connector.KindOf(err) != tc.kind || class != tc.class {
				t.Fatalf("got %s/%s: %v", connector.KindOf(err), class, err)
			}
			if retry != tc.retry {
				t.Errorf("RetryAfter %s, want %s", retry, tc.retry)
			}
			var ce *connector.Error
			if !asError(err, &ce) || ce.Code != tc.code || ce.System != "OpenAI" || ce.Operation != "Complete" {
				t.Errorf("error %+v", ce)
			}
			if ce.Request != "POST /v1/chat/completions" {
				t.Errorf("request line %q", ce.Request)
			}
		})
	}
}

// stripRetryAfter drops Retry-After from responses, as some proxies do.
type stripRetryAfter struct{ base http.RoundTripper }

func (s stripRetryAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(r)
	if resp != nil {
		resp.Header.Del("Retry-After")
	}
	return resp, err
}

func TestRateLimitFallsBackToResetHeader(t *testing.T) {
	s := start(t, sim.Options{RateLimitReset: 90 * time.Second})
	cfg := config(s)
	cfg.Base = stripRetryAfter{base: http.DefaultTransport}
	_, err := newClient(t, cfg).Complete(ctx, request(prompt+" "+sim.MarkerRateLimit))
	if d, ok := connector.RetryAfter(err); !ok || d != 90*time.Second || !connector.IsTransient(err) {
		t.Fatalf("RetryAfter %s %v: %v", d, ok, err)
	}
}

func TestCanceledContextIsTransient(t *testing.T) {
	s := start(t, sim.Options{})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := newClient(t, config(s)).Complete(cctx, request(prompt))
	if connector.KindOf(err) != connector.KindCanceled || !connector.IsTransient(err) {
		t.Fatalf("%s: %v", connector.KindOf(err), err)
	}
}

func TestUnauthorizedSaysWhatToCheck(t *testing.T) {
	s := start(t, sim.Options{})
	cfg := config(s)
	cfg.Credentials = map[string]string{"apiKey": "sk-wrong-key-9876543210"}
	_, err := newClient(t, cfg).Complete(ctx, request(prompt))
	if !errors.Is(err, connector.ErrUnauthorized) || !strings.Contains(err.Error(), "check apiKey") {
		t.Fatalf("%v", err)
	}
}

func TestOrganizationHeader(t *testing.T) {
	s := start(t, sim.Options{Organizations: []string{"org-good"}})
	cfg := config(s)
	cfg.Credentials = map[string]string{"apiKey": apiKey, "organization": "org-good"}
	if _, err := newClient(t, cfg).Complete(ctx, request(prompt)); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests(1)[0].Header.Get("OpenAI-Organization"); got != "org-good" {
		t.Errorf("OpenAI-Organization %q", got)
	}
	cfg.Credentials = map[string]string{"apiKey": apiKey, "organization": "org-other"}
	cfg.Registry = connector.NewRegistry()
	_, err := newClient(t, cfg).Complete(ctx, request(prompt))
	if connector.KindOf(err) != connector.KindUnauthorized || connector.IsTransient(err) {
		t.Errorf("unknown organization: %v", err)
	}
}

func asError(err error, target **connector.Error) bool { return errors.As(err, target) }
