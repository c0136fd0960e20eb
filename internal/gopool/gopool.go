// Package gopool runs short concurrent calls on goroutines kept for reuse.
//
// A record's transfer makes some of its HTTP calls side by side (the link
// lookup with the fetch, a customer's cards and transactions with the
// customer). A fresh goroutine for each starts with a small stack and grows
// it, copying, as the call descends through net/http: about 10 µs of CPU a
// goroutine, measured in the end-to-end benchmark's profile, as much as the
// rest of the call's own work. A goroutine that has run such a call keeps
// its grown stack, so gopool hands the next call to an idle one.
package gopool

import (
	"sync"
	"time"
)

// idleTimeout is how long a worker waits for more work before it exits, so
// that the pool shrinks back after a burst (a variable for the tests).
var idleTimeout = 10 * time.Second

var work = make(chan func())

// Go runs f on an idle worker, or on a new one when none is idle.
func Go(f func()) {
	select {
	case work <- f:
	default:
		go worker(f, idleTimeout)
	}
}

func worker(f func(), timeout time.Duration) {
	// The timer is re-armed when it fires, not after every call: arming a
	// timer per call costs about as much as the call's own bookkeeping.
	idle := time.NewTimer(timeout)
	defer idle.Stop()
	for {
		f()
		last := time.Now()
		for f = nil; f == nil; {
			select {
			case f = <-work:
			case <-idle.C:
				since := time.Since(last)
				if since >= timeout {
					return
				}
				idle.Reset(timeout - since)
			}
		}
	}
}

// Group is a sync.WaitGroup whose Go runs on the pool.
type Group struct{ wg sync.WaitGroup }

// Go runs f on the pool; Wait waits for it.
func (g *Group) Go(f func()) {
	g.wg.Add(1)
	Go(func() {
		defer g.wg.Done()
		f()
	})
}

// Wait waits for every function started with Go.
func (g *Group) Wait() { g.wg.Wait() }
