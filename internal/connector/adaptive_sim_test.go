package connector

import (
	"testing"
	"time"
)

// simulateAdaptive runs an Adaptive on a simulated clock against a system
// that accepts limit calls per second (a token bucket holding burst
// seconds of them, as API gateways and the simulators do) and answers after
// latency, with a sender that always has a call ready and at most 64 in
// flight. It returns the share of calls refused and the accepted rate over
// the limit, both counted after the first 10 seconds.
func simulateAdaptive(limit, burst float64, latency, run time.Duration) (refusedShare, useful float64) {
	var tokens float64
	var last time.Time
	bucket := func(now time.Time) int {
		if last.IsZero() {
			tokens, last = burst*limit, now
		}
		tokens = min(burst*limit, tokens+now.Sub(last).Seconds()*limit)
		last = now
		if tokens < 1 {
			return 429
		}
		tokens--
		return 200
	}
	refusedShare, accepted := simulate(bucket, 64, latency, run)
	return refusedShare, accepted / limit
}

// simulate runs an Adaptive on a simulated clock against a system that
// answers a call sent at now with answer(now), latency later, with a sender
// that always has a call ready and at most inflight in flight. It returns
// the share of calls refused and the calls accepted per second, both
// counted after the first 10 seconds.
func simulate(answer func(now time.Time) int, inflight int, latency, run time.Duration) (refusedShare, acceptedPerSecond float64) {
	now := time.Unix(1_800_000_000, 0)
	start := now
	a := NewAdaptive(func() time.Time { return now })
	type reply struct {
		at     time.Time
		status int
	}
	var pending []reply
	var sent, refused, accepted int
	for ; now.Sub(start) < run; now = now.Add(time.Millisecond) {
		for len(pending) > 0 && !pending[0].at.After(now) {
			a.Observe(pending[0].status)
			pending = pending[1:]
		}
		for len(pending) < inflight && a.lim.AllowN(now, 1) {
			status := answer(now)
			pending = append(pending, reply{now.Add(latency), status})
			if now.Sub(start) >= 10*time.Second {
				sent++
				if status == 429 {
					refused++
				} else {
					accepted++
				}
			}
		}
	}
	return float64(refused) / float64(sent), float64(accepted) / (run - 10*time.Second).Seconds()
}

// Against a fixed limit the rate settles just under it: after the first
// 10 s, at most 1% of calls are refused and at least 95% of the limit is
// used, over a run long enough to probe above the limit twice. Without the
// hold at the ceiling, probing refuses 1% at 50/s and 8% at 10/s. A bucket
// that holds five seconds of calls makes the first second accept six times
// the limit: when half that peak bounded the cuts, the rate stayed near
// three times the limit, 54% refused, for minutes.
func TestAdaptiveLimiterSettlesUnderTheLimit(t *testing.T) {
	for _, burst := range []float64{1, 5} {
		for _, limit := range []float64{10, 50, 200} {
			refused, useful := simulateAdaptive(limit, burst, 20*time.Millisecond, 80*time.Second)
			t.Logf("limit %v/s, burst %v s: %.2f%% refused, %.3f of the limit used", limit, burst, 100*refused, useful)
			if refused > 0.01 || useful < 0.95 {
				t.Errorf("limit %v/s, burst %v s: %.2f%% refused, %.3f of the limit used; want ≤ 1%% and ≥ 0.95", limit, burst, 100*refused, useful)
			}
		}
	}
}

// Lone 429s at the ceiling lower it, a little each, but never more than a
// tenth below what the last cut measured, nor while the rate is still
// climbing back.
func TestAdaptiveLimiterLone429sNudgeTheCeiling(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := NewAdaptive(func() time.Time { return now })
	second := func(status ...int) { // 50 answers over a second, then these
		for range 50 {
			now = now.Add(20 * time.Millisecond)
			a.Observe(200)
		}
		for _, s := range status {
			a.Observe(s)
		}
	}
	second()
	second(429, 429, 429) // the cut: the ceiling is the 50/s accepted
	if a.measured < 45 || a.measured > 55 {
		t.Fatalf("the cut measured a ceiling of %.1f/s, want about 50", a.measured)
	}
	climbing := float64(a.Limit())
	now = now.Add(2500 * time.Millisecond) // past the cut's windows, not yet climbed
	a.Observe(429)                         // a lone 429 below the ceiling changes nothing
	if float64(a.Limit()) != climbing || a.ceiling != a.measured {
		t.Fatalf("a lone 429 below the ceiling moved it: rate %.2f (was %.2f), ceiling %.2f", float64(a.Limit()), climbing, a.ceiling)
	}
	for range 10 {
		second()
	}
	if held := float64(a.Limit()); held < 0.97*a.ceiling || held > a.ceiling {
		t.Fatalf("after 10 quiet seconds the rate is %.2f, want just under the ceiling %.2f", held, a.ceiling)
	}
	before := a.ceiling
	second(429)
	if a.ceiling >= before || float64(a.Limit()) >= adaptiveHold*before {
		t.Fatalf("a lone 429 at the ceiling: ceiling %.2f → %.2f, rate %.2f", before, a.ceiling, float64(a.Limit()))
	}
	for range 40 {
		second(429)
	}
	if a.ceiling < adaptiveNudgeMin*a.measured-1e-9 {
		t.Fatalf("lone 429s wore the ceiling down to %.2f, below %.0f%% of the measured %.2f", a.ceiling, 100*adaptiveNudgeMin, a.measured)
	}
}

// 429s in the first milliseconds, before a whole window of answers was
// counted, do not pin the rate to the few answers counted so far: that
// count is a lower bound, not the system's rate. Here a system refuses its
// first three calls and then one in twenty, whatever the rate; pinned, the
// rate would stay at the handful of calls accepted before the third 429
// (lone 429s below adaptiveMinRefused a second never cut it again, and so
// never measure it again). Instead it climbs until the refusals are a
// steady signal and settles there, as if the 429s had begun later.
func TestAdaptiveLimiterDoesNotTrustItsFirstMilliseconds(t *testing.T) {
	calls := 0
	refusing := func(time.Time) int {
		calls++
		if calls <= 3 || calls%20 == 0 {
			return 429
		}
		return 200
	}
	_, accepted := simulate(refusing, 8, 5*time.Millisecond, 80*time.Second)
	t.Logf("%.1f calls accepted a second", accepted)
	if accepted < 20 {
		t.Fatalf("%.1f calls accepted a second, want at least 20", accepted)
	}
}

// A system that refuses a share of calls at random, whatever the rate, is
// learned as such: its share of 429s is noise, which neither cuts nor
// nudges, and the rate climbs back towards the callers' pace (8 in flight,
// 20 ms each: 400 calls a second). Read as a limit, the rate settled where
// such 429s came three a second, and lower as the peak decayed: 6.5-57
// calls a second here.
func TestAdaptiveLimiterLearnsRandomRefusals(t *testing.T) {
	for _, every := range []int{5, 10, 30} {
		calls := 0
		random := func(time.Time) int {
			calls++
			if calls%every == 1 {
				return 429
			}
			return 200
		}
		_, accepted := simulate(random, 8, 20*time.Millisecond, 80*time.Second)
		t.Logf("one in %d refused: %.1f calls accepted a second", every, accepted)
		if accepted < 0.3*400 {
			t.Errorf("one in %d refused: %.1f calls accepted a second, want at least %.0f", every, accepted, 0.3*400)
		}
	}
}
