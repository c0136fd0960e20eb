package connector

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
)

// Defaults for TransportConfig.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 16
	// DefaultResends is how often the connectors that resend a call
	// refused with 429 do so.
	DefaultResends = 3
)

// TransportConfig configures a Transport.
type TransportConfig struct {
	// System labels metrics, logs and errors ("99minds", "iPaaS.com", "OpenAI").
	System string
	// Limiter paces every request. Get it from Registry.Limiter so that all
	// users of one credential share it. When nil, Adaptive paces them.
	Limiter *rate.Limiter
	// Adaptive learns the credential's limit from 429s when no Limiter is
	// configured (Registry.Adaptive); nil sends at will.
	Adaptive *Adaptive
	// Resends is how many times a call answered 429 is sent again, after
	// its Retry-After, within the caller's deadline: only that call is
	// retried, not the caller's whole operation. Set it only for systems
	// whose 429 always means "slow down" (OpenAI's may mean "out of quota").
	Resends int
	// Timeout bounds one call from sending the request to the end of the
	// response body, not counting the wait for the limiter; default 30s.
	Timeout time.Duration
	// Concurrency is how many calls may be in flight at once; it sizes the
	// idle connection pool (MaxIdleConnsPerHost). Default 16.
	Concurrency int
	// Base sends the requests; default a pooled transport from Registry.
	Base http.RoundTripper
	// Registry supplies the pooled base; default DefaultRegistry.
	Registry *Registry
	// Logger gets one V(1) line per request: method, path, status, latency.
	// Headers and bodies are never logged.
	Logger logr.Logger
}

// Transport is the http.RoundTripper every connector sends through: it
// waits for the credential's rate limiter, bounds the call with the
// per-call timeout, records metrics and turns transport failures into
// classified *Error values. It does not retry and does not read bodies, so
// any HTTP client (go-openai included) can use it via Client.
type Transport struct {
	system   string
	limiter  *rate.Limiter
	adaptive *Adaptive
	resends  int
	timeout  time.Duration
	base     http.RoundTripper
	log      logr.Logger
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport builds a Transport and registers the request metrics.
func NewTransport(cfg TransportConfig) *Transport {
	registerMetrics()
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Registry == nil {
		cfg.Registry = DefaultRegistry
	}
	if cfg.Base == nil {
		cfg.Base = cfg.Registry.pool(cfg.Concurrency)
	}
	t := &Transport{system: cfg.System, limiter: cfg.Limiter, resends: cfg.Resends, timeout: cfg.Timeout, base: cfg.Base, log: cfg.Logger}
	if t.limiter == nil {
		t.adaptive = cfg.Adaptive
	}
	return t
}

// Client returns an *http.Client over the transport. It has no Timeout of
// its own: the transport's per-call timeout excludes rate-limit waits.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

// Limiter returns the limiter in use, or nil.
func (t *Transport) Limiter() *rate.Limiter { return t.limiter }

// RoundTrip implements http.RoundTripper: one call, sent again after its
// Retry-After when it was answered 429 and resends remain.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	for n := 0; ; n++ {
		resp, err := t.send(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || n >= t.resends {
			return resp, err
		}
		next, wait, ok := t.again(req, resp)
		if !ok {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			closeBody(next)
			return nil, FromCause(t.system, OperationFrom(req.Context()), RequestLine(req.Method, req.URL), req.Context().Err())
		case <-timer.C:
		}
		req = next
	}
}

// again prepares the resend of a call refused with 429: the same request
// with a fresh body, after the Retry-After (1s when absent), if that fits
// the caller's deadline.
func (t *Transport) again(req *http.Request, resp *http.Response) (*http.Request, time.Duration, bool) {
	wait, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok || wait <= 0 {
		wait = time.Second
	}
	if dl, has := req.Context().Deadline(); has && time.Until(dl) < wait+t.timeout/10 {
		return nil, 0, false
	}
	next := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, 0, false
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, 0, false
		}
		next.Body = body
	}
	return next, wait, true
}

