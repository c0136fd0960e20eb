package simhttp

import "github.com/customersync/customer-sync-operator/internal/simulator/fault"

// Traffic is the part of a simulator's Go API that every simulator shares:
// the request counters tests assert on and the faults they inject. Each
// Server embeds one made by Core.Traffic.
type Traffic struct{ core *Core }

// Traffic returns the shared accessors for this core.
func (c *Core) Traffic() Traffic { return Traffic{core: c} }

// Count is the number of API requests received (admin calls excluded),
// rejected ones included: Count() == 0 proves no call was made.
func (t Traffic) Count() int64 { return t.core.Recorder.Count() }

// CountFor is the number of requests on one route pattern.
func (t Traffic) CountFor(pattern string) int64 { return t.core.Recorder.CountFor(pattern) }

// Counts returns the request count per route pattern.
func (t Traffic) Counts() map[string]int64 { return t.core.Recorder.Counts() }

// Requests returns the last n requests received, oldest first (all kept
// when n <= 0), with credentials redacted.
func (t Traffic) Requests(n int) []Request { return t.core.Recorder.Last(n) }

// SetFaults replaces the faults in force.
func (t Traffic) SetFaults(cfg fault.Config) error { return t.core.Faults.Set(cfg) }

// Faults returns the faults in force.
func (t Traffic) Faults() fault.Config { return t.core.Faults.Config() }

// FaultStats returns how many faults were injected.
func (t Traffic) FaultStats() fault.Stats { return t.core.Faults.Stats() }
