package connector

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Adaptive paces a credential whose limit nobody configured: it sends at
// will until the system answers 429, then cuts the rate a little under what
// the system was accepting (its ceiling), climbs back to just under the
// ceiling, holds there for 30 s and only then probes above it, by a step
// that doubles each second (multiplicative decrease as TCP does; the
// plateau before probing as CUBIC does, for probing past the limit is what
// costs 429s). The share of 429s that comes whatever the rate (noise) is
// learned and ignored. One Adaptive is shared by every user of a credential
// (Registry.Adaptive).
type Adaptive struct {
	now func() time.Time

	mu  sync.Mutex
	lim *rate.Limiter
	// accepted counts the answers that were not 429 in the current and the
	// previous one-second window, for a sliding estimate of the rate the
	// system accepts.
	winStart  time.Time
	cur, prev int
	// refused counts the 429s of the current window and the previous one.
	refused, prevRefused int
	lastCut, lastUp      time.Time
	// ceiling is the rate the system was accepting when it last refused:
	// its limit, as near as can be told. The rate climbs back to just
	// under it and holds there (heldSince) before probing above.
	ceiling   float64
	heldSince time.Time
	// measured is the ceiling as the last cut measured it; lone 429s
	// lower the ceiling by at most a tenth below it (nudge).
	measured float64
	// since is when the current run of answers began (the first answer,
	// or the first after an idle window). A cut less than a window after
	// it counted the answers of a few milliseconds: the ceiling it measured
	// is only a lower bound (unsure), so the rate climbs past it quickly,
	// without the hold, until a cut measures a whole window.
	since  time.Time
	unsure bool
	// noise is the share of answers refused whatever the rate (a system
	// that refuses at random, or sheds load), a moving average over the
	// windows: refusals up to twice that share are expected, neither a cut
	// nor a nudge. A limit refuses next to nothing while the rate holds
	// under it, so against a limit noise stays near zero.
	noise float64
	// peak is the most answers accepted in one window lately (decaying by
	// 0.5% a window, halving in about two minutes): the climbs stop at
	// twice it. It does not bound the cuts: a bucket that holds seconds of
	// calls makes the first window's peak several times the limit.
	peak float64
}

// Tuning of Adaptive.
const (
	adaptiveBackoff  = 0.95 // a cut sets the rate to this share of the accepted rate
	adaptiveGrowth   = 0.02 // each second without a 429 adds this share of the rate
	adaptiveHold     = 0.98 // the share of the ceiling the rate climbs back to
	adaptiveHoldFor  = 30 * time.Second
	adaptiveNudge    = 0.98 // a lone 429 at the ceiling lowers it to this share
	adaptiveNudgeMin = 0.9  // but not below this share of what the last cut measured
	adaptiveMinStep  = 0.5  // requests per second, the least an increase adds
	adaptiveMinRate  = 0.5  // requests per second, the least a cut leaves
	adaptiveCutEvery = 500 * time.Millisecond
	adaptiveClimb    = 1.5 // each second without a 429 multiplies an unsure ceiling's rate by this
	// adaptiveMinRefused is how many 429s within a second mean the rate is
	// too high; fewer are resent (Transport.Resends) and only nudge the
	// ceiling.
	adaptiveMinRefused = 3
	// The noise average weighs each window without a cut and with at
	// least adaptiveNoiseAnswers answers by adaptiveNoiseWeight: it
	// follows a change within about five such windows.
	adaptiveNoiseAnswers = 5
	adaptiveNoiseWeight  = 0.2
)

// NewAdaptive returns an unlimited Adaptive; now is the clock (time.Now
// when nil).
func NewAdaptive(now func() time.Time) *Adaptive {
	if now == nil {
		now = time.Now
	}
	t := now()
	return &Adaptive{now: now, lim: rate.NewLimiter(rate.Inf, 1), winStart: t, lastUp: t}
}

// Wait blocks until the next call may be sent.
func (a *Adaptive) Wait(ctx context.Context) error { return a.lim.Wait(ctx) }

// Limit is the rate in force; rate.Inf before the first 429.
func (a *Adaptive) Limit() rate.Limit { return a.lim.Limit() }

