package ninetynineminds

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// DefaultAPIKey is accepted when Options.APIKeys is empty, so sandbox mode works out of the box.
const DefaultAPIKey = "sim-99minds-key"

// Route patterns, for Server.CountFor.
const (
	RouteGetCustomer      = "GET /api/v1/ipaas/customers/{id}"
	RouteListCustomers    = "GET /api/v1/ipaas/customers"
	RouteSaveCustomer     = "POST /api/v1/ipaas/customers"
	RouteCardsByCustomer  = "GET /api/v1/ipaas/loyaltycards"
	RouteGetCard          = "GET /api/v1/ipaas/loyaltycards/{id}"
	RouteIssueCard        = "POST /api/v1/ipaas/loyaltycards/issue"
	RouteTransactions     = "GET /api/v1/ipaas/loyaltycards/transactions"
	defaultPageSize       = 100
	maxPageSize           = 1000
	defaultGenerationBase = "2025-01-01T00:00:00Z"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// APIKeys are the accepted bearer keys; DefaultAPIKey when empty.
	APIKeys []string
	// Seed makes ids and generated data reproducible.
	Seed uint64
	// Data is seeded at start (and again on Reset), without validation.
	Data *Data
	// Generate creates this many customers (with cards and transactions) at start and on Reset.
	Generate int
	// Faults in force at start.
	Faults fault.Config
	// RecordLimit is how many recent requests are kept for Requests.
	RecordLimit int
	// AllowRemoteAdmin serves /_admin/ to non-loopback clients.
	AllowRemoteAdmin bool
	// Now is the clock for created_at/updated_at (time.Now when nil).
	Now func() time.Time
	// Webhook is where customer/created and customer/updated webhooks go when customers are
	// written through the API (none while its URL is empty); the key arrives as a bearer token.
	Webhook hook.Config
}

// Server is a 99minds simulator.
type Server struct {
	simhttp.Listener // URL, Serve and Close
	simhttp.Traffic  // Count, CountFor, Requests, SetFaults, FaultStats, ...

	opts  Options
	core  *simhttp.Core
	hooks *hook.Emitter
	st    *store
	keys  atomic.Pointer[[]string]
	now   func() time.Time
	mu    sync.Mutex // guards ids
	ids   *simhttp.IDGen
}

// New builds a Server; it fails only on invalid options (a bad fault config).
func New(o Options) (*Server, error) {
	s := &Server{opts: o, st: newStore(), now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	core, err := simhttp.NewCore(simhttp.CoreOptions{
		Faults: o.Faults, Seed: o.Seed, RecordLimit: o.RecordLimit, AllowRemoteAdmin: o.AllowRemoteAdmin,
		ErrorWriter: writeFault, NotFound: func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "route not found: "+r.Method+" "+r.URL.Path)
		},
	})
	if err != nil {
		return nil, err
	}
	s.core = core
	s.Traffic = core.Traffic()
	s.hooks = hook.New(o.Webhook)
	s.SetAPIKeys(o.APIKeys...)
	s.routes()
	if err := s.loadInitial(); err != nil {
		s.hooks.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) routes() {
	c := s.core
	c.API(RouteGetCustomer, s.auth(s.getCustomer))
	c.API(RouteListCustomers, s.auth(s.listCustomers))
	c.API(RouteSaveCustomer, s.auth(s.saveCustomer))
	c.API(RouteCardsByCustomer, s.auth(s.cardsByCustomer))
	c.API(RouteGetCard, s.auth(s.getCard))
	c.API(RouteIssueCard, s.auth(s.issueCard))
	c.API(RouteTransactions, s.auth(s.transactions))
	s.adminRoutes()
}

// loadInitial applies Options.Data and Options.Generate with a fresh id stream.
func (s *Server) loadInitial() error {
	s.mu.Lock()
	s.ids = simhttp.NewIDGen(s.opts.Seed)
	s.mu.Unlock()
	if s.opts.Data != nil {
		if _, err := s.Seed(*s.opts.Data); err != nil {
			return err
		}
	}
	if s.opts.Generate > 0 {
		s.Generate(s.opts.Generate)
	}
	return nil
}

// Handler serves the 99minds API and the admin routes.
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
		s.hooks.Close()
		return nil, err
	}
	return s, nil
}

// StartForTest starts on loopback and closes the server when the test ends.
func StartForTest(tb simhttp.TB, o Options) *Server {
	tb.Helper()
	return simhttp.StartForTest(tb, "99minds", func() (*Server, error) { return Start(o) })
}

// Close stops a started server (releasing hung requests) and its event sender.
func (s *Server) Close() error {
	s.hooks.Close()
	return s.Listener.Close()
}

// SetAPIKeys replaces the accepted bearer keys at run time (key rotation tests).
func (s *Server) SetAPIKeys(keys ...string) {
	k := append([]string(nil), keys...)
	if len(k) == 0 {
		k = []string{DefaultAPIKey}
	}
	s.keys.Store(&k)
}

// auth enforces the bearer key before the handler runs.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !keyMatches(*s.keys.Load(), strings.TrimSpace(token)) {
			writeError(w, http.StatusUnauthorized, "Unauthorized: invalid or missing API secret key")
			return
		}
		next(w, r)
	}
}

func keyMatches(keys []string, got string) bool {
	match := 0
	for _, k := range keys {
		match |= subtle.ConstantTimeCompare([]byte(k), []byte(got))
	}
	return got != "" && match == 1
}

func (s *Server) newID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids.Prefixed(prefix)
}

func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func writeOK(w http.ResponseWriter, data any) {
	simhttp.WriteJSON(w, http.StatusOK, envelope{Code: http.StatusOK, Message: "success", Data: data})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	simhttp.WriteJSON(w, status, envelope{Code: status, Message: msg})
}

// writeFault renders injected failures in the 99minds envelope.
func writeFault(w http.ResponseWriter, _ *http.Request, f fault.Failure) {
	msg := http.StatusText(f.Status)
	if f.Status == http.StatusTooManyRequests {
		msg = "Too many requests, retry later"
	}
	writeError(w, f.Status, msg)
}
