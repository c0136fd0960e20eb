package controllers

import (
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

// boundResults returns at most maxResults results, failures first, by id
// within a rank. Retrying records are never dropped (they are the retry
// state); runChunk keeps their number below maxRetrying.
func boundResults(m map[string]*v1alpha1.RecordResult) []v1alpha1.RecordResult {
	out := make([]v1alpha1.RecordResult, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := resultRank(out[i].Action), resultRank(out[j].Action)
		if ri != rj {
			return ri < rj
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > maxResults {
		out = out[:maxResults]
	}
	withChanges := 0
	for i := range out {
		if len(out[i].Changes) == 0 {
			continue
		}
		if withChanges >= maxResultsWithChanges {
			out[i].Changes = nil
			continue
		}
		withChanges++
	}
	return out
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
	st.ModelCalls += u.ModelCalls
	st.PromptTokens += u.PromptTokens
	st.CompletionTokens += u.CompletionTokens
	st.TotalTokens += u.TotalTokens
	modelCalls.WithLabelValues(csr.Namespace, mappingName).Add(float64(u.ModelCalls))
	tokens.WithLabelValues(csr.Namespace, mappingName, "prompt").Add(float64(u.PromptTokens))
	tokens.WithLabelValues(csr.Namespace, mappingName, "completion").Add(float64(u.CompletionTokens))
}
