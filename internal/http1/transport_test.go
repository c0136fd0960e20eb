package http1

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server is an httptest server that counts the connections it accepted.
type server struct {
	*httptest.Server
	conns  atomic.Int32
	closed chan struct{} // a value for each connection that ended
}

func newServer(t *testing.T, h http.HandlerFunc, tlsOn bool) *server {
	t.Helper()
	s := &server{closed: make(chan struct{}, 100)}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.closed <- struct{}{}
		}
	}
	if tlsOn {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// fallbackRecorder is the Fallback: it records that it was asked.
type fallbackRecorder struct{ calls atomic.Int32 }

func (f *fallbackRecorder) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Header: http.Header{}}, nil
}

func newTransport(t *testing.T, cfg Config) (*Transport, *fallbackRecorder) {
	fb := &fallbackRecorder{}
	cfg.Fallback = fb
	if cfg.Proxy == nil {
		cfg.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	}
	tr := New(cfg)
	t.Cleanup(tr.CloseIdleConnections) // before the servers' cleanups: they wait for connections to end
	return tr, fb
}

// idleCount is how many connections the pool holds, counted from its
// lists so that the count field is checked too.
func idleCount(tr *Transport) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, cs := range tr.idle {
		n += len(cs)
	}
	if n != tr.count {
		return -1 // the lists and the count disagree
	}
	return n
}

func call(t *testing.T, tr http.RoundTripper, method, target, body string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, target, err)
	}
	return resp, string(data)
}

func TestKeepsConnectionsAcrossFramings(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			got, _ := io.ReadAll(r.Body)
			switch r.URL.Path {
			case "/chunked":
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte("part one;"))
				w.(http.Flusher).Flush()
				_, _ = w.Write([]byte("part two"))
			case "/empty":
				w.WriteHeader(http.StatusNoContent)
			default:
				_, _ = w.Write([]byte(r.Method + " " + r.URL.RequestURI() + " " + string(got) + " " + r.Header.Get("X-Test")))
			}
		}, tlsOn)
		tr, _ := newTransport(t, Config{})
		if tlsOn {
			tr.cfg.TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/items?q=1", strings.NewReader(`{"a":1}`))
		req.Header.Set("X-Test", "yes")
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if want := `POST /items?q=1 {"a":1} yes`; string(got) != want {
			t.Errorf("tls=%v: echo = %q, want %q", tlsOn, got, want)
		}
		if _, b := call(t, tr, http.MethodGet, s.URL+"/chunked", ""); b != "part one;part two" {
			t.Errorf("tls=%v: chunked body = %q", tlsOn, b)
		}
		if resp, _ := call(t, tr, http.MethodDelete, s.URL+"/empty", ""); resp.StatusCode != http.StatusNoContent {
			t.Errorf("tls=%v: status = %d", tlsOn, resp.StatusCode)
		}
		if resp, _ := call(t, tr, http.MethodHead, s.URL+"/items", ""); resp.StatusCode != http.StatusOK {
			t.Errorf("tls=%v: HEAD status = %d", tlsOn, resp.StatusCode)
		}
		call(t, tr, http.MethodPut, s.URL+"/items", "")
		if n := s.conns.Load(); n != 1 {
			t.Errorf("tls=%v: the server accepted %d connections for five sequential calls, want 1", tlsOn, n)
		}
		tr.CloseIdleConnections()
		<-s.closed
	}
}

func TestConnectionCloseIsHonoured(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	}, false)
	tr, _ := newTransport(t, Config{})
	call(t, tr, http.MethodGet, s.URL, "")
	<-s.closed // closed by the server after its answer
	call(t, tr, http.MethodGet, s.URL, "")
	if n := s.conns.Load(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
}

func TestCallerAskingToCloseIsHonoured(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("x")) }, false)
	tr, _ := newTransport(t, Config{})
	for _, ask := range []func(*http.Request){
		func(r *http.Request) { r.Close = true },
		func(r *http.Request) { r.Header.Set("Connection", "close") },
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
		ask(req)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, errBodyClosed) {
			t.Errorf("a read after Close: err = %v, want %v", err, errBodyClosed)
		}
		<-s.closed
	}
	if n := idleCount(tr); n != 0 {
		t.Errorf("%d connections kept after the caller asked to close them", n)
	}
}

func TestGzipIsAskedForAndUndone(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			_, _ = w.Write([]byte("plain"))
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(`{"compressed":true}`))
		_ = zw.Close()
	}, false)
	tr, _ := newTransport(t, Config{})
	for range 2 {
		resp, b := call(t, tr, http.MethodGet, s.URL, "")
		if b != `{"compressed":true}` || !resp.Uncompressed || resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("body = %q, Uncompressed = %v, Content-Encoding = %q", b, resp.Uncompressed, resp.Header.Get("Content-Encoding"))
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("connections = %d, want 1: a gzipped body must leave the connection reusable", n)
	}
}

