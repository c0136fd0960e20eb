package receiver

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// flight is one call of a scripted createFunc: its ids, and where the test
// answers it.
type flight struct {
	ids    []string
	answer chan error
}

// scripted returns a coalescer whose creates the test answers one by one.
func scripted(t *testing.T, maxIDs int) (*coalescer, chan flight) {
	calls := make(chan flight)
	o := Options{MaxIDsPerRequest: maxIDs}
	o.defaults()
	o.RetryBackoff.Base, o.RetryBackoff.Cap = time.Millisecond, time.Millisecond
	c := newCoalescer(o, func(ctx context.Context, _ types.NamespacedName, _ *int32, ids []string) error {
		f := flight{ids: ids, answer: make(chan error)}
		select {
		case calls <- f:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-f.answer:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.drain(ctx)
	})
	return c, calls
}

func next(t *testing.T, calls chan flight) flight {
	t.Helper()
	select {
	case f := <-calls:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no create")
	}
	return flight{}
}

var m1 = types.NamespacedName{Namespace: "ns", Name: "m"}

func TestAnIDInFlightIsQueuedAgain(t *testing.T) {
	c, calls := scripted(t, 100)
	if _, err := c.add(m1, time.Millisecond, nil, []string{"a", "b", "a"}); err != nil {
		t.Fatal(err)
	}
	f := next(t, calls)
	if !slices.Equal(f.ids, []string{"a", "b"}) {
		t.Fatalf("first create: %v", f.ids)
	}
	// The request for a may already be syncing, with a read before this
	// event's change: a must go again.
	if _, err := c.add(m1, time.Millisecond, nil, []string{"a", "c"}); err != nil {
		t.Fatal(err)
	}
	f.answer <- nil
	f = next(t, calls)
	if !slices.Equal(f.ids, []string{"a", "c"}) {
		t.Fatalf("second create: %v", f.ids)
	}
	f.answer <- nil
}

func TestAFailedFlightGoesBackToTheHead(t *testing.T) {
	c, calls := scripted(t, 100)
	_, _ = c.add(m1, time.Millisecond, nil, []string{"a", "b"})
	f := next(t, calls)
	_, _ = c.add(m1, time.Millisecond, nil, []string{"c", "a"})
	f.answer <- errors.New("API server unavailable")
	f = next(t, calls)
	if !slices.Equal(f.ids, []string{"a", "b", "c"}) {
		t.Fatalf("retry: %v, want the failed ids first and each once", f.ids)
	}
	f.answer <- nil
}

func TestFullBatchesDoNotWaitForTheWindow(t *testing.T) {
	c, calls := scripted(t, 2)
	_, _ = c.add(m1, time.Hour, nil, []string{"a", "b", "c", "d", "e"})
	for _, want := range [][]string{{"a", "b"}, {"c", "d"}} {
		f := next(t, calls)
		if !slices.Equal(f.ids, want) {
			t.Fatalf("create: %v, want %v", f.ids, want)
		}
		f.answer <- nil
	}
	// e waits for its hour, or for shutdown.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.drain(ctx)
	}()
	f := next(t, calls)
	if !slices.Equal(f.ids, []string{"e"}) {
		t.Fatalf("at shutdown: %v", f.ids)
	}
	f.answer <- nil
	if _, err := c.add(m1, time.Hour, nil, []string{"f"}); !errors.Is(err, errClosed) {
		t.Errorf("add after shutdown: %v, want errClosed", err)
	}
}

// A delivery hears that its ids are stored only when the create that holds
// the last of them succeeded; a failed create tells it to retry, and the
// ids stay pending for the next try.
func TestDeliveriesHearWhenTheirIDsAreStored(t *testing.T) {
	c, calls := scripted(t, 2)
	first, err := c.add(m1, time.Millisecond, nil, []string{"a", "b", "c"}) // two creates: a+b, then c
	if err != nil {
		t.Fatal(err)
	}
	second, _ := c.add(m1, time.Millisecond, nil, []string{"a"})
	f := next(t, calls)
	f.answer <- nil // a and b stored
	select {
	case err := <-first:
		t.Fatalf("the delivery was answered (%v) before c was stored", err)
	case err := <-second:
		if err != nil {
			t.Fatalf("second: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery of a was not answered")
	}
	f = next(t, calls)
	f.answer <- errors.New("etcd is away") // c not stored
	if err := <-first; err == nil {
		t.Fatal("a delivery whose id was not stored was told it was")
	}
	f = next(t, calls) // c is retried all the same
	if !slices.Equal(f.ids, []string{"c"}) {
		t.Fatalf("retried %v, want [c]", f.ids)
	}
	f.answer <- nil
}
