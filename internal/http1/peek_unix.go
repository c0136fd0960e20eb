//go:build linux || darwin || freebsd || netbsd || openbsd

package http1

import (
	"crypto/tls"
	"net"
	"syscall"
)

// peerClosed reports whether an idle connection has anything to read: the
// server's close (an EOF, a TLS close_notify), a reset, or stray bytes.
// Any of them means the connection must not carry another call. Checking
// before reuse keeps a call that cannot be resent, a create, off a
// connection the server closed while it sat idle.
func peerClosed(nc net.Conn) bool {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	var buf [1]byte
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		_, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait
	}); err != nil {
		return true
	}
	return rerr != syscall.EAGAIN && rerr != syscall.EWOULDBLOCK
}
