package openai

import (
	"net/http"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// Route patterns of the model list, which clients call to validate their
// credentials cheaply (go-openai's ListModels).
const (
	RouteModels      = "GET /v1/models"
	RouteAzureModels = "GET /openai/models"
)

// defaultModels are listed when Options.Models is empty.
var defaultModels = []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"}

type model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}

func (s *Server) modelList() modelList {
	names := s.opts.Models
	if len(names) == 0 {
		names = defaultModels
	}
	out := modelList{Object: "list"}
	for _, n := range names {
		out.Data = append(out.Data, model{ID: n, Object: "model", Created: 1715367049, OwnedBy: "system"})
	}
	return out
}

// models serves GET /v1/models with the same key and organization checks
// as the chat route.
func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if !s.keyOK(bearerToken(r)) {
		writeAPIError(w, http.StatusUnauthorized,
			"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
			"invalid_request_error", "", "invalid_api_key")
		return
	}
	if !s.orgOK(r) {
		writeAPIError(w, http.StatusUnauthorized, "No such organization: "+r.Header.Get("OpenAI-Organization")+".",
			"invalid_request_error", "", "invalid_organization")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, s.modelList())
}

// azureModels serves GET /openai/models?api-version=..., keyed by api-key.
func (s *Server) azureModels(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("api-version") == "" {
		writeAzureError(w, http.StatusNotFound, "404", "Resource not found")
		return
	}
	key := r.Header.Get("api-key")
	if key == "" {
		key = bearerToken(r)
	}
	if !s.keyOK(key) {
		writeAzureError(w, http.StatusUnauthorized, "401",
			"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, s.modelList())
}