// send is one call: the limiter's wait, the request under the per-call
// timeout, metrics, and what the answer teaches the adaptive limiter.
func (t *Transport) send(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	op := OperationFrom(ctx)
	if op == "" {
		op = req.Method
	}
	// The request line is for errors and debug logs only: most calls need
	// neither, and building it costs more than the rest of this function.
	line := func() string { return RequestLine(req.Method, req.URL) }
	var wait func(context.Context) error
	switch {
	case t.limiter != nil:
		wait = t.limiter.Wait
	case t.adaptive != nil:
		wait = t.adaptive.Wait
	}
	if wait != nil {
		if err := wait(ctx); err != nil {
			closeBody(req)
			if ctx.Err() == nil {
				// The wait would outlast the caller's deadline: the budget is spent.
				return nil, &Error{System: t.system, Operation: op, Request: line(), Class: Transient,
					Kind: KindRateLimited, Message: "client-side rate limit: no token before the deadline"}
			}
			return nil, FromCause(t.system, op, line(), ctx.Err())
		}
	}
	start := time.Now()
	resp, err := t.within(req)
	elapsed := time.Since(start)
	if err != nil {
		observeRequest(t.system, op, 0, elapsed)
		if log, ok := t.debug(ctx); ok {
			log.Info("request failed", "system", t.system, "operation", op, "request", line(), "duration", elapsed)
		}
		return nil, FromCause(t.system, op, line(), err)
	}
	observeRequest(t.system, op, resp.StatusCode, elapsed)
	if t.adaptive != nil {
		t.adaptive.Observe(resp.StatusCode)
	}
	if log, ok := t.debug(ctx); ok {
		log.Info("request", "system", t.system, "operation", op, "request", line(),
			"status", resp.StatusCode, "duration", elapsed)
	}
	recordResponse(ctx, resp)
	return resp, nil
}

// boundedRoundTripper is a base that bounds a call itself, on the
// connection's deadline (internal/http1): no timer per call.
type boundedRoundTripper interface {
	RoundTripWithin(req *http.Request, d time.Duration) (*http.Response, error)
}

// within sends req bounded by the per-call timeout, from the request to
// the end of the answer's body: by the base when it can, else by a context
// timeout that closing the body ends.
func (t *Transport) within(req *http.Request) (*http.Response, error) {
	if b, ok := t.base.(boundedRoundTripper); ok {
		return b.RoundTripWithin(req, t.timeout)
	}
	ctx := req.Context()
	callCtx, cancel := context.WithTimeoutCause(ctx, t.timeout, errTimeout)
	timedOut := func() bool { return ctx.Err() == nil && context.Cause(callCtx) == errTimeout }
	resp, err := t.base.RoundTrip(req.WithContext(callCtx))
	if err != nil {
		cancel()
		if timedOut() {
			err = errTimeout
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel, timedOut: timedOut}
	return resp, nil
}

// debug is the V(1) logger for request lines, when it is enabled: the
// caller's when its context carries one (a reconcile's, naming the
// namespace, the mapping and the sync request), else the transport's own.
func (t *Transport) debug(ctx context.Context) (logr.Logger, bool) {
	l := t.log
	if cl, err := logr.FromContext(ctx); err == nil {
		l = cl
	}
	if v := l.V(1); v.Enabled() {
		return v.WithName("connector"), true
	}
	return logr.Discard(), false
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// cancelOnClose ends the per-call timeout when the body is closed, so the
// timeout keeps covering the body read, and reports a body read cut short
// by it as the transport's timeout.
type cancelOnClose struct {
	io.ReadCloser
	cancel   context.CancelFunc
	timedOut func() bool
}

func (c *cancelOnClose) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if err != nil && err != io.EOF && c.timedOut() {
		err = errTimeout
	}
	return n, err
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
