package syncer

import (
	"context"
	"slices"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// quickBackoff spaces the quick retries of one attempt.
var quickBackoff = connector.Backoff{Base: 200 * time.Millisecond, Cap: 2 * time.Second}

// maxQuickWait is the longest a quick retry waits; a longer wait (a server's
// Retry-After) is better spent off the worker, as a durable retry.
const maxQuickWait = 5 * time.Second

// attempt runs one attempt of a record: never two at once for one record
// and one destination (target) in the process, with quick retries.
func attempt(ctx context.Context, target, id string, quick int, once func() Outcome) Outcome {
	defer recordLocks.lock(target + "\x00" + id)()
	return withQuickRetries(ctx, quick, once)
}

// withQuickRetries runs one attempt of a record: the transfer, then, while
// it fails transiently with a short wait, up to quick more tries. It is the
// only retry inside an attempt, and the one outcome it returns carries the
// usage of every try, so status and metrics count every model call made.
func withQuickRetries(ctx context.Context, quick int, try func() Outcome) Outcome {
	o := try()
	usage := o.Usage
	for n := 0; o.Transient && n < quick; n++ {
		d := quickBackoff.Delay(n, o.RetryAfter)
		if d > maxQuickWait {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			o.Usage = usage
			return o
		case <-t.C:
		}
		o = try()
		usage = usage.add(o.Usage)
	}
	o.Usage = usage
	return o
}

// add sums two usages; nil is none.
func (u *Usage) add(v *Usage) *Usage {
	switch {
	case u == nil:
		return v
	case v == nil:
		return u
	}
	return &Usage{Tokens: u.Tokens.plus(v.Tokens), Batched: u.Batched.plus(v.Batched),
		Calls: append(slices.Clip(u.Calls), v.Calls...)}
}
