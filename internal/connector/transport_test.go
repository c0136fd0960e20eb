package connector_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func newClient(t *testing.T, url string, tc connector.TransportConfig, auth connector.Authorizer) *connector.Client {
	t.Helper()
	if tc.System == "" {
		tc.System = "test"
	}
	if tc.Registry == nil {
		tc.Registry = connector.NewRegistry()
	}
	c, err := connector.NewClient(connector.ClientConfig{System: tc.System, BaseURL: url, Transport: connector.NewTransport(tc), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTransportTimeoutIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // a hung upstream: never answers
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{Timeout: 50 * time.Millisecond}, nil)
	err := c.Do(context.Background(), connector.Call{Operation: "Hang", Method: http.MethodGet, Path: "/x"})
	if connector.KindOf(err) != connector.KindTimeout || !connector.IsTransient(err) {
		t.Fatalf("got %v (kind %s)", err, connector.KindOf(err))
	}
	if !errors.Is(err, connector.ErrTimeout) {
		t.Error("errors.Is(err, ErrTimeout) = false")
	}
}

func TestTransportTimeoutCoversBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{Timeout: 50 * time.Millisecond}, nil)
	var out map[string]any
	err := c.Do(context.Background(), connector.Call{Operation: "SlowBody", Method: http.MethodGet, Path: "/x", Out: &out})
	if connector.KindOf(err) != connector.KindTimeout || !connector.IsTransient(err) {
		t.Fatalf("got %v (kind %s)", err, connector.KindOf(err))
	}
}

func TestTransportConnectionResetIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	err := c.Do(context.Background(), connector.Call{Operation: "Reset", Method: http.MethodPost, Path: "/x", Body: map[string]string{"a": "b"}})
	if connector.KindOf(err) != connector.KindNetwork || !connector.IsTransient(err) {
		t.Fatalf("got %v (kind %s)", err, connector.KindOf(err))
	}
}

func TestTransportCanceledByCaller(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- c.Do(ctx, connector.Call{Operation: "Cancel", Method: http.MethodGet, Path: "/x"}) }()
	cancel()
	if err := <-errc; connector.KindOf(err) != connector.KindCanceled {
		t.Fatalf("got %v", err)
	}
}

