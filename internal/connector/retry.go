package connector

import (
	"context"
	"time"
)

// RetryPolicy retries transient failures in process, for callers that would
// rather wait a little than requeue. Keep the budget small: longer outages
// belong to the status-driven backoff that survives restarts.
type RetryPolicy struct {
	// Attempts is the total number of calls, first included; default 3.
	Attempts int
	// Backoff spaces the attempts; the zero value is DefaultBackoff.
	Backoff Backoff
	// MaxWait gives up early, returning the error, when the next wait
	// (including a Retry-After) would be longer; default 30s. The caller
	// can then requeue with RetryAfter(err).
	MaxWait time.Duration
}

// DefaultRetry is a small in-process budget.
var DefaultRetry = RetryPolicy{Attempts: 3, Backoff: DefaultBackoff, MaxWait: 30 * time.Second}

// Do calls fn until it succeeds, fails permanently, the budget is spent or
// ctx ends, and returns how many calls it made with the last error. Only
// wrap idempotent calls (or creates whose duplicates a natural-key lookup
// would catch): a timed-out POST may have been applied.
func (p RetryPolicy) Do(ctx context.Context, fn func(context.Context) error) (int, error) {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultRetry.Attempts
	}
	maxWait := p.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultRetry.MaxWait
	}
	var err error
	for n := 1; ; n++ {
		err = fn(ctx)
		if err == nil || n >= attempts || !IsTransient(err) || ctx.Err() != nil {
			return n, err
		}
		wait := p.Backoff.ForError(n-1, err)
		if wait > maxWait {
			return n, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return n, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, err
		case <-t.C:
		}
	}
}
