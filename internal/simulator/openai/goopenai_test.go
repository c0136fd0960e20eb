package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

const key = "sk-test"

var schema = json.RawMessage(`{"type":"object","additionalProperties":false,"required":["comment","known_to_film","score","rating","ratio"],
 "properties":{"comment":{"type":"string"},"known_to_film":{"type":"string","enum":["TRUE","FALSE"]},
  "score":{"type":"integer","minimum":1,"maximum":5},"rating":{"type":"boolean"},"ratio":{"type":"number","minimum":0,"maximum":1}}}`)

const system = "Write a short, bulleted summary of this customer profile and return it in the comment field."
const user = `{"customer_number":"CUST-10045","first_name":"Jane","last_name":"Doe","email_address":"jane@example.com"}`

func client(s *openai.Server, k string) *goopenai.Client {
	cfg := goopenai.DefaultConfig(k)
	cfg.BaseURL = s.URL + "/v1"
	return goopenai.NewClientWithConfig(cfg)
}

func request(sys, usr string) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: sys},
			{Role: goopenai.ChatMessageRoleUser, Content: usr},
		},
		ResponseFormat: &goopenai.ChatCompletionResponseFormat{
			Type:       goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: "customer_answer", Schema: schema, Strict: true},
		},
	}
}

func TestGoOpenAIStructuredAnswer(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	resp, err := client(s, key).CreateChatCompletion(context.Background(), request(system, user))
	if err != nil {
		t.Fatal(err)
	}
	want, err := openai.ExpectedJSON(system, user, schema)
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Choices[0].Message.Content
	if got != want {
		t.Fatalf("content = %s\nwant      %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	if len(v) != 5 || !strings.HasPrefix(v["comment"].(string), "simulated comment ") {
		t.Errorf("answer %v", v)
	}
	if k := v["known_to_film"]; k != "TRUE" && k != "FALSE" {
		t.Errorf("enum value %v", k)
	}
	if sc := v["score"].(float64); sc < 1 || sc > 5 || sc != float64(int(sc)) {
		t.Errorf("score %v", sc)
	}
	if _, ok := v["rating"].(bool); !ok {
		t.Errorf("rating %v", v["rating"])
	}
	if r := v["ratio"].(float64); r < 0 || r > 1 {
		t.Errorf("ratio %v", r)
	}
	if resp.Choices[0].FinishReason != goopenai.FinishReasonStop || resp.Object != "chat.completion" || resp.Model != "gpt-4o-mini" {
		t.Errorf("response %+v", resp)
	}
	msgs := []openai.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}
	wantUsage := openai.ExpectedUsage(msgs, want, 1)
	if resp.Usage.PromptTokens != wantUsage.PromptTokens || resp.Usage.CompletionTokens != wantUsage.CompletionTokens ||
		resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens || resp.Usage.PromptTokens == 0 {
		t.Errorf("usage %+v, want %+v", resp.Usage, wantUsage)
	}
	if rl := resp.GetRateLimitHeaders(); rl.LimitRequests != 10000 || rl.RemainingRequests != 9999 {
		t.Errorf("rate limit headers %+v", rl)
	}

	// Same input, same answer; a different customer, a different answer.
	again, _ := client(s, key).CreateChatCompletion(context.Background(), request(system, user))
	other, _ := client(s, key).CreateChatCompletion(context.Background(), request(system, strings.Replace(user, "Jane", "Joan", 1)))
	if again.Choices[0].Message.Content != got || other.Choices[0].Message.Content == got {
		t.Error("answers are not a function of the input")
	}
	if again.ID == resp.ID {
		t.Error("completion ids repeat")
	}

	// What was sent is readable.
	sent := s.ChatRequests(1)[0]
	if sent.Model != "gpt-4o-mini" || sent.Messages[1].Content != strings.Replace(user, "Jane", "Joan", 1) || sent.ResponseFormat.JSONSchema.Name != "customer_answer" || sent.Stream {
		t.Errorf("recorded %+v", sent)
	}
	if h := s.Requests(1)[0].Header.Get("Authorization"); h != "Bearer <redacted>" {
		t.Errorf("recorded Authorization %q", h)
	}
	if s.CountFor(openai.RouteChat) != 3 {
		t.Errorf("counts %v", s.Counts())
	}
}

