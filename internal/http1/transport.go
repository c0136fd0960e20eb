// Package http1 is the HTTP/1.1 transport the connectors send through.
//
// net/http's Transport runs two goroutines per connection and hands every
// call to them and back. When the process is mostly waiting on the
// network, as an operator syncing records is, each hand-over wakes a
// sleeping thread, and a call costs about 70 µs of client CPU on the
// project's 2-core benchmark machine. Here the caller's goroutine writes
// the request and reads the answer itself, and on Linux it does so with
// raw system calls that keep its P (rawio_linux.go): about 35 µs
// (BenchmarkCallCPU in internal/connector, docs/benchmarks.md).
//
// The framing is the standard library's: http.ReadResponse parses every
// answer, chunked and close-delimited bodies included, but the commonest
// (readHead: an HTTP/1.1 head already buffered, framed by one
// Content-Length). This package owns only the connection pool, the request
// head and cancellation. What it does not do itself (a proxy from the
// environment, a request body of unknown length, Expect, trailers) goes to
// the Fallback transport.
package http1

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultMaxIdleConnsPerHost = 16
	DefaultIdleConnTimeout     = 90 * time.Second
	DefaultDialTimeout         = 10 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// MaxResponseHeaderBytes bounds a response's status line and headers.
	MaxResponseHeaderBytes = 1 << 20
)

// Config configures a Transport; zero fields take the defaults.
type Config struct {
	// MaxIdleConnsPerHost is how many idle connections are kept per host.
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes a connection idle for longer.
	IdleConnTimeout time.Duration
	// DialTimeout bounds the TCP connect, TLSHandshakeTimeout the handshake.
	DialTimeout, TLSHandshakeTimeout time.Duration
	// TLSClientConfig is cloned for each TLS connection; nil uses the
	// system's roots.
	TLSClientConfig *tls.Config
	// Proxy picks a proxy for a request; default http.ProxyFromEnvironment.
	// A request that needs one is sent by Fallback.
	Proxy func(*http.Request) (*url.URL, error)
	// Fallback sends what this transport does not; it is required.
	Fallback http.RoundTripper
}

// Transport is an http.RoundTripper over kept-alive HTTP/1.1 connections.
type Transport struct {
	cfg    Config
	dialer net.Dialer

	mu    sync.Mutex
	idle  map[poolKey][]*conn // the most recently used last
	reap  *time.Timer         // armed while any connection is idle
	count int                 // idle connections
}

var _ http.RoundTripper = (*Transport)(nil)

// New returns a Transport.
func New(cfg Config) *Transport {
	if cfg.MaxIdleConnsPerHost <= 0 {
		cfg.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if cfg.IdleConnTimeout <= 0 {
		cfg.IdleConnTimeout = DefaultIdleConnTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.TLSHandshakeTimeout <= 0 {
		cfg.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if cfg.Proxy == nil {
		cfg.Proxy = http.ProxyFromEnvironment
	}
	return &Transport{cfg: cfg, dialer: net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second},
		idle: map[poolKey][]*conn{}}
}

// RoundTrip implements http.RoundTripper. Like net/http, it sends a call
// again on a new connection when a reused one turns out to be closed: any
// call when nothing of it was written, a call that can be replayed (GET,
// HEAD, OPTIONS, TRACE, or one with an Idempotency-Key) when no answer
// had begun.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.direct(req) {
		return t.cfg.Fallback.RoundTrip(req)
	}
	return t.roundTrip(req, time.Time{})
}

