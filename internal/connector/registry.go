package connector

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/customersync/customer-sync-operator/internal/http1"
)

// RateLimit is a token bucket: RequestsPerSecond sustained, Burst at once.
type RateLimit struct {
	RequestsPerSecond float64
	// Burst defaults to RequestsPerSecond (at least 1).
	Burst int
}

func (rl RateLimit) normalized() RateLimit {
	if rl.Burst <= 0 {
		rl.Burst = max(1, int(rl.RequestsPerSecond))
	}
	return rl
}

// Registry holds what must be shared across connectors in one process: one
// rate limiter per credential (so every sync using a credential shares its
// budget) and pooled base transports (so connectors built per sync do not
// leak idle connections).
type Registry struct {
	mu       sync.Mutex
	limiters map[string]*limiterEntry
	adaptive map[string]*Adaptive
	pools    map[int]*http1.Transport
}

type limiterEntry struct {
	settings RateLimit
	lim      *rate.Limiter
}

// NewRegistry returns an empty registry; most code uses DefaultRegistry.
func NewRegistry() *Registry {
	return &Registry{limiters: map[string]*limiterEntry{}, adaptive: map[string]*Adaptive{}, pools: map[int]*http1.Transport{}}
}

// Adaptive returns the credential's adaptive limiter, used while no rate
// limit is configured for it; one per key, kept for the process's life so
// what it learned survives the connectors rebuilt for each mapping change.
func (r *Registry) Adaptive(key string) *Adaptive {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.adaptive[key]
	if !ok {
		a = NewAdaptive(nil)
		r.adaptive[key] = a
	}
	return a
}

// DefaultRegistry is the process-wide registry connectors use when their
// Config names none.
var DefaultRegistry = NewRegistry()

// LimiterKey identifies a credential at a system's endpoint without
// holding it: "system|endpoint|" plus a keyed fingerprint of the
// credential values, so the key is safe to print.
func LimiterKey(system, endpoint string, credentials map[string]string) string {
	return system + "|" + endpoint + "|" + Fingerprint(credentials)
}

// fingerprintKey keys Fingerprint with a per-process secret, so that even a
// weak password cannot be recovered from a printed fingerprint by guessing.
var fingerprintKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// Fingerprint hashes credential values (keys sorted) with HMAC-SHA-256 to
// 16 hex digits: stable within the process, enough to tell credentials
// apart, useless for recovering them.
func Fingerprint(credentials map[string]string) string {
	keys := make([]string, 0, len(credentials))
	for k := range credentials {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := hmac.New(sha256.New, fingerprintKey)
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(credentials[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Limiter returns the shared limiter for key, or nil (no limit) when rl is
// nil. When rl differs from the settings the limiter was made with, the
// limiter takes the new settings in place: every holder sees the change at
// once and they keep sharing one bucket.
func (r *Registry) Limiter(key string, rl *RateLimit) *rate.Limiter {
	if rl == nil || rl.RequestsPerSecond <= 0 {
		return nil
	}
	want := rl.normalized()
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.limiters[key]
	if !ok {
		e = &limiterEntry{settings: want, lim: rate.NewLimiter(rate.Limit(want.RequestsPerSecond), want.Burst)}
		r.limiters[key] = e
		return e.lim
	}
	if e.settings != want {
		now := time.Now()
		e.lim.SetLimitAt(now, rate.Limit(want.RequestsPerSecond))
		e.lim.SetBurstAt(now, want.Burst)
		e.settings = want
	}
	return e.lim
}

// pool returns a base transport whose idle pool keeps maxConns connections
// per host, shared by every connector configured for that concurrency.
// Calls go over HTTP/1.1 (package http1: a third less CPU per call than
// net/http's Transport); net/http sends what http1 does not, such as calls
// through a proxy from the environment, with HTTP/2 where the server offers it.
func (r *Registry) pool(maxConns int) *http1.Transport {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.pools[maxConns]; ok {
		return t
	}
	fallback := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, 4*maxConns),
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	t := http1.New(http1.Config{MaxIdleConnsPerHost: maxConns, IdleConnTimeout: fallback.IdleConnTimeout,
		DialTimeout: 10 * time.Second, TLSHandshakeTimeout: fallback.TLSHandshakeTimeout, Fallback: fallback})
	r.pools[maxConns] = t
	return t
}

// CloseIdleConnections closes idle connections of every pooled transport.
func (r *Registry) CloseIdleConnections() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.pools {
		t.CloseIdleConnections()
	}
}
