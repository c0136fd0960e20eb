package controllers_test

import (
	"syscall"
	"testing"
	"time"
)

// A manager whose watches keep failing (its credentials may not list
// anything) still stops on the first SIGTERM, within its grace period:
// controller-runtime waits for caches that never sync and ignores the
// signal meanwhile.
func TestFirstSIGTERMStopsAManagerThatCannotWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the operator binary")
	}
	bin := buildManager(t)
	kc, err := env.KubeConfigFor("nobody")
	if err != nil {
		t.Fatal(err)
	}
	p := runManagerAs(t, bin, kc, "--webhook-bind-address="+freePort(t), "--graceful-shutdown-timeout=3s")
	deadline := time.Now().Add(30 * time.Second)
	for !p.said("forbidden") {
		if time.Now().After(deadline) {
			t.Fatal("the manager never hit a forbidden watch; the test proves nothing")
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopsOnSIGTERM(t, p)
}

// stopsOnSIGTERM sends the process one SIGTERM and fails unless it exits
// within 15 seconds (its grace period is 3s in these tests).
func stopsOnSIGTERM(t *testing.T, p *process) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case <-exited:
		t.Logf("stopped %s after SIGTERM", time.Since(start).Round(10*time.Millisecond))
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, into the log below
		<-exited
		t.Fatal("the manager did not stop within 15s of SIGTERM")
	}
}
