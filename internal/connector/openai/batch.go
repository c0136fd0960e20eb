package openai

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// OperationBatch names the Batch API calls in metrics, logs and errors.
const OperationBatch = "Batch"

// CompletionWindow is the only window OpenAI's Batch API offers.
const CompletionWindow = "24h"

// MaxBatchLines is the Batch API's limit of lines per input file.
const MaxBatchLines = 50000

// BatchLine is one customer's request in a batch; CustomID names the
// customer in the answer.
type BatchLine struct {
	CustomID string
	Request  Request
}

// Batch is a batch as OpenAI reports it.
type Batch struct {
	ID, Status, InputFileID   string
	OutputFileID, ErrorFileID string
	Total, Completed, Failed  int
	// Errors is OpenAI's summary of why a batch failed validation.
	Errors string
}

// Batch states that end a batch.
const (
	BatchCompleted = "completed"
	BatchFailed    = "failed"
	BatchExpired   = "expired"
	BatchCancelled = "cancelled"
)

// Done reports whether the batch has ended, for good or ill.
func (b Batch) Done() bool {
	switch b.Status {
	case BatchCompleted, BatchFailed, BatchExpired, BatchCancelled:
		return true
	}
	return false
}

// BatchResult is one line's outcome: an Answer (and, when the answer is
// unusable, Err as Complete returns it), an error for the line alone, or
// Unfinished when the batch ended before the line was answered (not
// billed).
type BatchResult struct {
	Answer     *Answer
	Err        error
	Unfinished bool
}

// SupportsBatch reports whether the client can use the Batch API: OpenAI's
// own API can; Azure's batch deployments are not supported.
func (c *Client) SupportsBatch() error {
	if c.azure {
		return errors.New("the Batch API is supported with the OpenAI API only, not with Azure OpenAI")
	}
	return nil
}

// endpoint is the URL every line of a batch asks.
func (c *Client) endpoint() goopenai.BatchEndpoint {
	if c.responses {
		return goopenai.BatchEndpointResponses
	}
	return goopenai.BatchEndpointChatCompletions
}

// UploadBatch uploads the input file, one line per customer with the body
// Complete would send, and returns its id. A line that cannot be sent
// fails the upload, as Complete would fail the call.
func (c *Client) UploadBatch(ctx context.Context, name string, lines []BatchLine) (string, error) {
	if err := c.SupportsBatch(); err != nil {
		return "", connector.InvalidConfig(System, err.Error())
	}
	if len(lines) == 0 || len(lines) > MaxBatchLines {
		return "", connector.InvalidConfig(System, fmt.Sprintf("a batch holds 1 to %d lines, not %d", MaxBatchLines, len(lines)))
	}
	up := goopenai.UploadBatchFileRequest{FileName: name}
	for _, l := range lines {
		p, err := prepare(l.Request)
		if err != nil {
			return "", fmt.Errorf("customer %s: %w", l.CustomID, err)
		}
		if c.responses {
			up.AddResponse(l.CustomID, c.responsesRequest(p))
		} else {
			up.AddChatCompletion(l.CustomID, c.chatRequest(p))
		}
	}
	ctx = connector.WithOperation(ctx, OperationBatch)
	ctx, meta := connector.CaptureResponse(ctx)
	f, err := c.api.UploadBatchFile(ctx, up)
	if err != nil {
		return "", c.classify(OperationBatch, c.filesLine, err, meta)
	}
	return f.ID, nil
}

// StartBatch returns the batch made from the input file: the one already
// created for it, when a listing of batches finds it, else a new one. So a
// caller that lost the answer of a create (a crash, a timeout) and starts
// again does not make a second batch of the same lines. A server that does
// not list batches gets a create.
func (c *Client) StartBatch(ctx context.Context, fileID string, metadata map[string]string) (Batch, error) {
	ctx = connector.WithOperation(ctx, OperationBatch)
	if b, ok, err := c.findBatch(ctx, fileID); err != nil || ok {
		return b, err
	}
	md := make(map[string]any, len(metadata))
	for k, v := range metadata {
		md[k] = v
	}
	ctx, meta := connector.CaptureResponse(ctx)
	resp, err := c.api.CreateBatch(ctx, goopenai.CreateBatchRequest{
		InputFileID: fileID, Endpoint: c.endpoint(), CompletionWindow: CompletionWindow, Metadata: md,
	})
	if err != nil {
		return Batch{}, c.classify(OperationBatch, c.batchesLine, err, meta)
	}
	return batchOf(resp.Batch), nil
}

// maxListPages bounds the search for a batch by its input file.
const maxListPages = 20

func (c *Client) findBatch(ctx context.Context, fileID string) (Batch, bool, error) {
	var after *string
	limit := 100
	for range maxListPages {
		ctx, meta := connector.CaptureResponse(ctx)
		page, err := c.api.ListBatch(ctx, after, &limit)
		if err != nil {
			e := c.classify(OperationBatch, c.batchesLine, err, meta)
			var ce *connector.Error
			if errors.As(e, &ce) && (ce.StatusCode == http.StatusNotFound || ce.StatusCode == http.StatusMethodNotAllowed) {
				return Batch{}, false, nil // the server does not list batches
			}
			return Batch{}, false, e
		}
		for _, b := range page.Data {
			if b.InputFileID == fileID {
				return batchOf(b), true, nil
			}
		}
		if !page.HasMore || len(page.Data) == 0 {
			return Batch{}, false, nil
		}
		last := page.Data[len(page.Data)-1].ID
		after = &last
	}
	return Batch{}, false, nil
}

