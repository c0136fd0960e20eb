//go:build linux

package http1

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// rawPipe is a loopback TCP connection with both ends raw.
func rawPipe() (c1, c2 net.Conn, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() { _ = ln.Close() }()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	d, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, nil, nil, err
	}
	a, ok := <-accepted
	if !ok {
		_ = d.Close()
		return nil, nil, nil, errors.New("accept failed")
	}
	c1, c2 = newRawTCP(d), newRawTCP(a)
	if _, ok := c1.(*rawTCP); !ok {
		return nil, nil, nil, errors.New("newRawTCP did not wrap a TCP connection")
	}
	return c1, c2, func() { _ = c1.Close(); _ = c2.Close() }, nil
}

// The x/net conformance suite for net.Conn: I/O, concurrent reads and
// writes, every kind of deadline, Close during a blocked call.
func TestRawTCPIsANetConn(t *testing.T) { nettest.TestConn(t, rawPipe) }

// The failures the transport and the connector classify keep their types.
func TestRawTCPErrorsAreNetConns(t *testing.T) {
	c1, c2, stop, err := rawPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	buf := make([]byte, 16)

	if err := c1.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err = c1.Read(buf)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		t.Fatalf("read past the deadline: %#v, want a *net.OpError for read", err)
	}
	_ = c1.SetReadDeadline(time.Time{})

	// An orderly close reads as io.EOF, after what was sent.
	if _, err := c2.Write([]byte("last")); err != nil {
		t.Fatal(err)
	}
	_ = c2.(*rawTCP).Conn.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c1)
	if err != nil || string(got) != "last" {
		t.Fatalf("read to the end: %q, %v", got, err)
	}

	// A reset reads as ECONNRESET.
	c3, c4, stop2, err := rawPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stop2()
	_ = c4.(*rawTCP).Conn.(*net.TCPConn).SetLinger(0)
	if _, err := c3.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	_ = c4.Close()
	if _, err := c3.Read(buf); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after a reset: %v, want ECONNRESET", err)
	}

	// Our own close reads as net.ErrClosed.
	_ = c1.Close()
	if _, err := c1.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v, want net.ErrClosed", err)
	}
}

// A write larger than the socket's buffers waits for the reader, in
// pieces, and arrives whole.
func TestRawTCPWritesLargerThanTheSocketBuffer(t *testing.T) {
	c1, c2, stop, err := rawPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_ = c1.(*rawTCP).Conn.(*net.TCPConn).SetWriteBuffer(4 << 10)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	done := make(chan error, 1)
	go func() {
		n, err := c1.Write(want)
		if err == nil && n != len(want) {
			err = io.ErrShortWrite
		}
		_ = c1.(*rawTCP).Conn.(*net.TCPConn).CloseWrite()
		done <- err
	}()
	got, err := io.ReadAll(c2)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want the %d written", len(got), len(want))
	}
}

// The transport's connections are raw, over plain and TLS alike.
func TestTransportDialsRawConnections(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		if tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		tr := New(Config{Fallback: http.DefaultTransport, TLSClientConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig})
		u, _ := url.Parse(srv.URL)
		c, err := tr.dial(context.Background(), keyOf(u), u, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		nc := c.nc
		if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
			nc = tc.NetConn()
		}
		if _, ok := nc.(*rawTCP); !ok {
			t.Errorf("tls=%v: the transport dialled a %T, want *rawTCP", tls, nc)
		}
		c.close()
		srv.Close()
	}
}