func TestGoOpenAIMarkers(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	c := client(s, key)
	ctx := context.Background()

	r, err := c.CreateChatCompletion(ctx, request(system+" "+openai.MarkerRefusal, user))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Choices[0].Message; m.Refusal != openai.RefusalText || m.Content != "" || r.Choices[0].FinishReason != goopenai.FinishReasonStop {
		t.Errorf("refusal: %+v", r.Choices[0])
	}

	r, err = c.CreateChatCompletion(ctx, request(system, user+openai.MarkerLength))
	if err != nil {
		t.Fatal(err)
	}
	if r.Choices[0].FinishReason != goopenai.FinishReasonLength || json.Valid([]byte(r.Choices[0].Message.Content)) || r.Choices[0].Message.Content == "" {
		t.Errorf("length: %+v", r.Choices[0])
	}

	r, err = c.CreateChatCompletion(ctx, request(openai.MarkerContentFilter, user))
	if err != nil {
		t.Fatal(err)
	}
	if r.Choices[0].FinishReason != goopenai.FinishReasonContentFilter || r.Choices[0].Message.Content != "" {
		t.Errorf("content filter: %+v", r.Choices[0])
	}

	r, err = c.CreateChatCompletion(ctx, request(openai.MarkerInvalidJSON, user))
	if err != nil || r.Choices[0].Message.Content != openai.InvalidJSONText {
		t.Errorf("invalid json: %+v %v", r, err)
	}

	req := request(system, user)
	req.MaxCompletionTokens = 5
	r, err = c.CreateChatCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Choices[0].FinishReason != goopenai.FinishReasonLength || r.Usage.CompletionTokens > 5 {
		t.Errorf("max tokens: %+v %+v", r.Choices[0], r.Usage)
	}
}

// apiError runs a request and returns the *goopenai.APIError it must fail with.
func apiError(t *testing.T, c *goopenai.Client, req goopenai.ChatCompletionRequest) *goopenai.APIError {
	t.Helper()
	_, err := c.CreateChatCompletion(context.Background(), req)
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *openai.APIError", err, err)
	}
	return apiErr
}

