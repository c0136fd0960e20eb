package gopool

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestWorkersAreReused: calls made one after another run on one goroutine
// once it is idle, instead of a new goroutine each.
func TestWorkersAreReused(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 100 {
		var g Group
		var ran atomic.Int32
		g.Go(func() { ran.Add(1) })
		g.Go(func() { ran.Add(1) })
		g.Wait()
		if ran.Load() != 2 {
			t.Fatalf("ran %d of 2", ran.Load())
		}
	}
	// Two at a time for 100 rounds: a handful of workers, not 200.
	if grew := runtime.NumGoroutine() - before; grew > 8 {
		t.Fatalf("%d goroutines for 200 calls made two at a time", grew)
	}
}

// BenchmarkGo: a call that needs a 12 KB stack, on the pool and on a
// fresh goroutine.
func BenchmarkGo(b *testing.B) {
	var grow func(n int) int
	grow = func(n int) int {
		var pad [256]byte
		if n == 0 {
			return int(pad[0])
		}
		return grow(n-1) + int(pad[n%256])
	}
	b.Run("pool", func(b *testing.B) {
		for b.Loop() {
			var g Group
			g.Go(func() { grow(40) })
			g.Wait()
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			done := make(chan struct{})
			go func() { grow(40); close(done) }()
			<-done
		}
	})
}

// TestIdleWorkersExit: after a burst, the pool shrinks back.
func TestIdleWorkersExit(t *testing.T) {
	defer func(d time.Duration) { idleTimeout = d }(idleTimeout)
	idleTimeout = 50 * time.Millisecond
	before := runtime.NumGoroutine()
	var g Group
	release := make(chan struct{})
	for range 10 {
		g.Go(func() { <-release })
	}
	close(release)
	g.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines 5 s after the burst, %d before it", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond) // polling for the exits
	}
}
