//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The watchdog is a copy of this program (-watchdog) in its own process
// group that stops the demo's processes if the demo dies without doing it
// (kill -9, or a CI runner killing the demo's process group): the demo
// tells it each process group it starts over a pipe, and the pipe closing
// without a final "done" means the demo is gone. It covers the control
// plane, which envtest starts in process groups of its own.

// watchdog is the demo's end of the pipe.
type watchdog struct {
	cmd *exec.Cmd
	w   io.WriteCloser
}

func startWatchdog(logPath string) (*watchdog, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(self, "-watchdog")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = watchdogProcAttr()
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &watchdog{cmd: cmd, w: w}, nil
}

// guard hands a process group leader to the watchdog.
func (w *watchdog) guard(pid int) {
	if w != nil {
		fmt.Fprintf(w.w, "%d\n", pid)
	}
}

// disarm tells the watchdog that everything was stopped and waits for it.
func (w *watchdog) disarm() {
	if w == nil {
		return
	}
	fmt.Fprintln(w.w, "done")
	w.w.Close()
	_ = w.cmd.Wait()
}

// runWatchdog is the -watchdog mode: read pids until "done" (exit) or the
// end of input (the demo died: stop the groups).
func runWatchdog(in io.Reader) int {
	var pids []int
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "done" {
			return 0
		}
		if pid, err := strconv.Atoi(line); err == nil && pid > 1 {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return 0
	}
	fmt.Printf("%s demo ended without cleaning up; stopping process groups %v\n", time.Now().Format(time.RFC3339), pids)
	// Newest first, as the demo's cleanup does: operator, simulators,
	// kube-apiserver, then etcd (an API server without etcd is slow to stop).
	for i := len(pids) - 1; i >= 0; i-- {
		pid := pids[i]
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		deadline := time.Now().Add(10 * time.Second)
		for syscall.Kill(-pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if syscall.Kill(-pid, 0) == nil {
			fmt.Printf("process group %d did not stop; killing it\n", pid)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	return 0
}
