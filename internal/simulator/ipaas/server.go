package ipaas

import (
	"net/http"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// Defaults for sandbox mode, so the simulator works with no configuration.
const (
	DefaultAPIKey    = "sim-ipaas-key"
	DefaultUser      = "sim@example.com"
	DefaultPassword  = "sim-password"
	DefaultCompanyID = "1"
	DefaultFirstID   = 158001
	DefaultTokenTTL  = time.Hour
)

// Route patterns, for Server.CountFor.
const (
	RouteLogin             = "POST /sso/v2/Auth/Login"
	RouteChangeCompany     = "GET /sso/v2/User/ChangeCompany/{companyId}"
	RouteRefresh           = "POST /sso/v2/Auth/Refresh"
	RouteGetCustomer       = "GET /customers/v2/Customer/{id}"
	RouteListCustomers     = "GET /customers/v2/Customers"
	RouteCreateCustomer    = "POST /customers/v2/Customer"
	RouteUpdateCustomer    = "PUT /customers/v2/Customer/{id}"
	RouteLookupSpecial     = "POST /customers/v2/External/LookupSpecial"
	RouteUpdateExternalID  = "POST /customers/v2/External/UpdateExternalId"
	RouteCustomFieldDefs   = "GET /customers/v2/CustomFieldDefinitions"
	defaultPageSize        = 100
	maxPageSize            = 1000
	defaultGenerationStart = "2025-01-01T00:00:00Z"
)

// User is a sign-in account.
type User struct {
	EmailAddress string `json:"email_address"`
	Password     string `json:"password"`
	// CompanyIDs the user may switch to; empty allows any.
	CompanyIDs []string `json:"companyIds,omitempty"`
}

// Options configures a Server. The zero value is usable: DefaultAPIKey, and DefaultUser /
// DefaultPassword for sign-in.
type Options struct {
	// APIKeys are the static company API keys accepted as Bearer tokens.
	APIKeys []string
	// Users may sign in; when empty, DefaultUser with DefaultPassword (any company).
	Users []User
	// TokenTTL is the lifetime of access tokens (DefaultTokenTTL when 0); tests shorten it.
	TokenTTL time.Duration
	// RefreshTTL is the lifetime of refresh tokens (24h when 0).
	RefreshTTL time.Duration
	// CustomFieldDefinitions for the customer collection; DefaultCustomFieldDefinitions when nil.
	CustomFieldDefinitions []CustomFieldDefinition
	// Hook configures the outbound hook emitter; no hooks are sent while Hook.URL is empty.
	Hook HookConfig
	// FirstID is the id given to the first created customer (DefaultFirstID when 0).
	FirstID int
	// Seed makes generated data and tracking guids reproducible.
	Seed uint64
	// Data is seeded at start (and again on Reset), without validation.
	Data *Data
	// Generate creates this many customers at start and on Reset.
	Generate int
	// Faults in force at start.
	Faults fault.Config
	// RecordLimit is how many recent requests are kept for Requests.
	RecordLimit int
	// AllowRemoteAdmin serves /_admin/ to non-loopback clients.
	AllowRemoteAdmin bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Server is an iPaaS.com simulator.
type Server struct {
	simhttp.Listener // URL, Serve and Close
	simhttp.Traffic  // Count, CountFor, Requests, SetFaults, FaultStats, ...

	opts  Options
	core  *simhttp.Core
	st    *store
	auth  *authority
	hooks *emitter
	now   func() time.Time

	mu   sync.Mutex
	defs []CustomFieldDefinition
}

// New builds a Server; it fails only on invalid options.
func New(o Options) (*Server, error) {
	s := &Server{opts: o, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	core, err := simhttp.NewCore(simhttp.CoreOptions{
		Faults: o.Faults, Seed: o.Seed, RecordLimit: o.RecordLimit, AllowRemoteAdmin: o.AllowRemoteAdmin,
		ErrorWriter: writeFault, NotFound: func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, http.StatusNotFound, "Not Found", "no route for "+r.Method+" "+r.URL.Path)
		},
	})
	if err != nil {
		return nil, err
	}
	s.core = core
	s.Traffic = core.Traffic()
	s.auth = newAuthority(o, s.now)
	s.hooks = newEmitter(o.Hook, o.Seed)
	s.st = newStore(o.FirstID)
	s.routes()
	if err := s.loadInitial(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) routes() {
	c := s.core
	c.API(RouteLogin, s.login)
	c.API(RouteChangeCompany, s.changeCompany)
	c.API(RouteRefresh, s.refresh)
	c.API(RouteGetCustomer, s.authed(s.getCustomer))
	c.API(RouteListCustomers, s.authed(s.listCustomers))
	c.API(RouteCreateCustomer, s.authed(s.createCustomer))
	c.API(RouteUpdateCustomer, s.authed(s.updateCustomer))
	c.API(RouteLookupSpecial, s.authed(s.lookupSpecial))
	c.API(RouteUpdateExternalID, s.authed(s.updateExternalID))
	c.API(RouteCustomFieldDefs, s.authed(s.customFieldDefinitions))
	s.adminRoutes()
}

func (s *Server) loadInitial() error {
	s.mu.Lock()
	s.defs = s.opts.CustomFieldDefinitions
	if s.defs == nil {
		s.defs = DefaultCustomFieldDefinitions()
	}
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

// Handler serves the iPaaS.com API and the admin routes.
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
		s.hooks.close()
		return nil, err
	}
	return s, nil
}

// StartForTest starts on loopback and closes the server when the test ends.
func StartForTest(tb simhttp.TB, o Options) *Server {
	tb.Helper()
	return simhttp.StartForTest(tb, "iPaaS.com", func() (*Server, error) { return Start(o) })
}

// Close stops a started server (releasing hung requests) and its event sender.
func (s *Server) Close() error {
	s.hooks.close()
	return s.Listener.Close()
}

// authed lets a request through with a static API key or a live company token.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if msg := s.auth.checkAPI(bearer(r)); msg != "" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, "Unauthorized", msg)
			return
		}
		next(w, r)
	}
}

func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	simhttp.WriteJSON(w, status, problem{Title: title, Status: status, Detail: detail})
}

// writeValidation writes the contract's 400 body.
func writeValidation(w http.ResponseWriter, errs map[string][]string) {
	simhttp.WriteJSON(w, http.StatusBadRequest, problem{
		Title: "One or more validation errors occurred.", Status: http.StatusBadRequest, Errors: errs,
	})
}

// writeFault renders injected failures as problem bodies.
func writeFault(w http.ResponseWriter, _ *http.Request, f fault.Failure) {
	writeProblem(w, f.Status, http.StatusText(f.Status), "injected by the simulator")
}
