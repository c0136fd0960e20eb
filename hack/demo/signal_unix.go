//go:build unix

package main

import (
	"os"
	"syscall"
)

// terminate sends SIGTERM to the child's whole process group.
func terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }

// kill sends SIGKILL to the child's whole process group.
func kill(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

// watchdogProcAttr puts the watchdog in a process group of its own, so
// that whatever kills the demo's group leaves it alive to clean up.
func watchdogProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
