package openai_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// lines are n customers, the ones named in markers carrying a simulator
// marker in their comment.
func lines(n int, markers map[int]string) []openai.BatchLine {
	out := make([]openai.BatchLine, n)
	for i := range out {
		req := request(prompt)
		req.Fields = append([]openai.Field(nil), req.Fields...)
		req.Fields[0] = openai.Field{Name: "CustomerNumber", Value: fmt.Sprintf("CUST-%d", i)}
		if m := markers[i]; m != "" {
			req.Fields[5] = openai.Field{Name: "Comment", Value: m}
		}
		out[i] = openai.BatchLine{CustomID: fmt.Sprintf("CUST-%d", i), Request: req}
	}
	return out
}

// A batch goes up as one JSONL file, runs, and comes back as one result
// per customer: answers read and checked as Complete reads them, per-line
// errors for their line only, with the usage billed.
func TestBatchRoundTrip(t *testing.T) {
	s := start(t, sim.Options{})
	c := newClient(t, responsesConfig(s, apiKey))
	fileID, err := c.UploadBatch(ctx, "test.jsonl", lines(5, map[int]string{1: sim.MarkerServerError, 2: sim.MarkerRefusal}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.StartBatch(ctx, fileID, map[string]string{"request": "r1"})
	if err != nil {
		t.Fatal(err)
	}
	// Starting again from the same file finds the same batch.
	again, err := c.StartBatch(ctx, fileID, nil)
	if err != nil || again.ID != b.ID || s.BatchesCreated() != 1 {
		t.Fatalf("second start: %+v, %v; %d batches", again, err, s.BatchesCreated())
	}
	if b, err = c.RetrieveBatch(ctx, b.ID); err != nil || !b.Done() || b.Status != openai.BatchCompleted {
		t.Fatalf("batch %+v, %v", b, err)
	}
	if b.Total != 5 || b.Completed != 4 || b.Failed != 1 {
		t.Errorf("counts %+v", b)
	}
	res, err := c.BatchResults(ctx, b, responseFields())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 {
		t.Fatalf("%d results, want 5", len(res))
	}
	for _, id := range []string{"CUST-0", "CUST-3", "CUST-4"} {
		if r := res[id]; r.Err != nil || r.Answer == nil || len(r.Answer.Fields) != 5 || r.Answer.Usage.PromptTokens == 0 {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if r := res["CUST-1"]; r.Err == nil || !errors.Is(r.Err, connector.ErrTransient) {
		t.Errorf("server error line: %+v, want a transient error", r)
	}
	if r := res["CUST-2"]; openai.ReasonOf(r.Err) != openai.ReasonRefused || r.Answer == nil || r.Answer.Usage.TotalTokens == 0 {
		t.Errorf("refused line: %+v, want Refused with its usage", r)
	}
	ids, reqs := s.BatchRequests()
	if len(ids) != 4 || len(reqs) != 4 {
		t.Errorf("the simulator answered %v", ids)
	}
	if n := len(s.ChatRequests(0)); n != 0 {
		t.Errorf("%d direct calls counted, want none: batch lines are not direct calls", n)
	}
}

// An expired batch leaves its unanswered lines unfinished, not failed;
// a batch OpenAI fails has no results at all.
func TestBatchExpiredAndFailed(t *testing.T) {
	s := start(t, sim.Options{Batches: sim.BatchBehavior{Expire: true, Answered: 2}})
	c := newClient(t, responsesConfig(s, apiKey))
	fileID, err := c.UploadBatch(ctx, "x.jsonl", lines(4, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.StartBatch(ctx, fileID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = c.RetrieveBatch(ctx, b.ID); err != nil || b.Status != openai.BatchExpired {
		t.Fatalf("batch %+v, %v", b, err)
	}
	res, err := c.BatchResults(ctx, b, responseFields())
	if err != nil {
		t.Fatal(err)
	}
	var answered, unfinished int
	for _, r := range res {
		switch {
		case r.Unfinished:
			unfinished++
		case r.Answer != nil && r.Err == nil:
			answered++
		}
	}
	if answered != 2 || unfinished != 2 {
		t.Errorf("%d answered, %d unfinished; want 2 and 2", answered, unfinished)
	}

	s.SetBatchBehavior(sim.BatchBehavior{Fail: true})
	fileID, _ = c.UploadBatch(ctx, "y.jsonl", lines(2, nil))
	b, _ = c.StartBatch(ctx, fileID, nil)
	if b, err = c.RetrieveBatch(ctx, b.ID); err != nil || b.Status != openai.BatchFailed || b.Errors == "" {
		t.Fatalf("batch %+v, %v", b, err)
	}
	if res, err := c.BatchResults(ctx, b, responseFields()); err != nil || len(res) != 0 {
		t.Errorf("failed batch results %v, %v", res, err)
	}
}

// Chat completions batches too; Azure does not.
func TestBatchChatCompletionsAndAzure(t *testing.T) {
	s := start(t, sim.Options{})
	c := newClient(t, config(s))
	fileID, err := c.UploadBatch(ctx, "c.jsonl", lines(2, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.StartBatch(ctx, fileID, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = c.RetrieveBatch(ctx, b.ID)
	res, err := c.BatchResults(ctx, b, responseFields())
	if err != nil || len(res) != 2 || res["CUST-0"].Answer == nil || res["CUST-0"].Err != nil {
		t.Fatalf("results %+v, %v", res, err)
	}
	cfg := config(s)
	cfg.Azure = &openai.Azure{}
	cfg.BaseURL = s.URL
	if err := newClient(t, cfg).SupportsBatch(); err == nil {
		t.Error("Azure claims batch support")
	}
}

// Prompt caching: the cache key is sent, the service tier passed through,
// and a repeated prefix comes back as cached input tokens.
func TestPromptCacheKeyServiceTierAndCachedTokens(t *testing.T) {
	s := start(t, sim.Options{})
	cfg := responsesConfig(s, apiKey)
	cfg.ServiceTier = "flex"
	c := newClient(t, cfg)
	first, err := c.Complete(ctx, request(prompt))
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, s)
	var key, tier string
	_ = json.Unmarshal(b["prompt_cache_key"], &key)
	_ = json.Unmarshal(b["service_tier"], &tier)
	if key == "" || tier != "flex" {
		t.Errorf("prompt_cache_key %q, service_tier %q", key, tier)
	}
	second, err := c.Complete(ctx, request(prompt))
	if err != nil {
		t.Fatal(err)
	}
	if first.Usage.CachedPromptTokens != 0 || second.Usage.CachedPromptTokens == 0 || second.Usage.CachedPromptTokens >= second.Usage.PromptTokens {
		t.Errorf("cached tokens %d then %d (of %d)", first.Usage.CachedPromptTokens, second.Usage.CachedPromptTokens, second.Usage.PromptTokens)
	}
	cfg.PromptCacheKey = "mine"
	if _, err := newClient(t, cfg).Complete(ctx, request(prompt)); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(body(t, s)["prompt_cache_key"], &key)
	if key != "mine" {
		t.Errorf("prompt_cache_key %q, want the mapping's", key)
	}
}
