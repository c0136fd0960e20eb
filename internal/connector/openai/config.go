package openai

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// System is the connector's name in metrics, logs and errors.
const System = string(v1alpha1.SystemOpenAI)

// Secret keys the connector reads: apiKey (required) and organization
// (optional, sent as OpenAI-Organization; ignored by Azure).
const (
	CredentialAPIKey       = "apiKey"
	CredentialOrganization = "organization"
)

// Defaults for Config.
const (
	DefaultBaseURL         = "https://api.openai.com/v1"
	DefaultModel           = "gpt-4o-mini"
	DefaultAzureAPIVersion = "2024-10-21"
	// DefaultTimeout is longer than the shared default: a model may think
	// for tens of seconds before the first byte of its answer.
	DefaultTimeout = 60 * time.Second
)

// Config configures a Client. BaseURL defaults to DefaultBaseURL (Azure:
// required, the resource endpoint https://<resource>.openai.azure.com);
// Timeout to DefaultTimeout.
type Config struct {
	connector.Config
	// Model is sent as "model"; default DefaultModel.
	Model string
	// Temperature is the CRD's decimal string ("0.2"), 0 to 2; empty uses
	// the model's default.
	Temperature string
	// MaxCompletionTokens bounds the answer; 0 leaves it to the model.
	MaxCompletionTokens int
	// Azure selects Azure OpenAI; nil calls the OpenAI API.
	Azure *Azure
	// ChatCompletions asks /chat/completions instead of /responses (always
	// so with Azure).
	ChatCompletions bool
	// ServiceTier is sent as service_tier when set (auto, default, flex,
	// priority).
	ServiceTier string
	// PromptCacheKey is sent as prompt_cache_key (Responses API only); empty
	// derives one from the model and the prompt, so the calls that share
	// their instructions share a cache.
	PromptCacheKey string
}

// Azure selects Azure OpenAI's deployment URLs and api-key header.
type Azure struct {
	// APIVersion is sent as api-version; default DefaultAzureAPIVersion.
	APIVersion string
	// Deployment names the deployment; empty maps the model name the way
	// go-openai's DefaultAzureConfig does ("gpt-4o-mini" stays as it is).
	Deployment string
}

// ConfigFrom combines an endpoint config with a mapping's OpenAI settings.
func ConfigFrom(base connector.Config, s v1alpha1.OpenAISettings) Config {
	c := Config{Config: base, Model: s.Model, Temperature: s.Temperature,
		ChatCompletions: s.API == v1alpha1.OpenAIChatCompletions || (s.API == "" && s.Azure != nil),
		ServiceTier:     s.ServiceTier, PromptCacheKey: s.PromptCacheKey}
	if s.MaxCompletionTokens != nil {
		c.MaxCompletionTokens = int(*s.MaxCompletionTokens)
	}
	if s.Azure != nil {
		c.Azure = &Azure{APIVersion: s.Azure.APIVersion, Deployment: s.Azure.Deployment}
	}
	return c
}

// settings are a Config checked and resolved.
type settings struct {
	baseURL, apiKey, org   string
	model                  string
	temperature            float32 // 0: not sent
	maxTokens              int
	azure                  bool
	apiVersion, deployment string
}

// deploymentName is what Azure accepts in a deployment URL segment.
var deploymentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// resolve checks the config: every problem is a permanent InvalidConfig
// error naming the setting, never a credential's value.
func (c Config) resolve() (settings, error) {
	s := settings{apiKey: c.Credential(CredentialAPIKey), org: c.Credential(CredentialOrganization), model: strings.TrimSpace(c.Model)}
	if err := c.RequireCredentials(System, CredentialAPIKey); err != nil {
		return s, err
	}
	if s.model == "" {
		s.model = DefaultModel
	}
	t, err := parseTemperature(c.Temperature)
	if err != nil {
		return s, err
	}
	s.temperature = t
	if c.MaxCompletionTokens < 0 {
		return s, connector.InvalidConfig(System, "maxCompletionTokens must not be negative")
	}
	s.maxTokens = c.MaxCompletionTokens
	raw := strings.TrimSpace(c.BaseURL)
	if raw == "" && c.Azure == nil {
		raw = DefaultBaseURL
	}
	if raw == "" {
		return s, connector.InvalidConfig(System, "Azure OpenAI needs the resource endpoint, https://<resource>.openai.azure.com")
	}
	u, err := connector.ParseBaseURL(System, raw)
	if err != nil {
		return s, err
	}
	s.baseURL = u.String()
	if c.Azure != nil {
		if err := s.resolveAzure(*c.Azure); err != nil {
			return s, err
		}
	}
	// go-openai refuses some parameter combinations (temperature with
	// reasoning models) on every call: refuse them once, here.
	probe := goopenai.ChatCompletionRequest{Model: s.model, Temperature: s.temperature, MaxCompletionTokens: s.maxTokens}
	if err := goopenai.NewReasoningValidator().Validate(probe); err != nil {
		return s, connector.InvalidConfig(System, fmt.Sprintf("model %q: %v", s.model, err))
	}
	return s, nil
}

func (s *settings) resolveAzure(az Azure) error {
	s.azure = true
	s.apiVersion = strings.TrimSpace(az.APIVersion)
	if s.apiVersion == "" {
		s.apiVersion = DefaultAzureAPIVersion
	}
	s.deployment = strings.TrimSpace(az.Deployment)
	if s.deployment == "" {
		s.deployment = goopenai.DefaultAzureConfig("", "").GetAzureDeploymentByModel(s.model)
	}
	if !deploymentName.MatchString(s.deployment) {
		return connector.InvalidConfig(System, fmt.Sprintf("Azure deployment %q must be 1-64 letters, digits, '.', '_' or '-'", s.deployment))
	}
	return nil
}

// parseTemperature reads the CRD's decimal string. Zero is sent as the
// smallest float32, because go-openai omits a zero temperature and the API
// would then use its default of 1 (go-openai issue #9).
func parseTemperature(raw string) (float32, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(raw, 32)
	if err != nil || math.IsNaN(f) || f < 0 || f > 2 {
		return 0, connector.InvalidConfig(System, fmt.Sprintf("temperature %q must be a decimal number from 0 to 2, such as \"0.2\"", raw))
	}
	if f == 0 {
		return math.SmallestNonzeroFloat32, nil
	}
	return float32(f), nil
}
