package openai

import (
	"context"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Complete asks the model for one customer's answer. It sends one request
// and never retries: a transient *connector.Error (429, 5xx, timeout)
// carries RetryAfter for the caller's backoff. A request that cannot be
// sent fails first with a permanent error (InvalidConfig for the response
// fields, Validation for the prompt or fields). An answer that cannot be
// used returns the Answer, with its usage, together with an *AnswerError.
func (c *Client) Complete(ctx context.Context, req Request) (*Answer, error) {
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	ctx = connector.WithOperation(ctx, OperationComplete)
	ctx, meta := connector.CaptureResponse(ctx)
	if c.responses {
		resp, err := c.api.CreateResponse(ctx, c.responsesRequest(p))
		if err != nil {
			return nil, c.classify(OperationComplete, c.responsesLine, err, meta)
		}
		return c.readResponse(resp, p.schema)
	}
	resp, err := c.api.CreateChatCompletion(ctx, c.chatRequest(p))
	if err != nil {
		return nil, c.classify(OperationComplete, c.chatLine, err, meta)
	}
	return c.read(resp, p.schema)
}