func TestGoOpenAIErrors(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}, Organizations: []string{"org-1"}, Models: []string{"gpt-4o-mini"}})
	badSchema := request(system, user)
	badSchema.ResponseFormat.JSONSchema.Schema = json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}}}`)
	badModel := request(system, user)
	badModel.Model = "gpt-unknown"
	orgCfg := goopenai.DefaultConfig(key)
	orgCfg.BaseURL, orgCfg.OrgID = s.URL+"/v1", "org-2"

	tests := []struct {
		name   string
		client *goopenai.Client
		req    goopenai.ChatCompletionRequest
		status int
		code   any // go-openai turns a null code into 0
		typ    string
		param  string
	}{
		{"bad key", client(s, "sk-wrong"), request(system, user), 401, "invalid_api_key", "invalid_request_error", ""},
		{"no key", client(s, ""), request(system, user), 401, "invalid_api_key", "invalid_request_error", ""},
		{"bad organization", goopenai.NewClientWithConfig(orgCfg), request(system, user), 401, "invalid_organization", "invalid_request_error", ""},
		{"rate limited", client(s, key), request(openai.MarkerRateLimit, user), 429, "rate_limit_exceeded", "requests", ""},
		{"quota", client(s, key), request(openai.MarkerInsufficientQuota, user), 429, "insufficient_quota", "insufficient_quota", ""},
		{"server error", client(s, key), request(openai.MarkerServerError, user), 500, 0, "server_error", ""},
		{"strict schema without additionalProperties", client(s, key), badSchema, 400, 0, "invalid_request_error", "response_format"},
		{"unknown model", client(s, key), badModel, 404, "model_not_found", "invalid_request_error", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := apiError(t, tc.client, tc.req)
			if e.HTTPStatusCode != tc.status || e.Code != tc.code || e.Type != tc.typ || e.Message == "" {
				t.Errorf("APIError = %+v (code %v)", e, e.Code)
			}
			if (tc.param == "") != (e.Param == nil) || (e.Param != nil && *e.Param != tc.param) {
				t.Errorf("param = %v, want %q", e.Param, tc.param)
			}
			if strings.Contains(e.Message, "sk-wrong") {
				t.Error("the error echoes the key")
			}
		})
	}

	s.SetQuotaExhausted(true)
	if e := apiError(t, client(s, key), request(system, user)); e.Code != "insufficient_quota" {
		t.Errorf("quota switch: %+v", e)
	}
}

func TestRateLimitHeadersOnError(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	var seen http.Header
	cfg := goopenai.DefaultConfig(key)
	cfg.BaseURL = s.URL + "/v1"
	cfg.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultClient.Do(r)
		if err == nil {
			seen = resp.Header
		}
		return resp, err
	})
	apiError(t, goopenai.NewClientWithConfig(cfg), request(openai.MarkerRateLimit, user))
	if seen.Get("retry-after") != "1" || seen.Get("x-ratelimit-remaining-requests") != "0" || seen.Get("x-ratelimit-reset-requests") != "1s" {
		t.Errorf("headers %v", seen)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestGoOpenAIAzure(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}, Deployments: []string{"gpt-4o-mini"}})
	c := goopenai.NewClientWithConfig(goopenai.DefaultAzureConfig(key, s.URL))
	resp, err := c.CreateChatCompletion(context.Background(), request(system, user))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := openai.ExpectedJSON(system, user, schema)
	if resp.Choices[0].Message.Content != want {
		t.Errorf("azure content %s", resp.Choices[0].Message.Content)
	}
	last := s.Requests(1)[0]
	if last.Pattern != openai.RouteAzureChat || !strings.Contains(last.Query, "api-version=") || last.Header.Get("api-key") != "<redacted>" {
		t.Errorf("recorded %+v", last)
	}

	e := apiError(t, goopenai.NewClientWithConfig(goopenai.DefaultAzureConfig("wrong", s.URL)), request(system, user))
	if e.HTTPStatusCode != 401 || e.Code != "401" {
		t.Errorf("azure bad key: %+v", e)
	}
	other := request(system, user)
	other.Model = "gpt-4"
	if e := apiError(t, c, other); e.HTTPStatusCode != 404 || e.Code != "DeploymentNotFound" {
		t.Errorf("unknown deployment: %+v", e)
	}
	if e := apiError(t, c, request(openai.MarkerRateLimit, user)); e.HTTPStatusCode != 429 || e.Code != "rate_limit_exceeded" {
		t.Errorf("azure 429: %+v", e)
	}
}

func TestNoCallCounter(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{})
	if s.Count() != 0 {
		t.Fatal("fresh server counted calls")
	}
	_, _ = client(s, "bad").CreateChatCompletion(context.Background(), request(system, user))
	if s.Count() != 1 {
		t.Errorf("rejected calls must count too: %d", s.Count())
	}
	s.Reset()
	if s.Count() != 0 || len(s.ChatRequests(0)) != 0 {
		t.Error("reset kept traffic")
	}
}

func TestGoOpenAIListModels(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}, Models: []string{"gpt-4o-mini"}})
	list, err := client(s, key).ListModels(context.Background())
	if err != nil || len(list.Models) != 1 || list.Models[0].ID != "gpt-4o-mini" {
		t.Fatalf("models %+v %v", list, err)
	}
	if _, err := client(s, "bad").ListModels(context.Background()); err == nil {
		t.Error("a bad key listed models")
	}
	az, err := goopenai.NewClientWithConfig(goopenai.DefaultAzureConfig(key, s.URL)).ListModels(context.Background())
	if err != nil || len(az.Models) != 1 {
		t.Errorf("azure models %+v %v", az, err)
	}
	if s.CountFor(openai.RouteModels) != 2 || s.CountFor(openai.RouteAzureModels) != 1 {
		t.Errorf("counts %v", s.Counts())
	}
}
