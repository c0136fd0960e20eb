package openai

import (
	"net/http"
	"net/url"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Operation names, in metrics, logs and errors.
const (
	OperationComplete = "Complete"
	OperationValidate = "Validate"
)

// Client calls one model with one credential. It is safe for concurrent
// use; all clients of one endpoint and key share a rate limiter.
type Client struct {
	api         *goopenai.Client
	model       string
	temperature float32
	maxTokens   int
	scrub       connector.Scrubber
	serviceTier string
	cacheKey    string // "" derives one per prompt
	// responses is true when the Responses API is asked, else chat
	// completions.
	responses bool
	azure     bool
	// chatLine, responsesLine and modelsLine are the request lines errors
	// name; callLine is the one Complete sends.
	chatLine, responsesLine, modelsLine, callLine string
	// filesLine and batchesLine name the Batch API's calls.
	filesLine, batchesLine string
}

var _ connector.Validator = (*Client)(nil)

// New checks the config and builds a Client; it sends no request.
func New(cfg Config) (*Client, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.BaseURL = s.baseURL // the limiter key names the endpoint actually called
	httpClient := cfg.NewTransport(System).Client()

	var gc goopenai.ClientConfig
	base, _ := url.Parse(s.baseURL) // checked by resolve
	chat, models := base.JoinPath("chat", "completions"), base.JoinPath("models")
	if s.azure {
		gc = goopenai.DefaultAzureConfig(s.apiKey, s.baseURL)
		gc.APIVersion = s.apiVersion
		dep := s.deployment
		gc.AzureModelMapperFunc = func(string) string { return dep }
		q := url.Values{"api-version": {s.apiVersion}}.Encode()
		chat = base.JoinPath("openai", "deployments", dep, "chat", "completions")
		models = base.JoinPath("openai", "models")
		chat.RawQuery, models.RawQuery = q, q
	} else {
		gc = goopenai.DefaultConfig(s.apiKey)
		gc.BaseURL = s.baseURL
		gc.OrgID = s.org
	}
	gc.HTTPClient = httpClient
	key := s.apiKey
	c := &Client{
		api: goopenai.NewClientWithConfig(gc), model: s.model, temperature: s.temperature, maxTokens: s.maxTokens,
		scrub:       connector.NewScrubber(func() []string { return []string{key} }),
		serviceTier: cfg.ServiceTier, cacheKey: cfg.PromptCacheKey,
		responses:     !cfg.ChatCompletions && !s.azure,
		chatLine:      connector.RequestLine(http.MethodPost, chat),
		responsesLine: connector.RequestLine(http.MethodPost, base.JoinPath("responses")),
		modelsLine:    connector.RequestLine(http.MethodGet, models),
		filesLine:     connector.RequestLine(http.MethodPost, base.JoinPath("files")),
		batchesLine:   connector.RequestLine(http.MethodPost, base.JoinPath("batches")),
		azure:         s.azure,
	}
	c.callLine = c.chatLine
	if c.responses {
		c.callLine = c.responsesLine
	}
	return c, nil
}

// Model returns the model the client asks (sent as "model").
func (c *Client) Model() string { return c.model }
