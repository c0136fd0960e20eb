package simhttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
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
