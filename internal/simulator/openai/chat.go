package openai

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

var (
	schemaName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	roles      = []string{"system", "developer", "user", "assistant", "tool", "function"}
)

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		s.complete(w, r, "")
	}
}

// authorized checks the bearer key and organization as OpenAI does, and
// answers OpenAI's 401 when they are wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if routes, restricted := s.restrictedRoutes(bearerToken(r)); restricted {
		if !slices.Contains(routes, r.Pattern) {
			writeAPIError(w, http.StatusUnauthorized,
				"You have insufficient permissions for this operation. Missing scopes: "+scopeOf(r.Pattern)+". Check that you have the correct role in your organization (Reader, Writer, Owner) and project, and if you're using a restricted API key, that it has the necessary scopes.",
				"invalid_request_error", "", "")
			return false
		}
	} else if !s.keyOK(bearerToken(r)) {
		writeAPIError(w, http.StatusUnauthorized,
			"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
			"invalid_request_error", "", "invalid_api_key")
		return false
	}
	if !s.orgOK(r) {
		writeAPIError(w, http.StatusUnauthorized, "No such organization: "+r.Header.Get("OpenAI-Organization")+".",
			"invalid_request_error", "", "invalid_organization")
		return false
	}
	return true
}

// azureChat serves go-openai's Azure config: api-version is required, and the key arrives in
// the api-key header (or as a bearer token, as with Azure AD).
func (s *Server) azureChat(w http.ResponseWriter, r *http.Request) {
	if !s.azureAuthorized(w, r) {
		return
	}
	dep := r.PathValue("deployment")
	if len(s.opts.Deployments) > 0 && !slices.Contains(s.opts.Deployments, dep) {
		writeAzureError(w, http.StatusNotFound, "DeploymentNotFound",
			"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.")
		return
	}
	s.complete(w, r, dep)
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request, deployment string) {
	var req ChatRequest
	if err := simhttp.ReadJSON(r, &req); err != nil {
		writeAPIError(w, http.StatusBadRequest,
			"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
			"invalid_request_error", "", "")
		return
	}
	if msg, param := validate(req, deployment); msg != "" {
		writeAPIError(w, http.StatusBadRequest, msg, "invalid_request_error", param, "")
		return
	}
	model := req.Model
	if model == "" {
		model = deployment
	}
	if deployment == "" && len(s.opts.Models) > 0 && !slices.Contains(s.opts.Models, model) {
		writeAPIError(w, http.StatusNotFound, "The model `"+model+"` does not exist or you do not have access to it.",
			"invalid_request_error", "", "model_not_found")
		return
	}
	if s.failed(w, req.Messages) {
		return
	}
	msg, finish, err := s.answer(req)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error(), "invalid_request_error", "response_format", "")
		return
	}
	text := ""
	switch {
	case msg.Content != nil:
		text = *msg.Content
	case msg.Refusal != nil:
		text = *msg.Refusal
	}
	n := max(req.N, 1)
	resp := ChatResponse{
		ID: "chatcmpl-" + s.newID(), Object: "chat.completion", Created: s.now().Unix(), Model: model,
		Usage: ExpectedUsage(req.Messages, text, n), SystemFingerprint: "fp_simulator",
	}
	for i := 0; i < n; i++ {
		resp.Choices = append(resp.Choices, Choice{Index: i, Message: msg, FinishReason: finish})
	}
	s.rateHeaders(w)
	w.Header().Set("x-request-id", "req_"+resp.ID[len("chatcmpl-"):])
	simhttp.WriteJSON(w, http.StatusOK, resp)
}

// failed answers the errors the messages' markers (or an exhausted quota)
// ask for, and reports whether it did; both APIs use it.
func (s *Server) failed(w http.ResponseWriter, msgs []Message) bool {
	switch {
	case s.quota.Load() || hasMarker(msgs, MarkerInsufficientQuota):
		writeQuota(w)
	case hasMarker(msgs, MarkerRateLimit):
		s.writeRateLimited(w, 0)
	case hasMarker(msgs, MarkerServerError):
		writeServerError(w, http.StatusInternalServerError)
	default:
		return false
	}
	return true
}

