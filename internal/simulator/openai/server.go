package openai

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// DefaultAPIKey is accepted when Options.APIKeys is empty.
const DefaultAPIKey = "sim-openai-key"

// Route patterns, for Server.CountFor.
const (
	RouteChat      = "POST /v1/chat/completions"
	RouteAzureChat = "POST /openai/deployments/{deployment}/chat/completions"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// APIKeys are accepted as "Authorization: Bearer" or, on Azure paths, as "api-key";
	// DefaultAPIKey when empty.
	APIKeys []string
	// RestrictedKeys are keys with permissions on the named routes only (RouteResponses,
	// RouteChat, RouteModels), as OpenAI's restricted keys: other routes answer 401
	// "insufficient permissions". They are accepted like APIKeys.
	RestrictedKeys map[string][]string
	// Organizations, when set, are the only OpenAI-Organization values accepted (the header
	// stays optional).
	Organizations []string
	// Models, when set, are the only models accepted (others: 404 model_not_found).
	Models []string
	// Deployments, when set, are the only Azure deployments served (others: 404).
	Deployments []string
	// RateLimitRequests is reported in x-ratelimit-limit-requests (default 10000 per minute).
	RateLimitRequests int
	// RateLimitReset is reported in x-ratelimit-reset-requests on 429s (default 1s).
	RateLimitReset time.Duration
	// Canned answers, in order of precedence (more can be added with SetCanned).
	Canned []Canned
	// Seed makes completion ids reproducible.
	Seed uint64
	// Faults in force at start.
	Faults fault.Config
	// RecordLimit is how many recent requests are kept for Requests.
	RecordLimit int
	// AllowRemoteAdmin serves /_admin/ to non-loopback clients.
	AllowRemoteAdmin bool
	// Now is the clock for "created" (time.Now when nil).
	Now func() time.Time
	// Batches is how batches end (SetBatchBehavior changes it).
	Batches BatchBehavior
}

// Canned is a fixed answer given whenever a message contains Match.
type Canned struct {
	Match   string `json:"match"`
	Content string `json:"content"`
}

// Server is an OpenAI-compatible simulator.
type Server struct {
	simhttp.Listener // URL, Serve and Close
	simhttp.Traffic  // Count, CountFor, Requests, SetFaults, FaultStats, ...

	opts  Options
	core  *simhttp.Core
	now   func() time.Time
	quota atomic.Bool // true: every call answers 429 insufficient_quota

	mu         sync.Mutex
	keys       []string
	restricted map[string][]string // key → the routes it may call
	canned     []Canned
	ids        *simhttp.IDGen
	window     time.Time // start of the current x-ratelimit minute
	used       int
	// cached holds the prompt prefixes (cache key and instructions) seen,
	// so a repeated prefix is reported as cached input tokens.
	cached map[string]bool

	// The Files and Batch APIs (batches.go).
	files         map[string]*simFile
	batches       []*simBatch
	batchEnds     map[string]BatchBehavior // batch id → how it ends
	batchBehavior BatchBehavior
	batchLines    []batchRecord
}

// New builds a Server; it fails only on an invalid fault config.
func New(o Options) (*Server, error) {
	s := &Server{opts: o, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	core, err := simhttp.NewCore(simhttp.CoreOptions{
		Faults: o.Faults, Seed: o.Seed, RecordLimit: o.RecordLimit, AllowRemoteAdmin: o.AllowRemoteAdmin,
		ErrorWriter: s.writeFault, NotFound: func(w http.ResponseWriter, r *http.Request) {
			writeAPIError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "", "")
		},
	})
	if err != nil {
		return nil, err
	}
	s.core = core
	s.Traffic = core.Traffic()
	s.resetState()
	core.API(RouteChat, s.chat)
	core.API(RouteResponses, s.responses)
	core.API(RouteAzureChat, s.azureChat)
	core.API(RouteModels, s.models)
	core.API(RouteAzureModels, s.azureModels)
	s.batchRoutes()
	s.adminRoutes()
	return s, nil
}

func (s *Server) resetState() {
	s.mu.Lock()
	s.keys = append([]string(nil), s.opts.APIKeys...)
	s.restricted = map[string][]string{}
	for k, routes := range s.opts.RestrictedKeys {
		s.restricted[k] = append([]string(nil), routes...)
	}
	if len(s.keys) == 0 {
		s.keys = []string{DefaultAPIKey}
	}
	s.canned = append([]Canned(nil), s.opts.Canned...)
	s.ids = simhttp.NewIDGen(s.opts.Seed)
	s.window, s.used = time.Time{}, 0
	s.cached = map[string]bool{}
	s.files, s.batches, s.batchEnds, s.batchLines = map[string]*simFile{}, nil, map[string]BatchBehavior{}, nil
	s.batchBehavior = s.opts.Batches
	s.mu.Unlock()
	s.quota.Store(false)
}

// Handler serves the OpenAI API and the admin routes.
func (s *Server) Handler() http.Handler { return s.core.Mux }

