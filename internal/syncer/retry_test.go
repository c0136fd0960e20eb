package syncer

import (
	"context"
	"reflect"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// The quick retries of one attempt return one outcome whose usage counts
// every try, billed or not kept, so nothing the model charged is lost.
func TestQuickRetriesSumUsageOfEveryTry(t *testing.T) {
	tries := 0
	script := []Outcome{
		{Action: v1alpha1.ActionRetrying, Transient: true, Usage: &Usage{Tokens: Tokens{ModelCalls: 1, PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}, Calls: []Call{{Outcome: "Unavailable"}}}},
		{Action: v1alpha1.ActionRetrying, Transient: true}, // failed before the model call
		{Action: v1alpha1.ActionUpdated, Usage: &Usage{Tokens: Tokens{ModelCalls: 1, PromptTokens: 11, CompletionTokens: 6, TotalTokens: 17}, Calls: []Call{{Outcome: "Answered"}}}},
	}
	o := withQuickRetries(context.Background(), 2, func() Outcome { tries++; return script[tries-1] })
	if tries != 3 || o.Action != v1alpha1.ActionUpdated {
		t.Fatalf("%d tries, outcome %+v", tries, o)
	}
	want := Usage{Tokens: Tokens{ModelCalls: 2, PromptTokens: 21, CompletionTokens: 11, TotalTokens: 32},
		Calls: []Call{{Outcome: "Unavailable"}, {Outcome: "Answered"}}}
	if o.Usage == nil || !reflect.DeepEqual(*o.Usage, want) {
		t.Errorf("usage %+v, want %+v", o.Usage, want)
	}
}

// A server that asks for a long wait, and a spent budget, end the attempt:
// the wait becomes a durable retry that does not hold a worker.
func TestQuickRetriesStopAtALongWaitOrTheBudget(t *testing.T) {
	tries := 0
	long := func() Outcome {
		tries++
		return Outcome{Action: v1alpha1.ActionRetrying, Transient: true, RetryAfter: time.Minute, Usage: &Usage{Tokens: Tokens{ModelCalls: 1}}}
	}
	if o := withQuickRetries(context.Background(), 5, long); tries != 1 || o.Usage.ModelCalls != 1 {
		t.Errorf("Retry-After 1m: %d tries, usage %+v", tries, o.Usage)
	}
	tries = 0
	brief := func() Outcome { tries++; return Outcome{Action: v1alpha1.ActionRetrying, Transient: true} }
	if withQuickRetries(context.Background(), 2, brief); tries != 3 {
		t.Errorf("budget 2: %d tries, want 3", tries)
	}
	tries = 0
	permanent := func() Outcome { tries++; return Outcome{Action: v1alpha1.ActionFailed} }
	if withQuickRetries(context.Background(), 2, permanent); tries != 1 {
		t.Errorf("a permanent failure was retried: %d tries", tries)
	}
}
