// Package simhttp is the HTTP plumbing the simulators share: routes wrapped with request recording
// and fault injection, loopback-only admin routes, JSON helpers, deterministic ids and a loopback
// listener for tests. It holds no system's behaviour.
package simhttp
