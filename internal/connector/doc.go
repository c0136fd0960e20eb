// Package connector holds what every system connector shares: the
// Descriptor that states what a system is and can do, the Source,
// Destination and LinkStore interfaces the syncer calls, the one error type
// and its classes, and the HTTP transport (per-credential rate limits,
// per-call timeouts, pooled connections, metrics, redaction) that all
// connectors, including go-openai, send their requests through.
//
// Connectors never retry on their own and never talk to Kubernetes: they
// classify each failure once (Classify, RetryAfter); the syncer retries a
// brief failure inside an attempt, and the controller schedules the durable
// retries that survive a restart.
package connector
