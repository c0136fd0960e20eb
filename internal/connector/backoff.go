package connector

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds a Retry-After we accept, so a bogus header cannot
// park a record for days; callers still see the value and may requeue.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After value: delay-seconds (fractions
// tolerated) or an HTTP date, relative to now. A date in the past means
// "now" (ok, 0). Unparsable or empty values report ok=false.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, false
		}
		d := time.Duration(math.Ceil(secs * float64(time.Second)))
		return min(d, maxRetryAfter), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return min(d, maxRetryAfter), true
}

// Backoff is capped exponential backoff with jitter: attempt n (from 0)
// waits a random time in [d/2, d] where d = min(Cap, Base * 2^n). Half the
// delay is fixed so retries never bunch up at zero; half is random so
// clients that failed together do not retry together.
type Backoff struct {
	Base time.Duration // first delay; default 500ms
	Cap  time.Duration // longest delay; default 60s
}

// DefaultBackoff suits in-process retries of a single call.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Cap: 60 * time.Second}

// Delay returns the wait before retry attempt n (0 = first retry), at least
// retryAfter when the server asked for one.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, capD := b.Base, b.Cap
	if base <= 0 {
		base = DefaultBackoff.Base
	}
	if capD <= 0 {
		capD = DefaultBackoff.Cap
	}
	d := capD
	if attempt < 62 {
		if exp := base << uint(max(attempt, 0)); exp > 0 && exp < capD {
			d = exp
		}
	}
	half := d / 2
	d = half + rand.N(d-half+1)
	return max(d, retryAfter)
}

// ForError is Delay with the Retry-After carried by err.
func (b Backoff) ForError(attempt int, err error) time.Duration {
	ra, _ := RetryAfter(err)
	return b.Delay(attempt, ra)
}
