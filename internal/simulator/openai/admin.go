package openai

import (
	"fmt"
	"net/http"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// adminRoutes serves, besides the common /_admin/ routes (faults, counters, requests, reset):
//
//	GET  /_admin/chatrequests?n=N  the last N chat requests, decoded
//	POST /_admin/canned            {"match","content"}: a fixed answer for matching prompts
//	PUT  /_admin/quota             {"exhausted": true}: answer 429 insufficient_quota
//	PUT  /_admin/keys              {"apiKeys": [...]}
//	PUT  /_admin/batches           BatchBehavior: how batches created from now on end
func (s *Server) adminRoutes() {
	c := s.core
	bad := func(w http.ResponseWriter, err error) {
		simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
	}
	c.RegisterCommonAdmin(s.Reset)
	c.Admin("GET chatrequests", func(w http.ResponseWriter, r *http.Request) {
		n := 0
		if v := r.URL.Query().Get("n"); v != "" {
			if _, err := fmt.Sscan(v, &n); err != nil {
				bad(w, err)
				return
			}
		}
		out := s.ChatRequests(n)
		if out == nil {
			out = []ChatRequest{}
		}
		simhttp.WriteJSON(w, http.StatusOK, out)
	})
	c.Admin("POST canned", func(w http.ResponseWriter, r *http.Request) {
		var in Canned
		if err := simhttp.ReadJSON(r, &in); err != nil {
			bad(w, err)
			return
		}
		if in.Match == "" {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: "match must not be empty"})
			return
		}
		s.SetCanned(in.Match, in.Content)
		simhttp.WriteJSON(w, http.StatusOK, in)
	})
	c.Admin("PUT quota", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Exhausted bool `json:"exhausted"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil {
			bad(w, err)
			return
		}
		s.SetQuotaExhausted(in.Exhausted)
		simhttp.WriteJSON(w, http.StatusOK, in)
	})
	c.Admin("PUT batches", func(w http.ResponseWriter, r *http.Request) {
		var in BatchBehavior
		if err := simhttp.ReadJSON(r, &in); err != nil {
			bad(w, err)
			return
		}
		s.SetBatchBehavior(in)
		simhttp.WriteJSON(w, http.StatusOK, in)
	})
	c.Admin("PUT keys", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			APIKeys []string `json:"apiKeys"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil {
			bad(w, err)
			return
		}
		s.SetAPIKeys(in.APIKeys...)
		simhttp.WriteJSON(w, http.StatusOK, map[string]int{"keys": len(in.APIKeys)})
	})
}
