// Package connector holds what every system connector shares: the Source and
// Destination interfaces the syncer calls, the one error type and its
// classes, and the HTTP transport (per-credential rate limits, per-call
// timeouts, pooled connections, metrics, redaction) that all connectors,
// including go-openai, send their requests through.
//
// Connectors never retry on their own and never talk to Kubernetes: they
// classify each failure once (Classify, RetryAfter) so the caller can choose
// between an in-process retry (RetryPolicy.Do) and a requeue that survives a
// restart.
package connector
