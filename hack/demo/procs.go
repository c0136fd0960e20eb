package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// proc is a child process whose output goes to a log file. It runs in its
// own process group, so a Ctrl-C in the terminal reaches only the demo,
// which then stops its children in order (operator first, so it does not
// log errors about simulators that vanished under it).
type proc struct {
	name, logPath string
	cmd           *exec.Cmd
	done          chan struct{}
	err           error // set before done is closed

	mu       sync.Mutex
	stopping bool
}

func startProc(name, logPath, bin string, args ...string) (*proc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, bin, err)
	}
	p := &proc{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// expected reports whether the process was asked to stop, so that its end
// is not an error.
func (p *proc) expected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

// stop asks the process group to terminate and kills it after grace.
func (p *proc) stop(grace time.Duration) error {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	if p.exited() {
		return nil
	}
	_ = terminate(p.cmd.Process)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	_ = kill(p.cmd.Process)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
	return fmt.Errorf("%s did not stop within %s and was killed", p.name, grace)
}

// watch cancels ctx with a cause when the process ends without being asked
// to, so that waits fail at once instead of running into their timeouts.
func (p *proc) watch(ctx context.Context, cancel context.CancelCauseFunc) {
	go func() {
		select {
		case <-p.done:
			if !p.expected() {
				cancel(fmt.Errorf("%s exited unexpectedly (%v); its log: %s", p.name, p.err, p.logPath))
			}
		case <-ctx.Done():
		}
	}()
}

// tail returns the last n lines of a file, for failure reports.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logMentions reports whether a log file contains s, used to tell a port
// clash (retried with new ports) from any other start failure.
func logMentions(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte(s))
}