// RoundTripWithin is RoundTrip bounded by d, from taking a connection to
// the end of the answer's body. The bound is the connection's deadline, so
// a call needs no context timer of its own (a context.WithTimeout costs
// about 4 µs of CPU a call: BenchmarkCallCPU in internal/connector). A call
// out of time fails with an error whose Timeout() is true, and is not sent
// again. A call that goes to the Fallback is bounded by a context timeout.
func (t *Transport) RoundTripWithin(req *http.Request, d time.Duration) (*http.Response, error) {
	if !t.direct(req) {
		ctx, cancel := context.WithTimeout(req.Context(), d)
		resp, err := t.cfg.Fallback.RoundTrip(req.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, err
		}
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	return t.roundTrip(req, time.Now().Add(d))
}

// roundTrip sends a direct call; a non-zero deadline bounds it.
func (t *Transport) roundTrip(req *http.Request, deadline time.Time) (*http.Response, error) {
	if err := validHeader(req.Header); err != nil {
		closeBody(req)
		return nil, err
	}
	key := keyOf(req.URL)
	for {
		c, err := t.get(req.Context(), key, req.URL, deadline)
		if err != nil {
			closeBody(req)
			if ctxErr := req.Context().Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, err
		}
		resp, err := c.roundTrip(t, req, deadline)
		if err == nil {
			return resp, nil
		}
		c.close()
		if ctxErr := req.Context().Err(); ctxErr != nil {
			closeBody(req)
			return nil, ctxErr
		}
		if !c.reused || !retryable(req, err) || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			closeBody(req)
			return nil, err
		}
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// cancelOnClose ends a Fallback call's timeout when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// MaxIdleConnsPerHost is how many idle connections the pool keeps per host.
func (t *Transport) MaxIdleConnsPerHost() int { return t.cfg.MaxIdleConnsPerHost }

// CloseIdleConnections closes every idle connection.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.count = map[poolKey][]*conn{}, 0
	t.mu.Unlock()
	for _, cs := range idle {
		for _, c := range cs {
			c.close()
		}
	}
	if fb, ok := t.cfg.Fallback.(interface{ CloseIdleConnections() }); ok {
		fb.CloseIdleConnections()
	}
}

// direct reports whether this transport sends req itself.
func (t *Transport) direct(req *http.Request) bool {
	if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.User != nil ||
		len(req.TransferEncoding) > 0 || len(req.Trailer) > 0 || req.Header["Expect"] != nil {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= 0 {
		return false // unknown length: net/http probes and chunks it
	}
	proxy, err := t.cfg.Proxy(req)
	return err == nil && proxy == nil
}

// get returns an idle connection to key that is still open, or dials one
// (by the deadline, when there is one).
func (t *Transport) get(ctx context.Context, key poolKey, u *url.URL, deadline time.Time) (*conn, error) {
	now := time.Now()
	for {
		t.mu.Lock()
		cs := t.idle[key]
		if len(cs) == 0 {
			t.mu.Unlock()
			break
		}
		c := cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[key] = cs[:len(cs)-1]
		t.count--
		t.mu.Unlock()
		idle := now.Sub(c.idleSince)
		if idle < t.cfg.IdleConnTimeout && c.br.Buffered() == 0 && (idle < peekAfter || !peerClosed(c.nc)) {
			c.reused = true
			return c, nil
		}
		c.close()
	}
	return t.dial(ctx, key, u, deadline)
}

// put keeps c for reuse, or closes it when the host's pool is full.
func (t *Transport) put(c *conn) {
	c.idleSince = time.Now()
	t.mu.Lock()
	cs := t.idle[c.key]
	if len(cs) >= t.cfg.MaxIdleConnsPerHost {
		t.mu.Unlock()
		c.close()
		return
	}
	t.idle[c.key] = append(cs, c)
	t.count++
	if t.reap == nil {
		t.reap = time.AfterFunc(t.cfg.IdleConnTimeout, t.closeExpired)
	}
	t.mu.Unlock()
}

// closeExpired closes connections idle for IdleConnTimeout and re-arms
// itself while any remain.
func (t *Transport) closeExpired() {
	cutoff := time.Now().Add(-t.cfg.IdleConnTimeout)
	var expired []*conn
	t.mu.Lock()
	for key, cs := range t.idle {
		n := 0
		for n < len(cs) && !cs[n].idleSince.After(cutoff) {
			n++ // oldest first
		}
		expired = append(expired, cs[:n]...)
		if n == len(cs) {
			delete(t.idle, key)
		} else {
			t.idle[key] = append(cs[:0:0], cs[n:]...)
		}
		t.count -= n
	}
	t.reap = nil
	if t.count > 0 {
		oldest := time.Now()
		for _, cs := range t.idle {
			if cs[0].idleSince.Before(oldest) {
				oldest = cs[0].idleSince
			}
		}
		t.reap = time.AfterFunc(time.Until(oldest.Add(t.cfg.IdleConnTimeout)), t.closeExpired)
	}
	t.mu.Unlock()
	for _, c := range expired {
		c.close()
	}
}

func (t *Transport) dial(ctx context.Context, key poolKey, u *url.URL, deadline time.Time) (*conn, error) {
	dialer := t.dialer
	dialer.Deadline = deadline
	nc, err := dialer.DialContext(ctx, "tcp", key.addr)
	if err != nil {
		return nil, err
	}
	nc = newRawTCP(nc)
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if t.cfg.TLSClientConfig != nil {
			cfg = t.cfg.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		by := time.Now().Add(t.cfg.TLSHandshakeTimeout)
		if !deadline.IsZero() && deadline.Before(by) {
			by = deadline
		}
		hctx, cancel := context.WithDeadline(ctx, by)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = nc.Close()
			return nil, err
		}
		nc = tc
	}
	c := &conn{nc: nc, key: key}
	c.br = bufio.NewReaderSize(limitReader{c}, 4<<10)
	c.bw = bufio.NewWriterSize(countWriter{c}, 4<<10)
	return c, nil
}

// conn is one connection, used by one call at a time.
type conn struct {
	nc        net.Conn
	key       poolKey
	br        *bufio.Reader
	bw        *bufio.Writer
	reused    bool
	idleSince time.Time
	deadline  time.Time // the current call's, if any
	written   int64     // bytes written for the current call
	limit     int64     // bytes left to read before the headers must end; <0 once they have
}

// limitReader bounds what the response head may read.
type limitReader struct{ c *conn }

var errHeaderTooLarge = fmt.Errorf("http1: the response headers exceed %d bytes", MaxResponseHeaderBytes)

func (r limitReader) Read(p []byte) (int, error) {
	c := r.c
	if c.limit >= 0 {
		if c.limit == 0 {
			return 0, errHeaderTooLarge
		}
		if int64(len(p)) > c.limit {
			p = p[:c.limit]
		}
	}
	n, err := c.nc.Read(p)
	if c.limit >= 0 {
		c.limit -= int64(n)
	}
	return n, err
}

// countWriter counts what reached the connection, for the resend rule.
type countWriter struct{ c *conn }

func (w countWriter) Write(p []byte) (int, error) {
	n, err := w.c.nc.Write(p)
	w.c.written += int64(n)
	return n, err
}

func (c *conn) close() { _ = c.nc.Close() }

// errNoAnswer wraps a failure before the first byte of an answer.
type errNoAnswer struct{ err error }

func (e errNoAnswer) Error() string { return e.err.Error() }
func (e errNoAnswer) Unwrap() error { return e.err }

// errNothingWritten wraps a write failure before any byte was sent.
type errNothingWritten struct{ errNoAnswer }

// peekAfter is how long a connection must have been idle before get looks
// for the server's close on it. Servers close idle connections after
// seconds (Node and uvicorn 5 s, nginx 75 s) and announce an earlier close
// in the answer (Connection: close); the look is a system call, 4% of the
// manager's CPU when made before every call. OkHttp looks only after 10 s.
const peekAfter = time.Second

// aLongTimeAgo is a deadline that makes blocked I/O return at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip writes req and reads the answer's head; the body reads from
// the connection and returns it to the pool at its end. A non-zero
// deadline is the connection's until then.
func (c *conn) roundTrip(t *Transport, req *http.Request, deadline time.Time) (*http.Response, error) {
	ctx := req.Context()
	if c.deadline = deadline; !deadline.IsZero() {
		_ = c.nc.SetDeadline(deadline)
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
	}
	gzipped := acceptGzip(req)
	c.written = 0
	err := writeRequest(c.bw, req, gzipped)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		stop()
		if c.written == 0 {
			return nil, errNothingWritten{errNoAnswer{err}}
		}
		return nil, err
	}
	c.limit = MaxResponseHeaderBytes
	if _, err := c.br.Peek(1); err != nil {
		stop()
		return nil, errNoAnswer{err}
	}
	resp, ok := readHead(c.br, req)
	if !ok {
		resp, err = http.ReadResponse(c.br, req)
	}
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 {
		if resp.StatusCode == http.StatusSwitchingProtocols {
			err = errors.New("http1: the server switched protocols")
			break
		}
		c.limit = MaxResponseHeaderBytes // an interim answer; the final one follows
		resp, err = http.ReadResponse(c.br, req)
	}
	c.limit = -1
	if err != nil {
		stop()
		return nil, err
	}
	b := &body{t: t, c: c, rc: resp.Body, stop: stop, ctx: ctx, keep: !resp.Close && !closeAfter(req)}
	if resp.Body == http.NoBody {
		b.finish(b.keep) // nothing to read: the connection is free now
		return resp, nil
	}
	resp.Body = b
	if gzipped && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Body = &gzipBody{body: b}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// body is a response body: at its end the connection goes back to the
// pool; closed before its end, the connection is closed.
type body struct {
	t    *Transport
	c    *conn
	rc   io.ReadCloser
	stop func() bool
	ctx  context.Context
	keep bool

	mu     sync.Mutex
	done   bool // the connection is back in the pool or closed
	closed bool // Close was called
}

var errBodyClosed = errors.New("http1: read on a closed response body")

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, errBodyClosed
	case b.done:
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(b.keep)
	case err != nil:
		b.finish(false)
		if ctxErr := b.ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
	}
	return n, err
}

