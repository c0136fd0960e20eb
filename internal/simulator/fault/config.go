// Package fault injects failures into a simulator's HTTP handlers: latency, random 5xx and 429
// answers, a requests-per-second ceiling, hung connections and failures aimed at one record id.
//
// One Injector wraps every API route of a simulator; each simulator supplies an ErrorWriter so that
// injected failures carry that system's own error body. Decisions come from a seeded RNG, so a
// sequential test sees the same failures on every run.
package fault

import (
	"encoding/json"
	"fmt"
	"time"
)

// Config is the set of faults in force. The zero value injects nothing.
//
// Durations are time.Duration in Go; in JSON and YAML they are strings such as "150ms" (a bare
// number is read as milliseconds).
type Config struct {
	// Latency is added to every matching request; Jitter adds a uniform random 0..Jitter on top.
	Latency time.Duration `json:"latency,omitempty"`
	Jitter  time.Duration `json:"jitter,omitempty"`

	// ErrorRate is the probability (0..1) of answering 500 or 503 (chosen at random between them,
	// or always ErrorStatus when it is set).
	ErrorRate   float64 `json:"errorRate,omitempty"`
	ErrorStatus int     `json:"errorStatus,omitempty"`

	// RateLimitRate is the probability (0..1) of answering 429 with Retry-After.
	RateLimitRate float64 `json:"rateLimitRate,omitempty"`
	// RetryAfter is the Retry-After sent with every injected 429 (rounded up to whole seconds,
	// at least 1). Default 1s.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`

	// MaxRPS answers 429 to requests above this many per second (a token bucket with one second
	// of burst). 0 means no ceiling.
	MaxRPS float64 `json:"maxRPS,omitempty"`

	// HangRate is the probability (0..1) of holding the request without answering until the
	// client gives up or HangMax passes (default 30s), after which 504 is sent.
	HangRate float64       `json:"hangRate,omitempty"`
	HangMax  time.Duration `json:"hangMax,omitempty"`

	// Targets fail requests that concern one record: the path, query or body contains ID.
	Targets []Target `json:"targets,omitempty"`

	// Paths limits the faults to routes whose pattern or path contains one of these strings
	// (e.g. "/customers/"). Empty means every API route.
	Paths []string `json:"paths,omitempty"`

	// Seed seeds the RNG when the config is applied; 0 keeps the injector's current stream.
	Seed uint64 `json:"seed,omitempty"`
}

// Target aims a failure at one record.
type Target struct {
	// ID is searched for in the request path, query and body.
	ID string `json:"id"`
	// Status is answered instead of the real response (default 500). 429 carries Retry-After;
	// 0 with Hang set holds the request instead.
	Status int `json:"status,omitempty"`
	// Hang holds the request like HangRate does, instead of answering Status.
	Hang bool `json:"hang,omitempty"`
	// Times limits how many requests fail; 0 fails them all. The count is kept per Target and
	// reset when the config is set again.
	Times int `json:"times,omitempty"`
}

// Active reports whether the config injects anything, so the fast path can skip all work.
func (c Config) Active() bool {
	return c.Latency > 0 || c.Jitter > 0 || c.ErrorRate > 0 || c.RateLimitRate > 0 ||
		c.MaxRPS > 0 || c.HangRate > 0 || len(c.Targets) > 0
}

// Validate rejects probabilities outside 0..1 and negative durations.
func (c Config) Validate() error {
	for name, p := range map[string]float64{"errorRate": c.ErrorRate, "rateLimitRate": c.RateLimitRate, "hangRate": c.HangRate} {
		if p < 0 || p > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %v", name, p)
		}
	}
	if c.ErrorRate+c.RateLimitRate > 1 {
		return fmt.Errorf("errorRate + rateLimitRate must not exceed 1")
	}
	for name, d := range map[string]time.Duration{"latency": c.Latency, "jitter": c.Jitter, "retryAfter": c.RetryAfter, "hangMax": c.HangMax} {
		if d < 0 {
			return fmt.Errorf("%s must not be negative", name)
		}
	}
	if c.MaxRPS < 0 {
		return fmt.Errorf("maxRPS must not be negative")
	}
	if c.ErrorStatus != 0 && (c.ErrorStatus < 400 || c.ErrorStatus > 599) {
		return fmt.Errorf("errorStatus must be a 4xx or 5xx code")
	}
	for i, t := range c.Targets {
		if t.ID == "" {
			return fmt.Errorf("targets[%d].id must not be empty", i)
		}
		if t.Status != 0 && (t.Status < 400 || t.Status > 599) {
			return fmt.Errorf("targets[%d].status must be a 4xx or 5xx code", i)
		}
	}
	return nil
}

// configJSON mirrors Config with durations as strings.
type configJSON struct {
	Latency       Duration `json:"latency,omitempty"`
	Jitter        Duration `json:"jitter,omitempty"`
	ErrorRate     float64  `json:"errorRate,omitempty"`
	ErrorStatus   int      `json:"errorStatus,omitempty"`
	RateLimitRate float64  `json:"rateLimitRate,omitempty"`
	RetryAfter    Duration `json:"retryAfter,omitempty"`
	MaxRPS        float64  `json:"maxRPS,omitempty"`
	HangRate      float64  `json:"hangRate,omitempty"`
	HangMax       Duration `json:"hangMax,omitempty"`
	Targets       []Target `json:"targets,omitempty"`
	Paths         []string `json:"paths,omitempty"`
	Seed          uint64   `json:"seed,omitempty"`
}

// MarshalJSON writes durations as Go duration strings.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(configJSON{
		Latency: Duration(c.Latency), Jitter: Duration(c.Jitter), ErrorRate: c.ErrorRate, ErrorStatus: c.ErrorStatus,
		RateLimitRate: c.RateLimitRate, RetryAfter: Duration(c.RetryAfter), MaxRPS: c.MaxRPS,
		HangRate: c.HangRate, HangMax: Duration(c.HangMax), Targets: c.Targets, Paths: c.Paths, Seed: c.Seed,
	})
}

// UnmarshalJSON reads durations as strings ("150ms") or milliseconds.
func (c *Config) UnmarshalJSON(b []byte) error {
	var j configJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Config{
		Latency: time.Duration(j.Latency), Jitter: time.Duration(j.Jitter), ErrorRate: j.ErrorRate, ErrorStatus: j.ErrorStatus,
		RateLimitRate: j.RateLimitRate, RetryAfter: time.Duration(j.RetryAfter), MaxRPS: j.MaxRPS,
		HangRate: j.HangRate, HangMax: time.Duration(j.HangMax), Targets: j.Targets, Paths: j.Paths, Seed: j.Seed,
	}
	return nil
}

// Duration is a time.Duration that reads and writes JSON as "1m30s"; a bare number is milliseconds.
type Duration time.Duration

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON accepts "150ms" or 150 (milliseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be a string such as \"150ms\" or a number of milliseconds")
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}
