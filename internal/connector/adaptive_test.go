package connector

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// The adaptive limiter sends at will until a 429, then holds the rate just
// under what the system accepted, raises it by a little each second without
// a 429, and cuts it again on the next one; the 429s of one burst count once.
func TestAdaptiveLimiter(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := NewAdaptive(func() time.Time { return now })
	if a.Limit() != rate.Inf {
		t.Fatalf("limit %v before any 429, want none", a.Limit())
	}
	// Two seconds at 50 accepted answers per second, then a 429.
	for range 100 {
		now = now.Add(20 * time.Millisecond)
		a.Observe(200)
	}
	a.Observe(429)
	if a.Limit() != rate.Inf {
		t.Fatal("a single 429 cut the rate")
	}
	a.Observe(429)
	a.Observe(429)
	cut := float64(a.Limit())
	if cut < 0.9*50 || cut > 50 {
		t.Fatalf("after the 429: %.1f requests/s, want just under the 50 accepted", cut)
	}
	a.Observe(429) // the same burst
	if float64(a.Limit()) != cut {
		t.Fatalf("a second 429 of one burst cut again: %.1f", float64(a.Limit()))
	}
	// Three quiet seconds raise it.
	for range 150 {
		now = now.Add(20 * time.Millisecond)
		a.Observe(200)
	}
	raised := float64(a.Limit())
	if raised <= cut {
		t.Fatalf("no increase without 429s: %.1f after %.1f", raised, cut)
	}
	now = now.Add(time.Second)
	for range 3 {
		a.Observe(429)
	}
	if float64(a.Limit()) >= raised {
		t.Fatalf("the next 429 did not cut: %.1f", float64(a.Limit()))
	}
}
