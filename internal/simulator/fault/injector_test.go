package fault_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// start serves an "ok" handler behind an injector on loopback.
func start(t *testing.T, cfg fault.Config) (*fault.Injector, string) {
	t.Helper()
	inj, err := fault.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	h := inj.Wrap("POST /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}), func(w http.ResponseWriter, r *http.Request, f fault.Failure) {
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(string(f.Kind)))
	})
	run, err := simhttp.Serve("127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Close() })
	return inj, run.URL
}

func post(t *testing.T, client *http.Client, u, body string) (*http.Response, error) {
	t.Helper()
	resp, err := client.Post(u, "application/json", strings.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func status(t *testing.T, u, body string) (int, http.Header) {
	t.Helper()
	resp, err := post(t, http.DefaultClient, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header
}

func TestNoFaultsPassesThrough(t *testing.T) {
	_, u := start(t, fault.Config{})
	if s, _ := status(t, u+"/things/1", "{}"); s != 200 {
		t.Fatalf("status %d", s)
	}
}

func TestLatency(t *testing.T) {
	_, u := start(t, fault.Config{Latency: 60 * time.Millisecond, Jitter: 10 * time.Millisecond})
	t0 := time.Now()
	status(t, u+"/things/1", "{}")
	if d := time.Since(t0); d < 60*time.Millisecond {
		t.Errorf("request took %v, want at least the 60ms injected", d)
	}
}

func TestErrorRate(t *testing.T) {
	inj, u := start(t, fault.Config{ErrorRate: 1})
	seen := map[int]bool{}
	for i := 0; i < 20; i++ {
		s, h := status(t, u+"/things/1", "{}")
		seen[s] = true
		if s == 503 && h.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	if !seen[500] || !seen[503] || len(seen) != 2 {
		t.Errorf("statuses %v, want both 500 and 503 only", seen)
	}
	if inj.Stats().Errors != 20 {
		t.Errorf("stats = %+v", inj.Stats())
	}
	_ = inj.Set(fault.Config{ErrorRate: 1, ErrorStatus: 502})
	if s, _ := status(t, u+"/things/1", "{}"); s != 502 {
		t.Errorf("status %d, want the configured 502", s)
	}
}

func TestRateLimit(t *testing.T) {
	_, u := start(t, fault.Config{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond})
	s, h := status(t, u+"/things/1", "{}")
	if s != 429 || h.Get("Retry-After") != "2" {
		t.Errorf("status %d Retry-After %q, want 429 and 2", s, h.Get("Retry-After"))
	}
}

func TestMaxRPS(t *testing.T) {
	inj, u := start(t, fault.Config{MaxRPS: 3})
	var codes []int
	for i := 0; i < 6; i++ {
		s, h := status(t, u+"/things/1", "{}")
		codes = append(codes, s)
		if s == 429 && h.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// The bucket holds 3 and refills at 3/s; six quick requests cannot all pass.
	if codes[0] != 200 || codes[5] != 429 || inj.Stats().RPSLimited == 0 {
		t.Errorf("codes %v stats %+v", codes, inj.Stats())
	}
}

func TestHangUntilClientGivesUp(t *testing.T) {
	inj, u := start(t, fault.Config{HangRate: 1})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := post(t, client, u+"/things/1", "{}")
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	if inj.Stats().Hung != 1 {
		t.Errorf("stats = %+v", inj.Stats())
	}
}

func TestHangMaxAnswers504(t *testing.T) {
	_, u := start(t, fault.Config{HangRate: 1, HangMax: 30 * time.Millisecond})
	if s, _ := status(t, u+"/things/1", "{}"); s != 504 {
		t.Errorf("status %d, want 504 after HangMax", s)
	}
}

func TestTargets(t *testing.T) {
	inj, u := start(t, fault.Config{Targets: []fault.Target{
		{ID: "customer_bad", Status: 503},
		{ID: "once", Times: 1},
		{ID: "slow", Hang: true},
	}})
	cases := []struct {
		path, body string
		want       int
	}{
		{"/things/customer_bad", "{}", 503},
		{"/things/x?id=customer_bad", "{}", 503},
		{"/things/x", `{"id":"customer_bad"}`, 503},
		{"/things/customer_good", `{"id":"customer_good"}`, 200},
		{"/things/once", "{}", 500},
		{"/things/once", "{}", 200},
	}
	for _, c := range cases {
		if s, _ := status(t, u+c.path, c.body); s != c.want {
			t.Errorf("%s %s: status %d, want %d", c.path, c.body, s, c.want)
		}
	}
	client := &http.Client{Timeout: 80 * time.Millisecond}
	if _, err := post(t, client, u+"/things/slow", "{}"); err == nil {
		t.Error("a hang target answered")
	}
	if inj.Stats().Targeted != 5 {
		t.Errorf("stats = %+v", inj.Stats())
	}
}

func TestTargetBodyStillReachesHandler(t *testing.T) {
	inj, err := fault.New(fault.Config{Targets: []fault.Target{{ID: "zzz"}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	h := inj.Wrap("p", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 100)
		n, _ := r.Body.Read(buf)
		seen = string(buf[:n])
	}), nil)
	run, _ := simhttp.Serve("127.0.0.1:0", h)
	defer run.Close()
	status(t, run.URL+"/x", `{"id":"fine"}`)
	if seen != `{"id":"fine"}` {
		t.Errorf("handler read %q", seen)
	}
}

func TestPathsLimitFaults(t *testing.T) {
	_, u := start(t, fault.Config{ErrorRate: 1, Paths: []string{"/other/"}})
	if s, _ := status(t, u+"/things/1", "{}"); s != 200 {
		t.Errorf("status %d: the fault should be limited to /other/", s)
	}
}

func TestSeededSequenceIsReproducible(t *testing.T) {
	seq := func() string {
		_, u := start(t, fault.Config{ErrorRate: 0.3, RateLimitRate: 0.2, Seed: 99})
		var b strings.Builder
		for i := 0; i < 30; i++ {
			s, _ := status(t, u+"/things/1", "{}")
			b.WriteString(http.StatusText(s)[:1])
		}
		return b.String()
	}
	a, b := seq(), seq()
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.ContainsAny(a, "O") || !strings.ContainsAny(a, "IST") {
		t.Errorf("sequence %s should mix successes and failures", a)
	}
}

func TestConfigJSON(t *testing.T) {
	var c fault.Config
	if err := json.Unmarshal([]byte(`{"latency":"150ms","jitter":20,"retryAfter":"2s","errorRate":0.5,"targets":[{"id":"x","status":429}]}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Latency != 150*time.Millisecond || c.Jitter != 20*time.Millisecond || c.RetryAfter != 2*time.Second || c.Targets[0].Status != 429 {
		t.Errorf("config = %+v", c)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"latency":"150ms"`) {
		t.Errorf("marshalled %s", b)
	}
	var back fault.Config
	if err := json.Unmarshal(b, &back); err != nil || back.Latency != c.Latency {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestValidate(t *testing.T) {
	bad := []fault.Config{
		{ErrorRate: 1.5},
		{ErrorRate: 0.6, RateLimitRate: 0.6},
		{Latency: -1},
		{MaxRPS: -1},
		{ErrorStatus: 200},
		{Targets: []fault.Target{{}}},
	}
	for _, c := range bad {
		if _, err := fault.New(c, 0); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
