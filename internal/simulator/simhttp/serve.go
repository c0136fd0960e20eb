package simhttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Running is a simulator listening on a TCP address.
type Running struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234".
	URL string
	srv *http.Server
	ln  net.Listener
}

// Serve starts h on addr ("127.0.0.1:0" picks a free loopback port) and returns at once.
func Serve(addr string, h http.Handler) (*Running, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Printf("simulator on %s stopped: %v\n", ln.Addr(), err)
		}
	}()
	return &Running{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Addr is the listening address.
func (r *Running) Addr() string { return r.ln.Addr().String() }

// Close stops the listener and drops open connections, releasing hung requests.
func (r *Running) Close() error { return r.srv.Close() }

// TB is the part of testing.TB the start helpers need; it keeps package testing out of binaries.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Listener is the start and stop state every simulator embeds: the
// listener it serves on and the base URL tests read.
type Listener struct {
	// URL is the base URL once Serve has run.
	URL string

	mu      sync.Mutex
	running *Running
}

// Serve starts h on addr and sets URL.
func (l *Listener) Serve(addr string, h http.Handler) error {
	run, err := Serve(addr, h)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.running, l.URL = run, run.URL
	l.mu.Unlock()
	return nil
}

// Close stops the listener, if started, releasing hung requests.
func (l *Listener) Close() error {
	l.mu.Lock()
	run := l.running
	l.running = nil
	l.mu.Unlock()
	if run == nil {
		return nil
	}
	return run.Close()
}

// StartForTest starts a simulator with start and closes it when the test
// ends; name says which one failed to start.
func StartForTest[S interface{ Close() error }](tb TB, name string, start func() (S, error)) S {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatalf("starting %s simulator: %v", name, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