func TestBodyClosedEarlyClosesTheConnection(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 64<<10))
	}, false)
	tr, _ := newTransport(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = resp.Body.Read(make([]byte, 10))
	_ = resp.Body.Close()
	<-s.closed
	call(t, tr, http.MethodGet, s.URL, "")
	if n := s.conns.Load(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
}

func TestCancelEndsAWaitingCall(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
	}, false)
	defer close(release)
	tr, _ := newTransport(t, Config{})
	for _, end := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		ctx, cancel := end.ctx()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
		_, err := tr.RoundTrip(req)
		cancel()
		if !errors.Is(err, end.want) {
			t.Errorf("%s: err = %v, want %v", end.name, err, end.want)
		}
	}
	if n := idleCount(tr); n != 0 {
		t.Errorf("%d connections went back to the pool after their calls were cut off", n)
	}
}

func TestCancelDuringTheBody(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("head of the body"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, false)
	tr, _ := newTransport(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// rawServer answers on raw TCP so that a test can close connections in
// ways net/http's server does not. handle gets each accepted connection
// with its index.
func rawServer(t *testing.T, handle func(i int, c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { defer c.Close(); handle(i, c, bufio.NewReader(c)) })
		}
	})
	return "http://" + ln.Addr().String()
}

func answer(c net.Conn, body string) {
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// TestResendRule: a server that reads a second call on a kept connection
// and then drops the connection without an answer. A GET is sent again on
// a new connection; a POST, which the server may have carried out, is not.
func TestResendRule(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	base := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		for n := 0; ; n++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			mu.Lock()
			seen[req.Method]++
			mu.Unlock()
			if n == 1 {
				return // the second call on a connection: dropped unanswered
			}
			answer(c, "ok")
		}
	})
	tr, _ := newTransport(t, Config{})

	call(t, tr, http.MethodGet, base, "")
	if _, b := call(t, tr, http.MethodGet, base, ""); b != "ok" {
		t.Errorf("the resent GET's body = %q", b)
	}
	mu.Lock()
	if seen["GET"] != 3 {
		t.Errorf("the server saw %d GETs, want 3 (one of them resent)", seen["GET"])
	}
	mu.Unlock()

	// The resent GET's connection has carried one call: the POST is its second.
	req, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(`{"create":1}`))
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("a POST whose connection dropped before an answer succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["POST"] != 1 {
		t.Errorf("the server saw %d POSTs, want 1: a POST that may have been carried out must not be resent", seen["POST"])
	}
}

// TestIdleConnectionClosedByTheServerIsNotReused: the server closes a kept
// connection while it is idle (for peekAfter or longer); the next call, a
// POST that could not be resent, must go on a new connection.
func TestIdleConnectionClosedByTheServerIsNotReused(t *testing.T) {
	closed := make(chan struct{})
	base := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		answer(c, "first")
		if i == 0 {
			_ = c.Close()
			close(closed)
			return
		}
		for {
			if req, err = http.ReadRequest(br); err != nil {
				return
			}
			answer(c, "again")
		}
	})
	tr, _ := newTransport(t, Config{})
	call(t, tr, http.MethodGet, base, "")
	<-closed
	tr.mu.Lock()
	idle := tr.idle[keyOf(mustURL(t, base))][0]
	tr.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for !peerClosed(idle.nc) { // the FIN crosses loopback asynchronously
		if time.Now().After(deadline) {
			t.Fatal("the server's close was never seen on the idle connection")
		}
		time.Sleep(time.Millisecond)
	}
	tr.mu.Lock()
	idle.idleSince = idle.idleSince.Add(-peekAfter) // idle long enough to be looked at
	tr.mu.Unlock()
	if _, b := call(t, tr, http.MethodPost, base, `{"create":1}`); b != "first" {
		t.Errorf("body = %q, want the new connection's first answer", b)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestInterimAnswersAreSkipped(t *testing.T) {
	base := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
		answer(c, "final")
	})
	tr, _ := newTransport(t, Config{})
	if resp, b := call(t, tr, http.MethodGet, base, ""); resp.StatusCode != 200 || b != "final" {
		t.Errorf("status %d body %q", resp.StatusCode, b)
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	base := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := "X-Filler: " + strings.Repeat("y", 1000) + "\r\n"
		for range MaxResponseHeaderBytes/len(line) + 2 {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	})
	tr, _ := newTransport(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, errHeaderTooLarge) {
		t.Errorf("err = %v, want %v", err, errHeaderTooLarge)
	}
}

func TestInvalidHeaderValueNamesTheFieldOnly(t *testing.T) {
	tr, _ := newTransport(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	req.Header["Authorization"] = []string{"Bearer sk-secret\r\nX-Injected: 1"}
	_, err := tr.RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "Authorization") || strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("err = %v, want one naming the field and not its value", err)
	}
}

