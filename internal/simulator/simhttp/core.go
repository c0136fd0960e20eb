package simhttp

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
)

// AdminPrefix is where every simulator serves its admin routes.
const AdminPrefix = "/_admin/"

// CoreOptions configures the plumbing shared by a simulator.
type CoreOptions struct {
	// Faults in force at start.
	Faults fault.Config
	// Seed seeds the fault RNG.
	Seed uint64
	// RecordLimit is how many recent requests to keep (DefaultRecordLimit when 0).
	RecordLimit int
	// AllowRemoteAdmin serves admin routes to non-loopback clients too (e.g. in a cluster).
	AllowRemoteAdmin bool
	// ErrorWriter renders injected failures in the system's error format.
	ErrorWriter fault.ErrorWriter
	// NotFound renders unknown routes in the system's error format.
	NotFound http.HandlerFunc
}

// Core is a ServeMux whose API routes are recorded and fault-injected and whose admin routes
// are guarded to loopback.
type Core struct {
	Mux      *http.ServeMux
	Recorder *Recorder
	Faults   *fault.Injector

	errorWriter      fault.ErrorWriter
	allowRemoteAdmin bool
}

// NewCore builds the plumbing; it fails only on an invalid fault config.
func NewCore(o CoreOptions) (*Core, error) {
	inj, err := fault.New(o.Faults, o.Seed)
	if err != nil {
		return nil, err
	}
	c := &Core{
		Mux: http.NewServeMux(), Recorder: NewRecorder(o.RecordLimit), Faults: inj,
		errorWriter: o.ErrorWriter, allowRemoteAdmin: o.AllowRemoteAdmin,
	}
	if o.NotFound != nil {
		c.Mux.Handle("/", c.Recorder.Wrap("unmatched", o.NotFound))
	}
	return c, nil
}

// API registers an API route: recorded, then fault-injected, then served by h.
func (c *Core) API(pattern string, h http.HandlerFunc) {
	c.Mux.Handle(pattern, c.Recorder.Wrap(pattern, c.Faults.Wrap(pattern, h, c.errorWriter)))
}

// Admin registers an admin route (pattern relative to AdminPrefix, e.g. "GET faults"): neither
// recorded nor faulted, and refused to non-loopback clients unless allowed.
func (c *Core) Admin(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	} else {
		method += " "
	}
	c.Mux.Handle(method+AdminPrefix+path, c.guard(h))
}

func (c *Core) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.allowRemoteAdmin && !IsLoopback(r.RemoteAddr) {
			WriteJSON(w, http.StatusForbidden, AdminError{Error: "admin routes are served to loopback clients only"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// IsLoopback reports whether a RemoteAddr ("ip:port") is a loopback address.
func IsLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AdminError is the body of a failed admin call.
type AdminError struct {
	Error string `json:"error"`
}

// RegisterCommonAdmin adds the admin routes every simulator has:
//
//	GET  /_admin/faults            the faults in force and their counts
//	PUT  /_admin/faults            replace the faults (fault.Config JSON)
//	GET  /_admin/counters          {"total": N, "routes": {"GET /path": N, ...}}
//	GET  /_admin/requests?n=N      the last N requests received (secrets redacted)
//	POST /_admin/reset             reset (the simulator's own reset plus counters and requests)
func (c *Core) RegisterCommonAdmin(reset func()) {
	c.Admin("GET faults", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"config": c.Faults.Config(), "stats": c.Faults.Stats()})
	})
	c.Admin("PUT faults", func(w http.ResponseWriter, r *http.Request) {
		var cfg fault.Config
		if err := ReadJSON(r, &cfg); err != nil {
			WriteJSON(w, http.StatusBadRequest, AdminError{Error: err.Error()})
			return
		}
		if err := c.Faults.Set(cfg); err != nil {
			WriteJSON(w, http.StatusBadRequest, AdminError{Error: err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]any{"config": c.Faults.Config()})
	})
	c.Admin("GET counters", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, Counters{Total: c.Recorder.Count(), Routes: c.Recorder.Counts()})
	})
	c.Admin("GET requests", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		WriteJSON(w, http.StatusOK, c.Recorder.Last(n))
	})
	c.Admin("POST reset", func(w http.ResponseWriter, _ *http.Request) {
		if reset != nil {
			reset()
		}
		c.ResetTraffic()
		WriteJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	})
}

// ResetTraffic forgets recorded requests, counters and fault counts (not the faults themselves).
func (c *Core) ResetTraffic() {
	c.Recorder.Reset()
	c.Faults.ResetStats()
}

// Counters is the body of GET /_admin/counters.
type Counters struct {
	Total  int64            `json:"total"`
	Routes map[string]int64 `json:"routes"`
}