// answer decides the message and finish_reason: markers first, then canned answers, then the
// deterministic answer, cut to the token limit.
func (s *Server) answer(req ChatRequest) (ResponseMessage, string, error) {
	msg := ResponseMessage{Role: "assistant"}
	switch {
	case hasMarker(req.Messages, MarkerRefusal):
		refusal := RefusalText
		msg.Refusal = &refusal
		return msg, "stop", nil
	case hasMarker(req.Messages, MarkerContentFilter):
		return msg, "content_filter", nil
	case hasMarker(req.Messages, MarkerInvalidJSON):
		text := InvalidJSONText
		msg.Content = &text
		return msg, "stop", nil
	}
	content, ok := s.cannedFor(req.Messages)
	if !ok {
		var err error
		if content, err = ExpectedContent(req.Messages, req.ResponseFormat); err != nil {
			return msg, "", err
		}
	}
	finish := "stop"
	if hasMarker(req.Messages, MarkerLength) {
		runes := []rune(content)
		content, finish = string(runes[:len(runes)/2]), "length"
	}
	if limit := max(req.MaxCompletionTokens, req.MaxTokens); limit > 0 && CountTokens(content) > limit {
		content, finish = truncateTokens(content, limit), "length"
	}
	msg.Content = &content
	return msg, finish, nil
}

// validate returns the 400 message and param for a request OpenAI would reject, or "".
func validate(req ChatRequest, deployment string) (msg, param string) {
	if req.Model == "" && deployment == "" {
		return "you must provide a model parameter", "model"
	}
	if len(req.Messages) == 0 {
		return "[] is too short - 'messages'", "messages"
	}
	for i, m := range req.Messages {
		if !slices.Contains(roles, m.Role) {
			return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", m.Role),
				fmt.Sprintf("messages[%d].role", i)
		}
	}
	if req.Stream {
		return "stream=true is not supported by this simulator; go-openai's CreateChatCompletion sends stream=false", "stream"
	}
	if req.N > 128 {
		return fmt.Sprintf("%d is greater than the maximum of 128 - 'n'", req.N), "n"
	}
	f := req.ResponseFormat
	if f == nil {
		return "", ""
	}
	switch f.Type {
	case "", FormatText:
	case FormatJSONObject:
		if !slices.ContainsFunc(req.Messages, func(m Message) bool { return strings.Contains(strings.ToLower(m.Content), "json") }) {
			return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", "messages"
		}
	case FormatJSONSchema:
		js := f.JSONSchema
		switch {
		case js == nil:
			return "Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema"
		case !schemaName.MatchString(js.Name):
			return "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", "response_format.json_schema.name"
		case len(js.Schema) == 0 || string(js.Schema) == "null":
			return errNoSchema.Error(), "response_format.json_schema.schema"
		}
		schema, err := parseSchema(js.Schema)
		if err != nil {
			return "Invalid schema for response_format '" + js.Name + "': " + err.Error(), "response_format"
		}
		if js.Strict {
			if typeOf(schema) != "object" {
				return "Invalid schema for response_format '" + js.Name + "': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"" + typeOf(schema) + "\"'.", "response_format"
			}
			if m := checkStrict(schema, ""); m != "" {
				return "Invalid schema for response_format '" + js.Name + "': " + m, "response_format"
			}
		}
	default:
		return "Invalid value: '" + f.Type + "'. Supported values are: 'json_object', 'json_schema', and 'text'.", "response_format.type"
	}
	return "", ""
}

func (s *Server) cannedFor(msgs []Message) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.canned {
		if hasMarker(msgs, c.Match) {
			return c.Content, true
		}
	}
	return "", false
}

func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIDLocked()
}

// newIDLocked is newID for a caller holding s.mu.
func (s *Server) newIDLocked() string { return s.ids.Hex(12) }

// azureAuthorized checks api-version and the api-key header (or a bearer
// token, as with Azure AD) as Azure OpenAI does, answering its errors.
func (s *Server) azureAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Get("api-version") == "" {
		writeAzureError(w, http.StatusNotFound, "404", "Resource not found")
		return false
	}
	key := r.Header.Get("api-key")
	if key == "" {
		key = bearerToken(r)
	}
	if !s.keyOK(key) {
		writeAzureError(w, http.StatusUnauthorized, "401",
			"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return false
	}
	return true
}

// scopeOf names the permission a route needs, as OpenAI's error does.
func scopeOf(route string) string {
	switch route {
	case RouteResponses:
		return "api.responses.write"
	case RouteModels:
		return "api.model.read"
	}
	return "model.request"
}