// Start serves on a free 127.0.0.1 port and sets URL.
func Start(o Options) (*Server, error) { return StartOn("127.0.0.1:0", o) }

// StartOn serves on addr and sets URL.
func StartOn(addr string, o Options) (*Server, error) {
	s, err := New(o)
	if err != nil {
		return nil, err
	}
	if err := s.Serve(addr, s.Handler()); err != nil {
		return nil, err
	}
	return s, nil
}

// StartForTest starts on loopback and closes the server when the test ends.
func StartForTest(tb simhttp.TB, o Options) *Server {
	tb.Helper()
	return simhttp.StartForTest(tb, "OpenAI", func() (*Server, error) { return Start(o) })
}

// Close stops a started server (releasing hung requests).
func (s *Server) Close() error {
	return s.Listener.Close()
}

func (s *Server) keyOK(got string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	match := 0
	for _, k := range s.keys {
		match |= subtle.ConstantTimeCompare([]byte(k), []byte(got))
	}
	return got != "" && match == 1
}

func (s *Server) orgOK(r *http.Request) bool {
	org := r.Header.Get("OpenAI-Organization")
	return org == "" || len(s.opts.Organizations) == 0 || slices.Contains(s.opts.Organizations, org)
}

// rateHeaders sets the x-ratelimit-* headers of a successful call from a per-minute window.
func (s *Server) rateHeaders(w http.ResponseWriter) {
	limit := s.opts.RateLimitRequests
	if limit <= 0 {
		limit = 10000
	}
	now := s.now()
	s.mu.Lock()
	if now.Sub(s.window) >= time.Minute {
		s.window, s.used = now, 0
	}
	s.used++
	remaining := max(limit-s.used, 0)
	reset := time.Minute - now.Sub(s.window)
	s.mu.Unlock()
	h := w.Header()
	h.Set("x-ratelimit-limit-requests", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining-requests", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset-requests", reset.Round(time.Millisecond).String())
	h.Set("x-ratelimit-limit-tokens", "2000000")
	h.Set("x-ratelimit-remaining-tokens", "1999000")
	h.Set("x-ratelimit-reset-tokens", "30ms")
}

func (s *Server) resetDelay() time.Duration {
	if s.opts.RateLimitReset > 0 {
		return s.opts.RateLimitReset
	}
	return time.Second
}

// writeRateLimited answers 429 rate_limit_exceeded with the headers clients back off by.
func (s *Server) writeRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	if retryAfter <= 0 {
		retryAfter = s.resetDelay()
	}
	h := w.Header()
	h.Set("retry-after", strconv.Itoa(max(1, int((retryAfter+time.Second-1)/time.Second))))
	h.Set("x-ratelimit-remaining-requests", "0")
	h.Set("x-ratelimit-reset-requests", retryAfter.String())
	writeAPIError(w, http.StatusTooManyRequests,
		"Rate limit reached for requests. Please try again in "+retryAfter.String()+".", "requests", "", "rate_limit_exceeded")
}

func writeQuota(w http.ResponseWriter) {
	writeAPIError(w, http.StatusTooManyRequests,
		"You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "", "insufficient_quota")
}

func writeServerError(w http.ResponseWriter, status int) {
	msg := "The server had an error while processing your request. Sorry about that!"
	if status == http.StatusServiceUnavailable {
		msg = "The engine is currently overloaded, please try again later."
	}
	if status == http.StatusGatewayTimeout {
		msg = "Request timed out."
	}
	writeAPIError(w, status, msg, "server_error", "", "")
}

// writeFault renders injected failures as OpenAI errors.
func (s *Server) writeFault(w http.ResponseWriter, _ *http.Request, f fault.Failure) {
	switch {
	case f.Status == http.StatusTooManyRequests:
		s.writeRateLimited(w, f.RetryAfter)
	case f.Status >= 500:
		writeServerError(w, f.Status)
	default:
		writeAPIError(w, f.Status, http.StatusText(f.Status), "invalid_request_error", "", "")
	}
}

// writeAPIError writes {"error":{"message","type","param","code"}}; empty param/code are null.
func writeAPIError(w http.ResponseWriter, status int, msg, typ, param, code string) {
	e := APIError{Message: msg, Type: typ}
	if param != "" {
		e.Param = &param
	}
	if code != "" {
		e.Code = &code
	}
	w.Header().Set("x-request-id", "req_sim")
	simhttp.WriteJSON(w, status, errorBody{Error: e})
}

func writeAzureError(w http.ResponseWriter, status int, code, msg string) {
	var e azureError
	e.Error.Code, e.Error.Message = code, msg
	simhttp.WriteJSON(w, status, e)
}

func bearerToken(r *http.Request) string {
	v, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(v)
}

// SetRestrictedKey accepts key for routes only, as an OpenAI restricted key
// with those permissions.
func (s *Server) SetRestrictedKey(key string, routes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restricted[key] = append([]string(nil), routes...)
}

// restrictedRoutes returns the routes a restricted key may call.
func (s *Server) restrictedRoutes(key string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	routes, ok := s.restricted[key]
	return routes, ok
}