// RetrieveBatch reads a batch's state.
func (c *Client) RetrieveBatch(ctx context.Context, id string) (Batch, error) {
	ctx = connector.WithOperation(ctx, OperationBatch)
	ctx, meta := connector.CaptureResponse(ctx)
	resp, err := c.api.RetrieveBatch(ctx, id)
	if err != nil {
		return Batch{}, c.classify(OperationBatch, c.batchesLine, err, meta)
	}
	return batchOf(resp.Batch), nil
}

// CancelBatch asks OpenAI to stop a batch; lines already answered are
// still billed and delivered.
func (c *Client) CancelBatch(ctx context.Context, id string) error {
	ctx = connector.WithOperation(ctx, OperationBatch)
	ctx, meta := connector.CaptureResponse(ctx)
	if _, err := c.api.CancelBatch(ctx, id); err != nil {
		return c.classify(OperationBatch, c.batchesLine, err, meta)
	}
	return nil
}

func batchOf(b goopenai.Batch) Batch {
	out := Batch{ID: b.ID, Status: b.Status, InputFileID: b.InputFileID,
		Total: b.RequestCounts.Total, Completed: b.RequestCounts.Completed, Failed: b.RequestCounts.Failed}
	if b.OutputFileID != nil {
		out.OutputFileID = *b.OutputFileID
	}
	if b.ErrorFileID != nil {
		out.ErrorFileID = *b.ErrorFileID
	}
	if b.Errors != nil {
		var msgs []string
		for _, e := range b.Errors.Data {
			msgs = append(msgs, clip(e.Message))
		}
		out.Errors = strings.Join(msgs, "; ")
	}
	return out
}

// outputLine is one line of a batch's output or error file.
type outputLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// maxLine bounds one line of a result file (an answer is far smaller).
const maxLine = 4 << 20

// BatchResults reads an ended batch's output and error files into one
// result per custom id, each read as Complete reads an answer, against the
// response schema of fields.
func (c *Client) BatchResults(ctx context.Context, b Batch, fields []v1alpha1.ResponseField) (map[string]BatchResult, error) {
	sc, err := newSchema(fields)
	if err != nil {
		return nil, err
	}
	out := map[string]BatchResult{}
	for _, id := range []string{b.OutputFileID, b.ErrorFileID} {
		if id == "" {
			continue
		}
		if err := c.readResults(ctx, id, sc, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Client) readResults(ctx context.Context, fileID string, sc *schema, out map[string]BatchResult) error {
	ctx = connector.WithOperation(ctx, OperationBatch)
	ctx, meta := connector.CaptureResponse(ctx)
	raw, err := c.api.GetFileContent(ctx, fileID)
	if err != nil {
		return c.classify(OperationBatch, c.filesLine, err, meta)
	}
	defer raw.Close()
	sc2 := bufio.NewScanner(raw)
	sc2.Buffer(make([]byte, 64<<10), maxLine)
	for sc2.Scan() {
		line := strings.TrimSpace(sc2.Text())
		if line == "" {
			continue
		}
		var l outputLine
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.CustomID == "" {
			return connector.BadResponse(System, OperationBatch, c.filesLine, errors.New("a line of the batch's result file is not a batch result"))
		}
		out[l.CustomID] = c.result(l, sc)
	}
	if err := sc2.Err(); err != nil {
		return connector.FromCause(System, OperationBatch, c.filesLine, err)
	}
	return nil
}

// result reads one line as Complete reads a response.
func (c *Client) result(l outputLine, sc *schema) BatchResult {
	if l.Response == nil {
		if l.Error != nil && (l.Error.Code == "batch_expired" || l.Error.Code == "batch_cancelled") {
			return BatchResult{Unfinished: true}
		}
		msg := "the batch returned no response for this line"
		if l.Error != nil {
			msg = clip(redactKeys(l.Error.Code + ": " + l.Error.Message))
		}
		return BatchResult{Err: &connector.Error{System: System, Operation: OperationBatch, Request: c.callLine,
			Class: connector.Permanent, Kind: connector.KindBadResponse, Message: msg}}
	}
	if code := l.Response.StatusCode; code != http.StatusOK {
		var body goopenai.ErrorResponse
		d := connector.ErrorDetail{}
		if json.Unmarshal(l.Response.Body, &body) == nil && body.Error != nil {
			body.Error.HTTPStatusCode = code
			d = apiDetail(body.Error)
		}
		e := fromStatus(OperationComplete, c.callLine, code, code, nil, d)
		e.Message = redactKeys(e.Message)
		return BatchResult{Err: c.scrub.Error(e)}
	}
	var (
		a   *Answer
		err error
	)
	if c.responses {
		var resp goopenai.CreateResponseResponse
		if json.Unmarshal(l.Response.Body, &resp) != nil {
			return BatchResult{Err: c.answerError(ReasonInvalidAnswer, "the line's body is not a response")}
		}
		a, err = c.readResponse(resp, sc)
	} else {
		var resp goopenai.ChatCompletionResponse
		if json.Unmarshal(l.Response.Body, &resp) != nil {
			return BatchResult{Err: c.answerError(ReasonInvalidAnswer, "the line's body is not a chat completion")}
		}
		a, err = c.read(resp, sc)
	}
	return BatchResult{Answer: a, Err: err}
}
