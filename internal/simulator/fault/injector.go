package fault

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind names the fault that produced an injected answer.
type Kind string

// The kinds of injected failure.
const (
	KindError     Kind = "error"      // random 500/503 (ErrorRate)
	KindRateLimit Kind = "rate_limit" // random 429 (RateLimitRate)
	KindRPSLimit  Kind = "rps_limit"  // 429 above MaxRPS
	KindHang      Kind = "hang"       // held until the client gave up or HangMax passed (then 504)
	KindTarget    Kind = "target"     // aimed at a record id (Targets)
)

// Failure describes an injected answer for the simulator's ErrorWriter.
type Failure struct {
	Kind   Kind
	Status int
	// RetryAfter is set for 429 answers; the injector has already written the Retry-After header.
	RetryAfter time.Duration
}

// ErrorWriter writes an injected failure in the simulator's own error format.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, f Failure)

// Stats counts what the injector did since the last Reset.
type Stats struct {
	Delayed     int64 `json:"delayed"`
	Errors      int64 `json:"errors"`
	RateLimited int64 `json:"rateLimited"`
	RPSLimited  int64 `json:"rpsLimited"`
	Hung        int64 `json:"hung"`
	Targeted    int64 `json:"targeted"`
}

const (
	defaultHangMax    = 30 * time.Second
	defaultRetryAfter = time.Second
	maxBodyScan       = 1 << 20
)

// Injector applies a Config to requests. It is safe for concurrent use; its zero value is not
// usable, call New.
type Injector struct {
	active atomic.Bool // fast path: false means pass every request straight through

	mu         sync.Mutex
	cfg        Config
	rng        *rand.Rand
	tokens     float64
	lastRefill time.Time
	targetHits []int
	stats      Stats
}

// New returns an injector with cfg in force and its RNG seeded with seed.
func New(cfg Config, seed uint64) (*Injector, error) {
	i := &Injector{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if err := i.Set(cfg); err != nil {
		return nil, err
	}
	return i, nil
}

// Set replaces the faults in force at run time. Target counters and the RPS bucket start afresh;
// cfg.Seed, when not 0, reseeds the RNG.
func (i *Injector) Set(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Targets = append([]Target(nil), cfg.Targets...)
	cfg.Paths = append([]string(nil), cfg.Paths...)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cfg = cfg
	if cfg.Seed != 0 {
		i.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	}
	i.tokens = burst(cfg.MaxRPS)
	i.lastRefill = time.Now()
	i.targetHits = make([]int, len(cfg.Targets))
	i.active.Store(cfg.Active())
	return nil
}

// Config returns the faults in force.
func (i *Injector) Config() Config {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.cfg
}

// Stats returns the counts of injected faults.
func (i *Injector) Stats() Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stats
}

// ResetStats zeroes the counts of injected faults.
func (i *Injector) ResetStats() {
	i.mu.Lock()
	i.stats = Stats{}
	i.mu.Unlock()
}

