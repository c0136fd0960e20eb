package openai

import (
	"context"
	"errors"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Validate proves the endpoint, the key and its permission for the API the
// mapping asks, without billing anything. For the Responses API it sends a
// request without input: OpenAI checks the key and its permission before
// the body [assumed], so a 400 for the missing input proves both, and a
// restricted key that lacks Responses Write fails here, for the mapping,
// rather than on every record. For chat completions it lists the models.
func (c *Client) Validate(ctx context.Context) error {
	ctx = connector.WithOperation(ctx, OperationValidate)
	ctx, meta := connector.CaptureResponse(ctx)
	if c.responses {
		_, err := c.api.CreateResponse(ctx, goopenai.CreateResponseRequest{Model: c.model})
		if err == nil {
			return nil
		}
		cerr := c.classify(OperationValidate, c.responsesLine, err, meta)
		switch {
		case errors.Is(cerr, connector.ErrValidation), errors.Is(cerr, connector.ErrRejected):
			return nil // authenticated and permitted; only the probe's body was refused
		case errors.Is(cerr, connector.ErrUnauthorized), errors.Is(cerr, connector.ErrForbidden):
			return permission(cerr, "POST /v1/responses", "Write permission on Responses (the key iPaaS.com's OpenAI guide has you create), or set spec.openAI.api: ChatCompletions")
		}
		return cerr
	}
	if _, err := c.api.ListModels(ctx); err != nil {
		cerr := c.classify(OperationValidate, c.modelsLine, err, meta)
		if errors.Is(cerr, connector.ErrUnauthorized) || errors.Is(cerr, connector.ErrForbidden) {
			return permission(cerr, "GET /v1/models and POST /v1/chat/completions", "Read permission on Models and Write permission on Chat completions, or set spec.openAI.api: Responses")
		}
		return cerr
	}
	return nil
}

// permission adds to a refused validation what to grant the key.
func permission(err error, endpoint, grant string) error {
	var ce *connector.Error
	if errors.As(err, &ce) {
		c := *ce
		c.Message += "; the key may not call " + endpoint + ": give it " + grant
		return &c
	}
	return err
}
