// Package hook delivers a simulator's outbound events (iPaaS.com hooks, 99minds webhooks) to a
// configured URL: asynchronously, in order, with a bearer token and retries, so the operator's
// receiver is tested against a real sender.
package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// Config says where and how events are delivered.
type Config struct {
	// URL receives the events; nothing is sent while it is empty.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// MaxAttempts per event, counting the first (default 3).
	MaxAttempts int
	// RetryDelay between attempts (default 100ms).
	RetryDelay time.Duration
}

// Body builds the JSON body of one attempt (0 for the first), so formats that carry the attempt
// number can show it.
type Body func(attempt int) any

// Delivery is one delivery attempt, kept for tests and the admin API.
type Delivery struct {
	Attempt int             `json:"attempt"`
	Body    json.RawMessage `json:"body"`
	Status  int             `json:"status"`
	Error   string          `json:"error,omitempty"`
}

const (
	queueSize         = 4096
	maxKeptDeliveries = 256
	defaultAttempts   = 3
	defaultRetryDelay = 100 * time.Millisecond
)

// Emitter sends events from one goroutine, so writes never wait on the receiver and the
// receiver sees events in the order they happened.
type Emitter struct {
	queue  chan Body
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	client *http.Client
	once   sync.Once

	mu         sync.Mutex
	cfg        Config
	deliveries []Delivery
	dropped    int
	pending    int // queued or being delivered
}

// New starts an emitter; Close stops it.
func New(cfg Config) *Emitter {
	ctx, cancel := context.WithCancel(context.Background())
	e := &Emitter{
		queue: make(chan Body, queueSize), ctx: ctx, cancel: cancel, done: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}, cfg: cfg,
	}
	go e.run()
	return e
}

// Set changes the target at run time; events already queued go to the new target.
func (e *Emitter) Set(cfg Config) {
	e.mu.Lock()
	e.cfg = cfg
	e.mu.Unlock()
}

// Config returns the target.
func (e *Emitter) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg
}

// Enabled reports whether a URL is set, so callers can skip building events nobody receives.
func (e *Emitter) Enabled() bool { return e.Config().URL != "" }

// Send queues an event; it never blocks (a full queue drops the event and counts it).
func (e *Emitter) Send(b Body) {
	if !e.Enabled() {
		return
	}
	e.mu.Lock()
	e.pending++
	e.mu.Unlock()
	select {
	case e.queue <- b:
	default:
		e.mu.Lock()
		e.dropped++
		e.pending--
		e.mu.Unlock()
	}
}

// Wait returns once every event sent so far has been delivered or given up on, so a test can
// read Deliveries without racing the sender.
func (e *Emitter) Wait(ctx context.Context) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		e.mu.Lock()
		idle := e.pending == 0
		e.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.done:
			return nil
		case <-t.C:
		}
	}
}

func (e *Emitter) run() {
	defer close(e.done)
	for {
		select {
		case <-e.ctx.Done():
			return
		case b := <-e.queue:
			e.deliver(b)
			e.mu.Lock()
			e.pending--
			e.mu.Unlock()
		}
	}
}

// deliver posts one event, retrying failed attempts.
func (e *Emitter) deliver(b Body) {
	for attempt := 0; ; attempt++ {
		cfg := e.Config() // re-read: a test may fix a broken receiver between attempts
		max := cfg.MaxAttempts
		if max <= 0 {
			max = defaultAttempts
		}
		if cfg.URL == "" || attempt >= max {
			return
		}
		d := e.post(cfg, attempt, b(attempt))
		e.record(d)
		if d.Error == "" && d.Status < 300 {
			return
		}
		delay := cfg.RetryDelay
		if delay <= 0 {
			delay = defaultRetryDelay
		}
		select {
		case <-e.ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

func (e *Emitter) post(cfg Config, attempt int, body any) Delivery {
	raw, _ := simhttp.Marshal(body)
	d := Delivery{Attempt: attempt, Body: raw}
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, cfg.URL, bytes.NewReader(raw))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

func (e *Emitter) record(d Delivery) {
	e.mu.Lock()
	e.deliveries = append(e.deliveries, d)
	if len(e.deliveries) > maxKeptDeliveries {
		e.deliveries = e.deliveries[len(e.deliveries)-maxKeptDeliveries:]
	}
	e.mu.Unlock()
}

// Deliveries returns the recent attempts and how many events were dropped.
func (e *Emitter) Deliveries() ([]Delivery, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Delivery(nil), e.deliveries...), e.dropped
}

// ClearHistory forgets deliveries and the dropped count.
func (e *Emitter) ClearHistory() {
	e.mu.Lock()
	e.deliveries, e.dropped = nil, 0
	e.mu.Unlock()
}

// Close stops delivery; queued events are dropped.
func (e *Emitter) Close() {
	e.once.Do(func() {
		e.cancel()
		<-e.done
	})
}

type configJSON struct {
	URL         string         `json:"url,omitempty"`
	Token       string         `json:"token,omitempty"`
	MaxAttempts int            `json:"maxAttempts,omitempty"`
	RetryDelay  fault.Duration `json:"retryDelay,omitempty"`
}

// MarshalJSON writes RetryDelay as a duration string and never the token.
func (c Config) MarshalJSON() ([]byte, error) {
	j := configJSON{URL: c.URL, MaxAttempts: c.MaxAttempts, RetryDelay: fault.Duration(c.RetryDelay)}
	if c.Token != "" {
		j.Token = "<redacted>"
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads RetryDelay as "250ms" or milliseconds.
func (c *Config) UnmarshalJSON(b []byte) error {
	var j configJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Config{URL: j.URL, Token: j.Token, MaxAttempts: j.MaxAttempts, RetryDelay: time.Duration(j.RetryDelay)}
	return nil
}
