package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
)

// BatchState is an OpenAI batch as the model reports it.
type BatchState = openai.Batch

// BatchResult is one line's answer in an ended batch.
type BatchResult = openai.BatchResult

// BatchLine is one customer's request in a batch, with the fingerprint of
// what it sends: when the batch ends, an answer is applied only if the
// customer still fingerprints the same.
type BatchLine struct {
	ID, Fingerprint string
	request         openai.Request
}

// Batcher is a flow that can ask its model for many records at once,
// through OpenAI's Batch API: prepare each record (those that need no call
// finish there), upload the lines, start the batch, poll it, then apply
// each answer as a direct call's answer would be applied.
type Batcher interface {
	// BatchSettings are the mapping's: the size from which a request
	// batches (0: only when a request asks) and how often a batch is
	// polled. An error says why the flow cannot batch at all.
	BatchSettings() (minRecords int, poll time.Duration, err error)
	// PrepareBatch reads and maps one record. A nil line means the record
	// is done without the model, with the outcome.
	PrepareBatch(ctx context.Context, id string) (*BatchLine, Outcome)
	// UploadBatch uploads the lines as one input file.
	UploadBatch(ctx context.Context, name string, lines []BatchLine) (string, error)
	// StartBatch returns the batch of an uploaded file, created once.
	StartBatch(ctx context.Context, fileID string, metadata map[string]string) (BatchState, error)
	PollBatch(ctx context.Context, id string) (BatchState, error)
	CancelBatch(ctx context.Context, id string) error
	// BatchResults reads an ended batch's answers by record id.
	BatchResults(ctx context.Context, b BatchState) (map[string]BatchResult, error)
	// ApplyBatchResult finishes one record of an ended batch: res is its
	// line's result (nil when the batch has none), fingerprint what was
	// sent for it.
	ApplyBatchResult(ctx context.Context, id, fingerprint string, res *BatchResult, b BatchState) Outcome
}

// BatchModel is a Model that can also answer through the Batch API.
type BatchModel interface {
	SupportsBatch() error
	UploadBatch(ctx context.Context, name string, lines []openai.BatchLine) (string, error)
	StartBatch(ctx context.Context, fileID string, metadata map[string]string) (openai.Batch, error)
	RetrieveBatch(ctx context.Context, id string) (openai.Batch, error)
	CancelBatch(ctx context.Context, id string) error
	BatchResults(ctx context.Context, b openai.Batch, fields []v1alpha1.ResponseField) (map[string]openai.BatchResult, error)
}

var _ Batcher = (*enrich)(nil)

// DefaultBatchPoll is how often a batch is polled when the mapping does
// not say.
const DefaultBatchPoll = 30 * time.Second

func (e *enrich) batchModel() (BatchModel, error) {
	bm, ok := e.model.(BatchModel)
	if !ok {
		return nil, errors.New("the model's connector has no Batch API")
	}
	if err := bm.SupportsBatch(); err != nil {
		return nil, err
	}
	return bm, nil
}

func (e *enrich) BatchSettings() (int, time.Duration, error) {
	if _, err := e.batchModel(); err != nil {
		return 0, 0, err
	}
	if e.batch == nil {
		return 0, DefaultBatchPoll, nil
	}
	poll := DefaultBatchPoll
	if e.batch.PollIntervalSeconds > 0 {
		poll = time.Duration(e.batch.PollIntervalSeconds) * time.Second
	}
	minRecords := int(e.batch.MinRecords)
	if minRecords <= 0 {
		minRecords = 1000
	}
	return minRecords, poll, nil
}

func (e *enrich) PrepareBatch(ctx context.Context, id string) (*BatchLine, Outcome) {
	p, out, done := e.prepare(ctx, id)
	if done {
		return nil, out
	}
	return &BatchLine{ID: id, Fingerprint: p.fp, request: p.req}, out
}

func (e *enrich) UploadBatch(ctx context.Context, name string, lines []BatchLine) (string, error) {
	bm, err := e.batchModel()
	if err != nil {
		return "", err
	}
	out := make([]openai.BatchLine, len(lines))
	for i, l := range lines {
		out[i] = openai.BatchLine{CustomID: l.ID, Request: l.request}
	}
	return bm.UploadBatch(ctx, name, out)
}

func (e *enrich) StartBatch(ctx context.Context, fileID string, metadata map[string]string) (BatchState, error) {
	bm, err := e.batchModel()
	if err != nil {
		return BatchState{}, err
	}
	return bm.StartBatch(ctx, fileID, metadata)
}

func (e *enrich) PollBatch(ctx context.Context, id string) (BatchState, error) {
	bm, err := e.batchModel()
	if err != nil {
		return BatchState{}, err
	}
	return bm.RetrieveBatch(ctx, id)
}

func (e *enrich) CancelBatch(ctx context.Context, id string) error {
	bm, err := e.batchModel()
	if err != nil {
		return err
	}
	return bm.CancelBatch(ctx, id)
}

func (e *enrich) BatchResults(ctx context.Context, b BatchState) (map[string]BatchResult, error) {
	bm, err := e.batchModel()
	if err != nil {
		return nil, err
	}
	return bm.BatchResults(ctx, b, e.responseFields)
}

// FailModel is the outcome of a record whose model call failed with err,
// with the seed's reason.
func (o Outcome) FailModel(err error) Outcome { return o.failModel(err) }

// ApplyBatchResult applies one line's answer with the validation and
// write-back of a direct call. The line's usage is counted once, as
// batched, whatever the apply's retries. A customer that changed since the
// batch was submitted is asked again directly: the answer describes data it
// no longer has.
func (e *enrich) ApplyBatchResult(ctx context.Context, id, fingerprint string, res *BatchResult, b BatchState) Outcome {
	if res == nil || res.Unfinished {
		return e.applyOnce(ctx, id, fingerprint, res, b) // nothing to retry at once
	}
	var billed *Usage
	if res.Answer != nil {
		billed = usageOf(res.Answer, res.Err, true)
	}
	out := attempt(ctx, e.target, id, e.quick, func() Outcome { return e.applyOnce(ctx, id, fingerprint, res, b) })
	out.Usage = billed.add(out.Usage)
	return out
}

func (e *enrich) applyOnce(ctx context.Context, id, fingerprint string, res *BatchResult, b BatchState) Outcome {
	if res == nil || res.Unfinished {
		out := Outcome{ID: id, Action: v1alpha1.ActionRetrying, Transient: true, Reason: v1alpha1.ReasonBatchUnfinished,
			Message: fmt.Sprintf("OpenAI batch %s ended %s before answering for this customer; it is retried with a direct call", b.ID, b.Status)}
		if b.Status == openai.BatchFailed {
			out.Action, out.Transient, out.Reason = v1alpha1.ActionFailed, false, v1alpha1.ReasonBatchFailed
			out.Message = shorten(fmt.Sprintf("OpenAI failed batch %s: %s; fix the cause and sync the customer again", b.ID, b.Errors))
		}
		return out
	}
	p, out, done := e.prepare(ctx, id)
	if done {
		return out
	}
	if fingerprint != "" && !strings.HasPrefix(p.fp, fingerprint) {
		return e.complete(ctx, p, out) // changed since it was sent
	}
	if res.Err != nil {
		return out.failModel(res.Err)
	}
	return e.write(ctx, p, res.Answer, out)
}