func TestWhatItDoesNotSendGoesToTheFallback(t *testing.T) {
	tr, fb := newTransport(t, Config{})
	proxied, _ := newTransport(t, Config{Proxy: func(*http.Request) (*url.URL, error) {
		return url.Parse("http://proxy.example:3128")
	}})
	unknownLength, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", io.MultiReader(strings.NewReader("x")))
	expect, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	expect.Header.Set("Expect", "100-continue")
	for _, req := range []*http.Request{unknownLength, expect} {
		if resp, err := tr.RoundTrip(req); err != nil || resp.StatusCode != http.StatusTeapot {
			t.Errorf("%v: not sent by the fallback (%v)", req.Header, err)
		}
	}
	plain, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	if resp, err := proxied.RoundTrip(plain); err != nil || resp.StatusCode != http.StatusTeapot {
		t.Errorf("a request that needs a proxy was not sent by the fallback (%v)", err)
	}
	if fb.calls.Load() != 2 {
		t.Errorf("fallback calls = %d, want 2", fb.calls.Load())
	}
}

func TestIdleConnectionsExpire(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {}, false)
	tr, _ := newTransport(t, Config{IdleConnTimeout: 50 * time.Millisecond})
	call(t, tr, http.MethodGet, s.URL, "")
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("an idle connection outlived its IdleConnTimeout")
	}
	if n := idleCount(tr); n != 0 {
		t.Errorf("the pool still lists %d connections", n)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.idle) != 0 {
		t.Errorf("the pool still keeps lists for %d hosts", len(tr.idle))
	}
}

func TestPoolKeepsAtMostMaxIdlePerHost(t *testing.T) {
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(3)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { arrived.Done(); <-release }, false)
	tr, _ := newTransport(t, Config{MaxIdleConnsPerHost: 2})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { call(t, tr, http.MethodGet, s.URL, "") })
	}
	arrived.Wait()
	close(release)
	wg.Wait()
	<-s.closed
	if n := idleCount(tr); n != 2 {
		t.Errorf("idle = %d, want 2", n)
	}
}

// RoundTripWithin bounds a call by the connection's deadline: a GET that
// gets no answer on a kept connection fails as a timeout and is not sent
// again (the resend rule would otherwise send it on a new connection), and
// the connection is not kept.
func TestRoundTripWithinTimesOutWithoutResending(t *testing.T) {
	var gets atomic.Int32
	release := make(chan struct{})
	base := rawServer(t, func(i int, c net.Conn, br *bufio.Reader) {
		for n := 0; ; n++ {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			gets.Add(1)
			if n == 1 {
				<-release // the second call on a connection: never answered
				return
			}
			answer(c, "ok")
		}
	})
	defer close(release)
	tr, _ := newTransport(t, Config{})
	call(t, tr, http.MethodGet, base, "")
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	_, err := tr.RoundTripWithin(req, 50*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("the server saw %d GETs, want 2: a call out of time must not be resent", n)
	}
	if n := idleCount(tr); n != 0 {
		t.Errorf("%d connections went back to the pool after a call ran out of time", n)
	}
}

// The bound covers the body, and a connection that served a bounded call
// goes back to the pool without its deadline: the next call on it, slower
// than the first one's bound, succeeds.
func TestRoundTripWithinCoversTheBodyAndClearsTheDeadline(t *testing.T) {
	var slow atomic.Bool
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang-in-body" {
			_, _ = w.Write([]byte("head of the body"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		if slow.Load() {
			time.Sleep(150 * time.Millisecond) // the server's own pace, past the first call's bound
		}
		_, _ = io.WriteString(w, "ok")
	}, false)
	tr, _ := newTransport(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/fast", nil)
	resp, err := tr.RoundTripWithin(req, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	slow.Store(true)
	if _, b := call(t, tr, http.MethodGet, s.URL+"/slow", ""); b != "ok" {
		t.Errorf("body %q", b)
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections, want the first one reused", n)
	}

	req, _ = http.NewRequest(http.MethodGet, s.URL+"/hang-in-body", nil)
	resp, err = tr.RoundTripWithin(req, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("reading a body that stops: err = %v, want a timeout", err)
	}
}

// A bounded call the Fallback sends is bounded by a context timeout.
func TestRoundTripWithinBoundsTheFallback(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server sees the client hang up
		<-r.Context().Done()
	}, false)
	tr := New(Config{Fallback: &http.Transport{}, Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }})
	t.Cleanup(tr.CloseIdleConnections)
	// A body of unknown length is the Fallback's.
	req, _ := http.NewRequest(http.MethodPost, s.URL, io.MultiReader(strings.NewReader("{}")))
	_, err := tr.RoundTripWithin(req, 50*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}
