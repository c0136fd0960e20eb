package openai

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// RouteResponses is the Responses API (docs/external-apis.md §3.1).
const RouteResponses = "POST /v1/responses"

// ResponsesRequest is the part of a Responses API request the simulator reads.
type ResponsesRequest struct {
	Model           string          `json:"model"`
	Instructions    string          `json:"instructions"`
	Input           json.RawMessage `json:"input"`
	MaxOutputTokens int             `json:"max_output_tokens"`
	Store           *bool           `json:"store"`
	PromptCacheKey  string          `json:"prompt_cache_key"`
	ServiceTier     string          `json:"service_tier"`
	Text            *struct {
		Format *struct {
			Type   string          `json:"type"`
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"format"`
	} `json:"text"`
}

// asChat is the same request as a chat completion: instructions as the
// system message, the input as the user's, the text format as the
// response format, so both APIs answer alike.
func (r ResponsesRequest) asChat() (ChatRequest, string) {
	var input string
	if err := json.Unmarshal(r.Input, &input); err != nil {
		var msgs []Message
		if err := json.Unmarshal(r.Input, &msgs); err != nil || len(msgs) == 0 {
			return ChatRequest{}, "input must be a string or a list of messages"
		}
		parts := make([]string, len(msgs))
		for i, m := range msgs {
			parts[i] = m.Content
		}
		input = strings.Join(parts, "\n")
	}
	cr := ChatRequest{Model: r.Model, MaxCompletionTokens: r.MaxOutputTokens,
		Messages: []Message{{Role: "system", Content: r.Instructions}, {Role: "user", Content: input}}}
	if f := r.Text; f != nil && f.Format != nil {
		if f.Format.Type == FormatJSONSchema {
			cr.ResponseFormat = &ResponseFormat{Type: FormatJSONSchema, JSONSchema: &JSONSchema{Name: f.Format.Name, Schema: f.Format.Schema, Strict: f.Format.Strict}}
		} else {
			cr.ResponseFormat = &ResponseFormat{Type: f.Format.Type}
		}
	}
	return cr, ""
}

// responses answers POST /v1/responses as OpenAI does: a completed,
// incomplete or refused response, with usage, or the same errors as chat.
func (s *Server) responses(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req ResponsesRequest
	if err := simhttp.ReadJSON(r, &req); err != nil {
		writeAPIError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "", "")
		return
	}
	if len(req.Input) == 0 || string(req.Input) == "null" {
		writeAPIError(w, http.StatusBadRequest, "Missing required parameter: 'input'.", "invalid_request_error", "input", "missing_required_parameter")
		return
	}
	if req.Model == "" {
		writeAPIError(w, http.StatusBadRequest, "Missing required parameter: 'model'.", "invalid_request_error", "model", "missing_required_parameter")
		return
	}
	switch req.ServiceTier {
	case "", "auto", "default", "flex", "priority":
	default:
		writeAPIError(w, http.StatusBadRequest, "Invalid value for 'service_tier': '"+req.ServiceTier+"'.", "invalid_request_error", "service_tier", "invalid_value")
		return
	}
	cr, bad := req.asChat()
	if bad != "" {
		writeAPIError(w, http.StatusBadRequest, bad, "invalid_request_error", "input", "")
		return
	}
	if msg, param := validate(cr, ""); msg != "" {
		writeAPIError(w, http.StatusBadRequest, strings.ReplaceAll(msg, "response_format", "text.format"), "invalid_request_error", strings.ReplaceAll(param, "response_format", "text.format"), "")
		return
	}
	if s.failed(w, cr.Messages) {
		return
	}
	msg, finish, err := s.answer(cr)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error(), "invalid_request_error", "text.format", "")
		return
	}
	out := map[string]any{"id": "resp_" + s.newID(), "object": "response", "created_at": s.now().Unix(), "model": req.Model,
		"status": "completed"}
	var content []map[string]any
	text := ""
	switch {
	case msg.Refusal != nil:
		text = *msg.Refusal
		content = append(content, map[string]any{"type": "refusal", "refusal": text})
	case msg.Content != nil:
		text = *msg.Content
		content = append(content, map[string]any{"type": "output_text", "text": text, "annotations": []any{}})
	}
	switch finish {
	case "length":
		out["status"], out["incomplete_details"] = "incomplete", map[string]any{"reason": "max_output_tokens"}
	case "content_filter":
		out["status"], out["incomplete_details"] = "incomplete", map[string]any{"reason": "content_filter"}
	}
	out["output"] = []any{map[string]any{"type": "message", "id": "msg_" + s.newID(), "status": "completed", "role": "assistant", "content": content}}
	u := ExpectedUsage(cr.Messages, text, 1)
	out["usage"] = map[string]any{"input_tokens": u.PromptTokens, "input_tokens_details": map[string]any{"cached_tokens": s.cachedTokens(req)},
		"output_tokens": u.CompletionTokens, "output_tokens_details": map[string]any{"reasoning_tokens": 0}, "total_tokens": u.TotalTokens}
	if req.ServiceTier != "" {
		out["service_tier"] = req.ServiceTier
	}
	s.rateHeaders(w)
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// cachedTokens models OpenAI's prompt cache: the instructions are the
// prefix, cached per prompt_cache_key once they have been seen, and then
// reported as cached input tokens (3 + CountTokens(instructions)).
func (s *Server) cachedTokens(req ResponsesRequest) int {
	key := req.PromptCacheKey + "\x00" + req.Model + "\x00" + req.Instructions
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached[key] {
		return 3 + CountTokens(req.Instructions)
	}
	s.cached[key] = true
	return 0
}
