package openai

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// SchemaName is response_format.json_schema.name.
const SchemaName = "customer_enrichment"

// Request is one customer's call.
type Request struct {
	// Prompt is the mapping's PromptText, sent as the system message.
	Prompt string
	// Fields are the mapped customer fields, sent in this order as the
	// keys of one JSON object, the user message. Nothing else about the
	// customer leaves the cluster.
	Fields []Field
	// ResponseFields are the properties of the answer (the json_schema).
	ResponseFields []v1alpha1.ResponseField
}

// Field is one mapped customer field.
type Field struct {
	Name string
	// Value is any JSON-encodable value: string, bool, int64, float64,
	// nil, or lists and maps of them.
	Value any
}

// prepared is a Request encoded as it is sent.
type prepared struct {
	prompt string
	user   string // the fields, one JSON object
	schema *schema
}

// prepare checks and encodes a request; a bad request fails before any
// call (and any bill) with a permanent error.
func prepare(req Request) (*prepared, error) {
	sc, err := newSchema(req.ResponseFields)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return nil, connector.Invalid(System, OperationComplete, map[string][]string{
			"PromptText": {"the prompt is empty; set the Static PromptText rule of the mapping"}})
	}
	user, err := UserMessage(req.Fields)
	if err != nil {
		return nil, err
	}
	return &prepared{prompt: req.Prompt, user: user, schema: sc}, nil
}

// UserMessage is the user message sent for these fields: one JSON object
// whose keys are the field names in order, HTML characters unescaped.
func UserMessage(fields []Field) (string, error) {
	if len(fields) == 0 {
		return "", connector.Invalid(System, OperationComplete, map[string][]string{
			"": {"no customer field is mapped to OpenAI; the model would see nothing"}})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	seen := make(map[string]bool, len(fields))
	b.WriteByte('{')
	for i, f := range fields {
		if f.Name == "" || seen[f.Name] {
			return "", connector.Invalid(System, OperationComplete, map[string][]string{
				f.Name: {"each field sent to OpenAI needs a distinct, non-empty name"}})
		}
		seen[f.Name] = true
		if i > 0 {
			b.WriteByte(',')
		}
		if err := enc.Encode(f.Name); err != nil {
			return "", err
		}
		b.Truncate(b.Len() - 1) // Encode ends each value with a newline
		b.WriteByte(':')
		if err := enc.Encode(f.Value); err != nil {
			return "", connector.Invalid(System, OperationComplete, map[string][]string{
				f.Name: {"the value cannot be encoded as JSON"}})
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// chatRequest is the body go-openai sends.
func (c *Client) chatRequest(p *prepared) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model: c.model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: p.prompt},
			{Role: goopenai.ChatMessageRoleUser, Content: p.user},
		},
		ResponseFormat: &goopenai.ChatCompletionResponseFormat{
			Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{
				Name: SchemaName, Schema: p.schema.raw, Strict: true,
			},
		},
		Temperature:         c.temperature,
		MaxCompletionTokens: c.maxTokens,
		ServiceTier:         goopenai.ServiceTier(c.serviceTier),
	}
}

// responsesRequest is the Responses API body: the prompt as instructions
// (a static prefix OpenAI's prompt cache can reuse), the mapped fields as
// input, the strict schema as text.format; nothing is stored at OpenAI.
func (c *Client) responsesRequest(p *prepared) goopenai.CreateResponseRequest {
	store := false
	r := goopenai.CreateResponseRequest{
		Model: c.model, Instructions: p.prompt, Input: p.user, Store: &store, MaxOutputTokens: c.maxTokens,
		ServiceTier: c.serviceTier, PromptCacheKey: c.promptCacheKey(p.prompt),
		Text: &goopenai.ResponseTextConfig{Format: &goopenai.ResponseTextFormat{
			Type: "json_schema", Name: SchemaName, Schema: p.schema.raw, Strict: true,
		}},
	}
	if c.temperature != 0 {
		t := c.temperature
		r.Temperature = &t
	}
	return r
}

// promptCacheKey is the mapping's key, or one derived from the model and
// the prompt: the calls of one mapping share their instructions, the
// prefix OpenAI's prompt cache reuses, and the key routes them together.
func (c *Client) promptCacheKey(prompt string) string {
	if c.cacheKey != "" {
		return c.cacheKey
	}
	sum := sha256.Sum256([]byte(c.model + "\x00" + prompt))
	return "customersync-" + hex.EncodeToString(sum[:8])
}