func (b *body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if !b.done {
		b.finish(false)
	}
	return nil
}

// finish ends the call on the connection: kept for the next one, or
// closed. The cancellation hook is removed first, so that a context ended
// later cannot touch a connection in the pool.
func (b *body) finish(keep bool) {
	b.done = true
	if !b.stop() {
		keep = false // the hook ran: the connection's deadline is spent
	}
	if keep && !b.c.deadline.IsZero() {
		keep = b.c.nc.SetDeadline(time.Time{}) == nil
	}
	if keep {
		b.t.put(b.c)
	} else {
		b.c.close()
	}
}

// gzipBody decompresses a body the transport asked to be gzipped.
type gzipBody struct {
	*body
	zr *gzip.Reader
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.body)
		if err != nil {
			return 0, err
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	if err == io.EOF {
		// Read past the gzip trailer to the body's end, so the connection
		// can be kept.
		if _, derr := io.Copy(io.Discard, io.LimitReader(g.body, 4<<10)); derr != nil {
			err = derr
		}
	}
	return n, err
}

func writeRequest(w *bufio.Writer, req *http.Request, gzipped bool) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	_, _ = w.WriteString(req.Method)
	_ = w.WriteByte(' ')
	_, _ = w.WriteString(req.URL.RequestURI())
	_, _ = w.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = w.WriteString(host)
	_, _ = w.WriteString("\r\n")
	for k, vs := range req.Header {
		if k == "Host" || k == "Content-Length" || k == "Transfer-Encoding" || k == "Trailer" {
			continue // this transport writes them
		}
		for _, v := range vs {
			_, _ = w.WriteString(k)
			_, _ = w.WriteString(": ")
			_, _ = w.WriteString(v)
			_, _ = w.WriteString("\r\n")
		}
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	switch {
	case hasBody:
		_, _ = w.WriteString("Content-Length: ")
		_, _ = w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		_, _ = w.WriteString("\r\n")
	case req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch:
		_, _ = w.WriteString("Content-Length: 0\r\n")
	}
	if gzipped {
		_, _ = w.WriteString("Accept-Encoding: gzip\r\n")
	}
	if req.Close && req.Header["Connection"] == nil {
		_, _ = w.WriteString("Connection: close\r\n")
	}
	_, err := w.WriteString("\r\n")
	if err != nil || !hasBody {
		return err
	}
	n, err := io.Copy(w, io.LimitReader(req.Body, req.ContentLength))
	_ = req.Body.Close()
	if err == nil && n != req.ContentLength {
		err = fmt.Errorf("http1: the request body has %d bytes, not the ContentLength %d", n, req.ContentLength)
	}
	return err
}

