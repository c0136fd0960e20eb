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
// that the pool shrinks back after a burst.
const idleTimeout = 10 * time.Second

var work = make(chan func())

// Go runs f on an idle worker, or on a new one when none is idle.
func Go(f func()) {
	select {
	case work <- f:
	default:
		go worker(f)
	}
}

func worker(f func()) {
	idle := time.NewTimer(idleTimeout)
	defer idle.Stop()
	for {
		f()
		idle.Reset(idleTimeout)
		select {
		case f = <-work:
		case <-idle.C:
			return
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