// Wrap returns next behind the injector. pattern is the route's ServeMux pattern, matched
// against Config.Paths; write renders injected failures.
func (i *Injector) Wrap(pattern string, next http.Handler, write ErrorWriter) http.Handler {
	if write == nil {
		write = plainError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !i.active.Load() {
			next.ServeHTTP(w, r)
			return
		}
		d, ok := i.decide(pattern, r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if d.delay > 0 && !wait(r, d.delay) {
			return // the client gave up during the delay
		}
		switch {
		case d.hang:
			if wait(r, d.hangMax) {
				write(w, r, Failure{Kind: d.kind, Status: http.StatusGatewayTimeout})
			}
		case d.status != 0:
			f := Failure{Kind: d.kind, Status: d.status}
			if d.status == http.StatusTooManyRequests || d.status == http.StatusServiceUnavailable {
				f.RetryAfter = d.retryAfter
				w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(d.retryAfter)))
			}
			write(w, r, f)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

type decision struct {
	delay      time.Duration
	hang       bool
	hangMax    time.Duration
	status     int
	kind       Kind
	retryAfter time.Duration
}

// decide draws the fate of one request; ok is false when the request is outside Config.Paths.
func (i *Injector) decide(pattern string, r *http.Request) (decision, bool) {
	i.mu.Lock()
	paths, needBody := i.cfg.Paths, len(i.cfg.Targets) > 0
	i.mu.Unlock()
	if len(paths) > 0 && !matchesAny(paths, pattern, r.URL.Path) {
		return decision{}, false
	}
	var body []byte
	if needBody && r.Body != nil && r.Body != http.NoBody {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBodyScan))
		rest := r.Body
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), rest), rest}
	}

	i.mu.Lock()
	defer i.mu.Unlock()
	c := &i.cfg
	var d decision
	d.hangMax = c.HangMax
	if d.hangMax == 0 {
		d.hangMax = defaultHangMax
	}
	retryAfter := c.RetryAfter
	if retryAfter == 0 {
		retryAfter = defaultRetryAfter
	}
	d.delay = c.Latency
	if c.Jitter > 0 {
		d.delay += time.Duration(i.rng.Int64N(int64(c.Jitter) + 1))
	}
	if d.delay > 0 {
		i.stats.Delayed++
	}

	if c.MaxRPS > 0 {
		now := time.Now()
		i.tokens = math.Min(burst(c.MaxRPS), i.tokens+now.Sub(i.lastRefill).Seconds()*c.MaxRPS)
		i.lastRefill = now
		if i.tokens < 1 {
			i.stats.RPSLimited++
			d.status, d.kind = http.StatusTooManyRequests, KindRPSLimit
			d.retryAfter = time.Duration((1 - i.tokens) / c.MaxRPS * float64(time.Second))
			return d, true
		}
		i.tokens--
	}
	for n, t := range c.Targets {
		if (t.Times != 0 && i.targetHits[n] >= t.Times) || !mentions(r, body, t.ID) {
			continue
		}
		i.targetHits[n]++
		i.stats.Targeted++
		d.kind = KindTarget
		if t.Hang {
			d.hang = true
			return d, true
		}
		d.status = t.Status
		if d.status == 0 {
			d.status = http.StatusInternalServerError
		}
		d.retryAfter = retryAfter
		return d, true
	}
	if c.HangRate > 0 && i.rng.Float64() < c.HangRate {
		i.stats.Hung++
		d.hang, d.kind = true, KindHang
		return d, true
	}
	if c.RateLimitRate > 0 || c.ErrorRate > 0 {
		u := i.rng.Float64()
		switch {
		case u < c.RateLimitRate:
			i.stats.RateLimited++
			d.status, d.kind, d.retryAfter = http.StatusTooManyRequests, KindRateLimit, retryAfter
		case u < c.RateLimitRate+c.ErrorRate:
			i.stats.Errors++
			d.kind, d.status = KindError, c.ErrorStatus
			if d.status == 0 {
				d.status = http.StatusInternalServerError
				if i.rng.IntN(2) == 1 {
					d.status = http.StatusServiceUnavailable
				}
			}
			d.retryAfter = retryAfter
		}
	}
	return d, true
}

// wait sleeps for d unless the client goes away first; it reports whether d elapsed.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func mentions(r *http.Request, body []byte, id string) bool {
	return strings.Contains(r.URL.Path, id) || strings.Contains(r.URL.RawQuery, id) || bytes.Contains(body, []byte(id))
}

func matchesAny(subs []string, pattern, path string) bool {
	for _, s := range subs {
		if strings.Contains(pattern, s) || strings.Contains(path, s) {
			return true
		}
	}
	return false
}

func burst(rps float64) float64 { return math.Max(1, rps) }

func ceilSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

func plainError(w http.ResponseWriter, _ *http.Request, f Failure) {
	http.Error(w, http.StatusText(f.Status), f.Status)
}