// TestRetryAfterIsClassified reads a 429's Retry-After into the error, for
// the syncer's retry to honour; the connector itself does not retry.
func TestRetryAfterIsClassified(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	err := c.Do(context.Background(), connector.Call{Operation: "Get", Method: http.MethodGet, Path: "/x"})
	if class, d := connector.Classify(err); class != connector.Transient || d != time.Second {
		t.Fatalf("classified %s, %s: %v", class, d, err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls: the connector retried on its own", n)
	}
}

// TestHTTPClientForForeignLibraries uses the transport as a plain
// *http.Client, as go-openai will, and classifies from the captured
// response metadata.
func TestHTTPClientForForeignLibraries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["retry-after"] = []string{"3"} // sent in lower case, as OpenAI does
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`))
	}))
	defer srv.Close()
	hc := connector.NewTransport(connector.TransportConfig{System: "OpenAI", Registry: connector.NewRegistry()}).Client()
	ctx, meta := connector.CaptureResponse(connector.WithOperation(context.Background(), "ChatCompletion"))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/chat/completions", strings.NewReader(`{}`))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	status, header := meta.Last()
	e := connector.FromStatus(connector.StatusInfo{System: "OpenAI", Operation: "ChatCompletion", StatusCode: status,
		Header: header, Detail: connector.ParseErrorBody(body)})
	if e.Kind != connector.KindRateLimited || e.RetryAfter != 3*time.Second {
		t.Fatalf("got %v", e)
	}
	if counterValue(t, "OpenAI", "ChatCompletion", "429") < 1 {
		t.Error("request not counted")
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer fresh" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	a := &flipAuth{token: "old"}
	c := newClient(t, srv.URL, connector.TransportConfig{}, a)
	if err := c.Do(context.Background(), connector.Call{Operation: "Get", Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || a.rejected != 1 {
		t.Fatalf("calls=%d rejected=%d", calls.Load(), a.rejected)
	}
	a.token, a.next = "bad", "still-bad"
	err := c.Do(context.Background(), connector.Call{Operation: "Get", Method: http.MethodGet, Path: "/x"})
	if !errors.Is(err, connector.ErrUnauthorized) || calls.Load() != 4 {
		t.Fatalf("second 401 must fail: calls=%d err=%v", calls.Load(), err)
	}
}

type flipAuth struct {
	token, next string
	rejected    int
}

func (a *flipAuth) Authorize(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

func (a *flipAuth) Rejected(context.Context, *http.Request) bool {
	a.rejected++
	a.token = "fresh"
	if a.next != "" {
		a.token = a.next
	}
	return true
}

func (a *flipAuth) Secrets() []string { return []string{a.token} }

// The counts are read before and after, as the registry is the process's
// and outlives one run of the test (-count).
func TestMetricsRegistered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{System: "metrics-test"}, nil)
	count0, samples0 := counterValue(t, "metrics-test", "Ping", "200"), histogramSamples(t, "metrics-test")
	for range 3 {
		if err := c.Do(context.Background(), connector.Call{Operation: "Ping", Method: http.MethodGet, Path: "/"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := counterValue(t, "metrics-test", "Ping", "200") - count0; got != 3 {
		t.Errorf("%s rose by %v, want 3", connector.MetricRequestsTotal, got)
	}
	if got := histogramSamples(t, "metrics-test") - samples0; got != 3 {
		t.Errorf("%s has %d new samples for the test system, want 3", connector.MetricRequestDuration, got)
	}
}

func histogramSamples(t *testing.T, system string) uint64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() == connector.MetricRequestDuration {
			for _, m := range f.GetMetric() {
				if labels(m)["system"] == system {
					n += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return n
}

func counterValue(t *testing.T, system, op, code string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != connector.MetricRequestsTotal {
			continue
		}
		for _, m := range f.GetMetric() {
			l := labels(m)
			if l["system"] == system && l["operation"] == op && l["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestBodyShorterThanAnnouncedIsTransient: an answer cut off before its
// Content-Length is a network failure, not a short document.
func TestBodyShorterThanAnnouncedIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
		_ = buf.Flush()
		_ = conn.Close()
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	var out map[string]any
	err := c.Do(context.Background(), connector.Call{Operation: "Short", Method: http.MethodGet, Path: "/x", Out: &out})
	if connector.KindOf(err) != connector.KindNetwork || !connector.IsTransient(err) {
		t.Fatalf("got %v (kind %s)", err, connector.KindOf(err))
	}
}

// TestSizedBodiesKeepTheConnection: reading an answer of announced length
// ends it, so the next call reuses the connection instead of dialing.
func TestSizedBodiesKeepTheConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "9")
		_, _ = w.Write([]byte(`{"id":12}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	for range 5 {
		var out map[string]any
		if err := c.Do(context.Background(), connector.Call{Operation: "Get", Method: http.MethodGet, Path: "/x", Out: &out}); err != nil {
			t.Fatal(err)
		}
		if out["id"] != int64(12) {
			t.Fatalf("got %#v", out)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential calls, want 1", n)
	}
}

// TestRedirectIsNotFollowed: a write redirected would come back as a GET;
// the call fails with a message that says where the endpoint points.
func TestRedirectIsNotFollowed(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			w.Header().Set("Location", "https://api.example.com/new?token=abc")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		posts.Add(1)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	err := c.Do(context.Background(), connector.Call{Operation: "Create", Method: http.MethodPost, Path: "/old", Body: map[string]string{"a": "b"}})
	if connector.KindOf(err) != connector.KindBadResponse || connector.IsTransient(err) {
		t.Fatalf("got %v (kind %s)", err, connector.KindOf(err))
	}
	if msg := err.Error(); !strings.Contains(msg, "redirects to https://api.example.com") || strings.Contains(msg, "token") {
		t.Fatalf("message %q: want the redirect's host and nothing of its query", msg)
	}
	if posts.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// A lookup whose miss is an answer asks for it with Call.Absent: a 404 then
// sets it and returns nil, with Out untouched; without Absent, the same
// answer is ErrNotFound, and a lookup's other failures stay errors.
func TestAbsentTurnsA404IntoAnAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"no such link"}`)
		case "/broken":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_, _ = io.WriteString(w, `{"id":"7"}`)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, connector.TransportConfig{}, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		path       string
		wantAbsent bool
	}{
		{"/missing", true},
		{"/found", false},
	} {
		var out map[string]any
		var absent bool
		err := c.Do(ctx, connector.Call{Operation: "Lookup", Method: http.MethodGet, Path: tc.path, Out: &out, Absent: &absent})
		if err != nil || absent != tc.wantAbsent || (absent && out != nil) || (!absent && out["id"] != "7") {
			t.Errorf("%s: err %v, absent %v, out %v", tc.path, err, absent, out)
		}
	}
	var absent bool
	if err := c.Do(ctx, connector.Call{Operation: "Lookup", Method: http.MethodGet, Path: "/broken", Absent: &absent}); absent || !connector.IsTransient(err) {
		t.Errorf("/broken: err %v, absent %v: want a transient error", err, absent)
	}
	if err := c.Do(ctx, connector.Call{Operation: "Get", Method: http.MethodGet, Path: "/missing"}); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("/missing without Absent: %v, want ErrNotFound", err)
	}
}
