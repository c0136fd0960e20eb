//go:build !linux

package http1

import "net"

func newRawTCP(nc net.Conn) net.Conn { return nc }
