// Package syncer runs a mapping's flow, one record at a time. A mapping runs
// one of two flows, chosen once from its systems' capabilities when the
// runtime is built: transfer (fetch → normalize → filter → observe → decide
// Add or Update → map → validate → write → link) or enrich (read the
// customer → map the request → ask the model → map the answer → write it
// back). It holds no Kubernetes code, so the controllers, the webhook
// receiver and the benchmarks all drive the same path through Flow.
package syncer

import (
	"context"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Flow is a mapping's runtime as the controllers use it. It is safe for
// concurrent use.
type Flow interface {
	// Validate checks, with real calls, that the systems accept the
	// credentials and define what the rules write. A *Problem says why the
	// mapping cannot be used; any other error is a failed connection.
	Validate(ctx context.Context) error
	// Syncable is nil when sync requests may name the mapping, or a
	// *Problem (a response mapping is used through the mapping that names
	// it).
	Syncable() error
	// List returns the ids of the source records changed at or after since
	// (every record when since is zero).
	List(ctx context.Context, since time.Time) ([]string, error)
	// Sync moves one record. It never returns an error: every failure is an
	// Outcome with a reason, so that one bad record cannot stop the others.
	Sync(ctx context.Context, id string, opts Options) Outcome
}

// Problem is why a mapping cannot be used, in words for its Ready
// condition. Stalled is true when only a change of the spec (or of the
// objects it names) can help, so retrying is pointless.
type Problem struct {
	Reason  string
	Message string
	Stalled bool
}

func (p *Problem) Error() string { return p.Reason + ": " + p.Message }

// Options are a sync request's per-run choices.
type Options struct {
	Operation v1alpha1.Operation
	DryRun    bool
}

// Outcome is what happened to one record. It carries ids, reasons and field
// names, never the customer's payload, except the dry run's field changes
// the user asked to see.
type Outcome struct {
	ID            string
	Action        v1alpha1.RecordAction
	DestinationID string
	Reason        string
	Message       string
	Changes       []mapping.Change
	// Transient is true for a failure that a later attempt may pass
	// (rate limits, server errors, timeouts); RetryAfter is the server's
	// hint, if any.
	Transient  bool
	RetryAfter time.Duration
	// Usage is the model calls and tokens the record cost (enrich flow).
	Usage *Usage
}

// Failed reports whether the outcome is a failure, transient or not.
func (o Outcome) Failed() bool {
	return o.Action == v1alpha1.ActionFailed || o.Action == v1alpha1.ActionRetrying
}

// Usage is what one record cost in model calls and tokens: all of them,
// and the part of them asked through the Batch API (billed at half price).
type Usage struct {
	Tokens
	Batched Tokens
	// Calls are the model calls' outcomes, one per call, for the
	// calls-by-outcome metric.
	Calls []Call
}

// Call is how one model call ended: Answered, an answer's reason
// (Refused, Truncated, ContentFiltered, InvalidAnswer) or the error's
// kind (RateLimited, QuotaExceeded, Unavailable, ...).
type Call struct {
	Batched bool
	Outcome string
}

// Tokens are model calls and their tokens by kind.
type Tokens struct {
	ModelCalls                                                      int64
	PromptTokens, CachedPromptTokens, CompletionTokens, TotalTokens int64
}

func (t Tokens) plus(v Tokens) Tokens {
	return Tokens{ModelCalls: t.ModelCalls + v.ModelCalls, PromptTokens: t.PromptTokens + v.PromptTokens,
		CachedPromptTokens: t.CachedPromptTokens + v.CachedPromptTokens,
		CompletionTokens:   t.CompletionTokens + v.CompletionTokens, TotalTokens: t.TotalTokens + v.TotalTokens}
}
