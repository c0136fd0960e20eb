package controllers

import (
	"encoding/json"
	"reflect"
	"sort"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

func indexResults(rs []v1alpha1.RecordResult) map[string]*v1alpha1.RecordResult {
	out := make(map[string]*v1alpha1.RecordResult, len(rs))
	for i := range rs {
		r := rs[i]
		out[r.ID] = &r
	}
	return out
}

// resultRank orders results: failures first, then records waiting to
// retry, then the rest; results past the bound are dropped from the end.
func resultRank(a v1alpha1.RecordAction) int {
	switch a {
	case v1alpha1.ActionFailed:
		return 0
	case v1alpha1.ActionRetrying:
		return 1
	default:
		return 2
	}
}

// boundResults returns the results status keeps, failures first, by id
// within a rank, and how many it leaves out. Status must stay far below
// etcd's object limit whatever the CRD's maxima allow, so the results are
// bounded by bytes as well as by count: records waiting to retry are always
// kept (they are the retry state; runChunk keeps their number below
// maxRetrying, and their messages short), then failures, then the rest
// while maxResultsBytes allows; a dry run's field changes are kept for at
// most maxResultsWithChanges records, and dropped before a result is.
func boundResults(m map[string]*v1alpha1.RecordResult) ([]v1alpha1.RecordResult, int32) {
	all := make([]v1alpha1.RecordResult, 0, len(m))
	for _, r := range m {
		all = append(all, *r)
	}
	sort.Slice(all, func(i, j int) bool {
		ri, rj := resultRank(all[i].Action), resultRank(all[j].Action)
		if ri != rj {
			return ri < rj
		}
		return all[i].ID < all[j].ID
	})
	keep := make([]bool, len(all))
	budget, kept, withChanges := maxResultsBytes, 0, 0
	take := func(i, size int) {
		keep[i] = true
		budget -= size
		kept++
	}
	for i := range all { // the retry state first, whatever it costs
		if all[i].Action == v1alpha1.ActionRetrying {
			all[i].Message = truncate(all[i].Message, maxRetryingMessage)
			take(i, resultSize(all[i]))
		}
	}
	for i := range all {
		if keep[i] || kept >= maxResults {
			continue
		}
		r := &all[i]
		size := resultSize(*r)
		if len(r.Changes) > 0 && (withChanges >= maxResultsWithChanges || size > budget) {
			r.Changes = nil
			size = resultSize(*r)
		}
		if size > budget {
			continue
		}
		if len(r.Changes) > 0 {
			withChanges++
		}
		take(i, size)
	}
	out := make([]v1alpha1.RecordResult, 0, kept)
	for i := range all {
		if keep[i] {
			out = append(out, all[i])
		}
	}
	return out, int32(len(all) - kept)
}

// resultSize is a result's size in status, as JSON.
func resultSize(r v1alpha1.RecordResult) int {
	b, _ := json.Marshal(r)
	return len(b) + 1
}

// countFailures adds n records that failed for good with reason to the
// request's failureReasons.
func countFailures(st *v1alpha1.CustomerSyncRequestStatus, reason string, n int32) {
	for i := range st.FailureReasons {
		if st.FailureReasons[i].Reason == reason {
			st.FailureReasons[i].Count += n
			return
		}
	}
	if len(st.FailureReasons) >= maxFailureReasons {
		reason = "Other"
		for i := range st.FailureReasons {
			if st.FailureReasons[i].Reason == reason {
				st.FailureReasons[i].Count += n
				return
			}
		}
		st.FailureReasons = st.FailureReasons[:maxFailureReasons-1]
	}
	st.FailureReasons = append(st.FailureReasons, v1alpha1.ReasonCount{Reason: reason, Count: n})
	sort.Slice(st.FailureReasons, func(i, j int) bool { return st.FailureReasons[i].Reason < st.FailureReasons[j].Reason })
}

func countRetrying(rs []v1alpha1.RecordResult) int {
	n := 0
	for _, r := range rs {
		if r.Action == v1alpha1.ActionRetrying {
			n++
		}
	}
	return n
}

func hasReason(rs []v1alpha1.RecordResult, reason string) bool {
	for _, r := range rs {
		if r.Reason == reason {
			return true
		}
	}
	return false
}

// toChanges converts a dry run's diff for status, shortening values.
func toChanges(o syncer.Outcome) []v1alpha1.FieldChange {
	if len(o.Changes) == 0 {
		return nil
	}
	n := min(len(o.Changes), 64)
	out := make([]v1alpha1.FieldChange, n)
	for i, c := range o.Changes[:n] {
		out[i] = v1alpha1.FieldChange{Field: truncate(c.Field, 128), From: truncate(c.From, 256), To: truncate(c.To, 256)}
	}
	return out
}

func equalStatus(a, b *v1alpha1.CustomerSyncRequest) bool {
	return reflect.DeepEqual(a.Status, b.Status)
}

// addUsage adds one record's model calls and tokens to the request's status
// and metrics.
func addUsage(csr *v1alpha1.CustomerSyncRequest, mappingName string, u *syncer.Usage) {
	if u == nil {
		return
	}
	if csr.Status.OpenAI == nil {
		csr.Status.OpenAI = &v1alpha1.OpenAIUsage{}
	}
	st := csr.Status.OpenAI
	addTokens(&st.OpenAITokens, u.Tokens)
	if u.Batched.ModelCalls > 0 {
		if st.Batched == nil {
			st.Batched = &v1alpha1.OpenAITokens{}
		}
		addTokens(st.Batched, u.Batched)
	}
	for _, c := range u.Calls {
		modelCalls.WithLabelValues(csr.Namespace, mappingName, modeOf(c.Batched), c.Outcome).Inc()
	}
	for _, m := range []struct {
		mode string
		t    syncer.Tokens
	}{{"direct", minus(u.Tokens, u.Batched)}, {"batch", u.Batched}} {
		if m.t.TotalTokens == 0 {
			continue
		}
		tokens.WithLabelValues(csr.Namespace, mappingName, "input", m.mode).Add(float64(m.t.PromptTokens - m.t.CachedPromptTokens))
		tokens.WithLabelValues(csr.Namespace, mappingName, "cached_input", m.mode).Add(float64(m.t.CachedPromptTokens))
		tokens.WithLabelValues(csr.Namespace, mappingName, "output", m.mode).Add(float64(m.t.CompletionTokens))
	}
}

func modeOf(batched bool) string {
	if batched {
		return "batch"
	}
	return "direct"
}

func addTokens(st *v1alpha1.OpenAITokens, t syncer.Tokens) {
	st.ModelCalls += t.ModelCalls
	st.PromptTokens += t.PromptTokens
	st.CachedPromptTokens += t.CachedPromptTokens
	st.CompletionTokens += t.CompletionTokens
	st.TotalTokens += t.TotalTokens
}

func minus(a, b syncer.Tokens) syncer.Tokens {
	return syncer.Tokens{ModelCalls: a.ModelCalls - b.ModelCalls, PromptTokens: a.PromptTokens - b.PromptTokens,
		CachedPromptTokens: a.CachedPromptTokens - b.CachedPromptTokens,
		CompletionTokens:   a.CompletionTokens - b.CompletionTokens, TotalTokens: a.TotalTokens - b.TotalTokens}
}