// Observe learns from one answer's status code.
func (a *Adaptive) Observe(status int) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(now)
	if status != 429 {
		a.cur++
		if a.lim.Limit() != rate.Inf && now.Sub(a.lastUp) >= time.Second && now.Sub(a.lastCut) >= time.Second {
			a.raise(now)
		}
		return
	}
	a.refused++
	frac := float64(now.Sub(a.winStart)) / float64(time.Second)
	refused := float64(a.prevRefused)*(1-frac) + float64(a.refused)
	// As many as the system refuses whatever the rate, with a margin.
	expected := 2 * a.noise * (refused + a.acceptedRate(now))
	if refused < adaptiveMinRefused+expected {
		if refused > expected {
			a.nudge(now) // a lone 429 says little about the rate, unless it is at the ceiling
		}
		return
	}
	if !a.lastCut.IsZero() && now.Sub(a.lastCut) < adaptiveCutEvery {
		return // the 429s of one burst are one signal
	}
	a.ceiling, a.heldSince = a.acceptedRate(now), time.Time{}
	a.measured = a.ceiling
	wasUnsure := a.unsure
	a.unsure = now.Sub(a.since) < time.Second
	next := adaptiveBackoff * a.ceiling
	// The rate an unsure cut set was only a lower bound: the cut after it
	// may raise the rate.
	if l := float64(a.lim.Limit()); a.lim.Limit() != rate.Inf && !wasUnsure {
		// Never more than halve: a 429 after a quiet spell says little
		// about the rate the system accepts.
		next = max(l/2, min(next, adaptiveBackoff*l))
	}
	a.set(now, max(adaptiveMinRate, next))
	a.lastCut, a.lastUp = now, now
}

// raise is the increase after a second without a 429: back up to just
// under the ceiling, then, once the rate has held there for
// adaptiveHoldFor, on above it, for the limit may have been raised. A
// system's limit seldom moves, so most of the time is spent just under it
// rather than probing past it: probing is what the 429s cost.
func (a *Adaptive) raise(now time.Time) {
	l := float64(a.lim.Limit())
	step := max(adaptiveMinStep, l*adaptiveGrowth)
	if a.unsure {
		// Quickly, but to no more than twice what the system accepted
		// lately: a rate far above what is sent measures nothing, and a
		// cut would take many halvings to come down from it.
		l = max(l+step, min(l*adaptiveClimb, 2*a.peak))
	} else if hold := adaptiveHold * a.ceiling; l < hold {
		l = min(hold, l+step)
	} else {
		if a.heldSince.IsZero() {
			a.heldSince = now
		}
		probing := now.Sub(a.heldSince) - adaptiveHoldFor
		if probing < 0 {
			return
		}
		// The step doubles each second of probing (CUBIC's convex side,
		// simplified): past the limit the 429s soon cut it; with no limit
		// in reach (a system refusing at random), the rate is back at the
		// callers' pace within seconds rather than minutes. Twice the peak
		// accepted bounds it, as it bounds the unsure climb.
		doubled := step * float64(int64(1)<<min(int64(probing/time.Second), 10))
		l = max(l+step, min(l+doubled, 2*a.peak))
	}
	a.set(now, l)
	a.lastUp = now
}

// nudge answers a 429 too lone to cut the rate when the rate is at the
// ceiling or probing above it: holding just under the ceiling should draw
// none, so the ceiling was measured a little high (a token bucket that was
// still draining when it was measured) or the probe found the limit. The
// bound below what the cut measured keeps a system that refuses a call now
// and then, whatever the rate, from wearing the rate down.
func (a *Adaptive) nudge(now time.Time) {
	if a.ceiling == 0 || a.unsure || float64(a.lim.Limit()) < adaptiveHold*a.ceiling {
		return
	}
	a.ceiling = max(a.ceiling*adaptiveNudge, adaptiveNudgeMin*a.measured)
	a.set(now, adaptiveHold*a.ceiling)
	a.heldSince, a.lastUp = now, now
}

// roll moves the one-second windows forward.
func (a *Adaptive) roll(now time.Time) {
	for now.Sub(a.winStart) >= time.Second {
		if n := a.cur + a.refused; n >= adaptiveNoiseAnswers && a.lastCut.Before(a.winStart) {
			a.noise += adaptiveNoiseWeight * (float64(a.refused)/float64(n) - a.noise)
		}
		a.peak = max(a.peak*0.995, float64(a.cur))
		a.prev, a.cur = a.cur, 0
		a.prevRefused, a.refused = a.refused, 0
		a.winStart = a.winStart.Add(time.Second)
		if now.Sub(a.winStart) >= time.Second { // idle for more than a window
			a.prev, a.prevRefused, a.winStart, a.since = 0, 0, now, now
		}
	}
	if a.since.IsZero() {
		a.since = now
	}
}

// acceptedRate is the sliding one-second estimate of answers accepted.
func (a *Adaptive) acceptedRate(now time.Time) float64 {
	frac := float64(now.Sub(a.winStart)) / float64(time.Second)
	return float64(a.prev)*(1-frac) + float64(a.cur)
}

func (a *Adaptive) set(now time.Time, rps float64) {
	a.lim.SetLimitAt(now, rate.Limit(rps))
	a.lim.SetBurstAt(now, max(1, int(rps/10)))
}