// closeAfter reports whether the caller asked for the connection to end
// with this call.
func closeAfter(req *http.Request) bool {
	if req.Close {
		return true
	}
	for _, v := range req.Header["Connection"] {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return true
			}
		}
	}
	return false
}

// acceptGzip reports whether to ask for a gzipped answer, as net/http does.
func acceptGzip(req *http.Request) bool {
	return req.Method != http.MethodHead && req.Header["Accept-Encoding"] == nil && req.Header["Range"] == nil
}

// validHeader refuses header fields that would break the request head. The
// error names the field, never its value (it may be a credential).
func validHeader(h http.Header) error {
	for k, vs := range h {
		if !validName(k) {
			return fmt.Errorf("http1: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !validValue(v) {
				return fmt.Errorf("http1: invalid value for header field %q", k)
			}
		}
	}
	return nil
}

// validValue reports whether v holds no control characters but tabs.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, b) >= 0 {
			return false
		}
	}
	return true
}

// retryable applies net/http's rule for sending a call again on a new
// connection after a reused one failed.
func retryable(req *http.Request, err error) bool {
	var nothing errNothingWritten
	if errors.As(err, &nothing) {
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	var none errNoAnswer
	if !errors.As(err, &none) {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		if req.Header["Idempotency-Key"] == nil && req.Header["X-Idempotency-Key"] == nil {
			return false
		}
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns req with a fresh body for a resend.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	next := *req
	next.Body = b
	return &next, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// poolKey names the connections that can serve a URL: its scheme and its
// host:port (a struct, so the lookup allocates nothing).
type poolKey struct{ scheme, addr string }

func keyOf(u *url.URL) poolKey { return poolKey{u.Scheme, hostPort(u)} }

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
