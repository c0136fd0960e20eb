package main

import "syscall"

// childProcAttr puts a child in its own process group and has the kernel
// send it SIGTERM if the demo dies without cleaning up (kill -9), so no
// simulator or operator outlives it.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
