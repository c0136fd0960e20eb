package connector_test

import (
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Sun, 01 Jun 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 01-Jun-25 12:01:00 GMT", time.Minute, true},
		{"Sun, 01 Jun 2025 11:00:00 GMT", 0, true}, // in the past: now
		{"99999999", 24 * time.Hour, true},         // capped
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		got, ok := connector.ParseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := connector.Backoff{Base: 100 * time.Millisecond, Cap: time.Second}
	for attempt := 0; attempt < 70; attempt++ {
		full := min(time.Second, 100*time.Millisecond<<min(attempt, 20))
		for range 50 {
			d := b.Delay(attempt, 0)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, full/2, full)
			}
		}
	}
	if d := b.Delay(0, 5*time.Second); d != 5*time.Second {
		t.Errorf("Retry-After not honoured: %s", d)
	}
	if d := b.Delay(10, 10*time.Millisecond); d < 500*time.Millisecond {
		t.Errorf("a short Retry-After must not shorten the backoff: %s", d)
	}
	var zero connector.Backoff
	if d := zero.Delay(0, 0); d < connector.DefaultBackoff.Base/2 || d > connector.DefaultBackoff.Base {
		t.Errorf("zero Backoff uses defaults: %s", d)
	}
}
