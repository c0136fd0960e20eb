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

// models serves GET /v1/models with the chat route's key checks.
func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if s.authorized(w, r) {
		simhttp.WriteJSON(w, http.StatusOK, s.modelList())
	}
}

// azureModels serves GET /openai/models?api-version=..., keyed by api-key.
func (s *Server) azureModels(w http.ResponseWriter, r *http.Request) {
	if s.azureAuthorized(w, r) {
		simhttp.WriteJSON(w, http.StatusOK, s.modelList())
	}
}
