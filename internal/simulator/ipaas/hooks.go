package ipaas

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// Hook scopes iPaaS.com sends.
const (
	ScopeCreated = "customer/created"
	ScopeUpdated = "customer/updated"
	ScopeDeleted = "customer/deleted"
)

// HookConfig configures the outbound hook emitter.
type HookConfig struct {
	// URL receives the hooks; none are sent while it is empty.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// SystemID picks the external id put in notifications: the customer's link for this
	// system, or null when it has none (or SystemID is 0).
	SystemID int
	// MaxAttempts per hook, counting the first (default 3); attempt numbers start at 0.
	MaxAttempts int
	// RetryDelay between attempts (default 100ms).
	RetryDelay time.Duration
}

// HookBody is the hook body, in the contract's iPaaS.com hook format.
type HookBody struct {
	ID            string         `json:"id"`
	Attempt       int            `json:"attempt"`
	Notifications []Notification `json:"notifications"`
}

// Notification is one event in a hook body.
type Notification struct {
	Scope        string  `json:"scope"`
	ID           string  `json:"id"`
	ExternalID   *string `json:"external_id"`
	TrackingGUID string  `json:"tracking_guid"`
}

// HookDelivery is one delivery attempt, for tests that check what was sent.
type HookDelivery struct {
	Body   HookBody `json:"body"`
	Status int      `json:"status"`
	Error  string   `json:"error,omitempty"`
}

// emitter turns customer writes into iPaaS.com hook bodies for a hook.Emitter.
type emitter struct {
	out *hook.Emitter

	mu       sync.Mutex
	systemID int
	gen      *simhttp.IDGen
}

func newEmitter(cfg HookConfig, seed uint64) *emitter {
	return &emitter{out: hook.New(cfg.target()), systemID: cfg.SystemID, gen: simhttp.NewIDGen(seed ^ 0x27d4eb2f)}
}

func (c HookConfig) target() hook.Config {
	return hook.Config{URL: c.URL, Token: c.Token, MaxAttempts: c.MaxAttempts, RetryDelay: c.RetryDelay}
}

func (e *emitter) set(cfg HookConfig) {
	e.mu.Lock()
	e.systemID = cfg.SystemID
	e.mu.Unlock()
	e.out.Set(cfg.target())
}

func (e *emitter) config() HookConfig {
	t := e.out.Config()
	e.mu.Lock()
	defer e.mu.Unlock()
	return HookConfig{URL: t.URL, Token: t.Token, SystemID: e.systemID, MaxAttempts: t.MaxAttempts, RetryDelay: t.RetryDelay}
}

// emit queues a hook for c; the delivery id and tracking guid stay the same across retries.
func (e *emitter) emit(scope string, c Customer) {
	if !e.out.Enabled() {
		return
	}
	e.mu.Lock()
	n := Notification{Scope: scope, ID: c.ID, TrackingGUID: e.gen.UUID()}
	id := e.gen.UUID()
	for _, x := range c.ExternalIDs {
		if e.systemID != 0 && x.SystemID == e.systemID {
			v := x.ExternalID
			n.ExternalID = &v
		}
	}
	e.mu.Unlock()
	e.out.Send(func(attempt int) any {
		return HookBody{ID: id, Attempt: attempt, Notifications: []Notification{n}}
	})
}

func (e *emitter) history() ([]HookDelivery, int) {
	ds, dropped := e.out.Deliveries()
	out := make([]HookDelivery, 0, len(ds))
	for _, d := range ds {
		h := HookDelivery{Status: d.Status, Error: d.Error}
		_ = json.Unmarshal(d.Body, &h.Body)
		out = append(out, h)
	}
	return out, dropped
}

func (e *emitter) clearHistory() { e.out.ClearHistory() }
func (e *emitter) close()        { e.out.Close() }

type hookConfigJSON struct {
	URL         string         `json:"url,omitempty"`
	Token       string         `json:"token,omitempty"`
	SystemID    int            `json:"systemId,omitempty"`
	MaxAttempts int            `json:"maxAttempts,omitempty"`
	RetryDelay  fault.Duration `json:"retryDelay,omitempty"`
}

// MarshalJSON writes RetryDelay as a duration string and never the token.
func (c HookConfig) MarshalJSON() ([]byte, error) {
	j := hookConfigJSON{URL: c.URL, SystemID: c.SystemID, MaxAttempts: c.MaxAttempts, RetryDelay: fault.Duration(c.RetryDelay)}
	if c.Token != "" {
		j.Token = "<redacted>"
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads RetryDelay as "250ms" or milliseconds.
func (c *HookConfig) UnmarshalJSON(b []byte) error {
	var j hookConfigJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = HookConfig{URL: j.URL, Token: j.Token, SystemID: j.SystemID, MaxAttempts: j.MaxAttempts, RetryDelay: time.Duration(j.RetryDelay)}
	return nil
}
