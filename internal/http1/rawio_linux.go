//go:build linux

package http1

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// rawTCP reads and writes a TCP connection's non-blocking socket with raw
// system calls under the runtime's poller (syscall.RawConn), so that the
// goroutine keeps its P through the call.
//
// net.Conn's Read and Write tell the scheduler that the system call may
// block. Under GOMAXPROCS=1, as the chart runs the manager, the runtime's
// monitor then takes the P from a write that spans two of its ticks (a
// loopback or LAN write that wakes the receiver takes tens of µs on a VM),
// hands it to another thread, and the writer waits for a thread to give it
// back: a quarter of a bare call's client CPU (BenchmarkCallCPU,
// docs/benchmarks.md). A call on a non-blocking socket never blocks, so
// there is nothing to hand over; when the socket is not ready, the poller
// parks the goroutine as net.Conn does, and deadlines apply as they do
// there.
type rawTCP struct {
	net.Conn // the *net.TCPConn, for everything but Read and Write
	rc       syscall.RawConn

	// One Read and one Write at a time, as the file descriptor allows
	// anyway; the functions given to rc are built once and take their
	// buffers from here.
	rmu, wmu        sync.Mutex
	rbuf, wbuf      []byte
	rn, wn          int
	rerr, werr      syscall.Errno
	readFn, writeFn func(uintptr) bool
}

// newRawTCP wraps a TCP connection; anything else is returned as it is.
func newRawTCP(nc net.Conn) net.Conn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	c := &rawTCP{Conn: tc, rc: rc}
	c.readFn, c.writeFn = c.read, c.write
	return c
}

// SyscallConn is the socket's, for peerClosed.
func (c *rawTCP) SyscallConn() (syscall.RawConn, error) { return c.rc, nil }

func (c *rawTCP) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rbuf[0])), uintptr(len(c.rbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // the poller waits for the socket, or the deadline
		}
		c.rn, c.rerr = int(n), e
		return true
	}
}

func (c *rawTCP) write(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		p := c.wbuf[c.wn:]
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch e {
		case 0:
			c.wn += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // the send buffer is full: wait until it drains
		default:
			c.werr = e
			return true
		}
	}
	return true
}

func (c *rawTCP) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rbuf, c.rn, c.rerr = p, 0, 0
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case c.rerr != 0:
		return 0, c.opError("read", os.NewSyscallError("read", c.rerr))
	case c.rn == 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

func (c *rawTCP) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf, c.wn, c.werr = p, 0, 0
	var err error
	if len(p) > 0 {
		err = c.rc.Write(c.writeFn)
	}
	c.wbuf = nil
	switch {
	case err != nil:
		return c.wn, c.opError("write", err)
	case c.werr != 0:
		return c.wn, c.opError("write", os.NewSyscallError("write", c.werr))
	}
	return c.wn, nil
}

// opError reports a failure as net.Conn does (RawConn names its own
// operations "raw-read" and "raw-write"), so that timeouts, resets and
// closed connections are told apart as before.
func (c *rawTCP) opError(op string, err error) error {
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
