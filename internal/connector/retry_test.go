package connector_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func transient(retryAfter string) error {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return connector.FromStatus(connector.StatusInfo{System: "s", Operation: "Op", StatusCode: 503, Header: h})
}

var fast = connector.RetryPolicy{Attempts: 4, Backoff: connector.Backoff{Base: time.Millisecond, Cap: 2 * time.Millisecond}}

func TestRetryStopsOnSuccess(t *testing.T) {
	calls := 0
	n, err := fast.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 3 {
			return transient("")
		}
		return nil
	})
	if err != nil || n != 3 || calls != 3 {
		t.Fatalf("n=%d calls=%d err=%v", n, calls, err)
	}
}

func TestRetryGivesUpOnPermanent(t *testing.T) {
	perm := connector.NotFound("s", "Op", "gone")
	n, err := fast.Do(context.Background(), func(context.Context) error { return perm })
	if n != 1 || !errors.Is(err, connector.ErrNotFound) {
		t.Fatalf("n=%d err=%v", n, err)
	}
}

func TestRetrySpendsBudget(t *testing.T) {
	n, err := fast.Do(context.Background(), func(context.Context) error { return transient("") })
	if n != 4 || !connector.IsTransient(err) {
		t.Fatalf("n=%d err=%v", n, err)
	}
}

func TestRetryLeavesLongRetryAfterToCaller(t *testing.T) {
	p := fast
	p.MaxWait = time.Second
	n, err := p.Do(context.Background(), func(context.Context) error { return transient("120") })
	if n != 1 {
		t.Fatalf("waited for a Retry-After beyond MaxWait: n=%d", n)
	}
	if d, ok := connector.RetryAfter(err); !ok || d != 120*time.Second {
		t.Fatalf("RetryAfter = %s, %v", d, ok)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := connector.RetryPolicy{Attempts: 5, Backoff: connector.Backoff{Base: time.Hour, Cap: time.Hour}, MaxWait: 2 * time.Hour}
	done := make(chan int)
	go func() {
		n, _ := p.Do(ctx, func(context.Context) error { return transient("") })
		done <- n
	}()
	cancel()
	if n := <-done; n != 1 {
		t.Fatalf("n=%d", n)
	}
}
