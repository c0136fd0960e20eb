package openai

import (
	"context"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Validate lists the models: a free, authenticated call that proves the
// endpoint, the key and (on OpenAI) the organization. It does not prove the
// model or the Azure deployment exists; the first Complete does.
func (c *Client) Validate(ctx context.Context) error {
	ctx = connector.WithOperation(ctx, OperationValidate)
	ctx, meta := connector.CaptureResponse(ctx)
	if _, err := c.api.ListModels(ctx); err != nil {
		return c.classify(OperationValidate, c.modelsLine, err, meta)
	}
	return nil
}
