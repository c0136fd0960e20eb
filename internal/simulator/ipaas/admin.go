package ipaas

import (
	"net/http"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// adminRoutes serves, besides the common /_admin/ routes (faults, counters, requests, reset):
//
//	POST /_admin/seed                    Data JSON ({"customers": [...], "links": [...]}), unvalidated
//	POST /_admin/generate                {"count": N}
//	GET  /_admin/customers               every customer
//	GET  /_admin/customers/{id}          one customer
//	GET  /_admin/links                   every external-id link
//	GET  /_admin/customfielddefinitions  the definitions
//	PUT  /_admin/customfielddefinitions  replace them ([{"id","name","data_type"}])
//	GET  /_admin/hook                    the hook target (token redacted) and recent deliveries
//	PUT  /_admin/hook                    {"url","token","systemId","maxAttempts","retryDelay"}
//	PUT  /_admin/keys                    {"apiKeys": [...]}
//	PUT  /_admin/tokenttl                {"ttl": "2s"}: lifetime of tokens issued from now on
//	POST /_admin/expiretokens            every access token issued so far expires now
//	POST /_admin/notify                  {"scope","id"}: send a hook as if the event had happened
func (s *Server) adminRoutes() {
	c := s.core
	bad := func(w http.ResponseWriter, err error) {
		simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
	}
	c.RegisterCommonAdmin(s.Reset)
	c.Admin("POST seed", func(w http.ResponseWriter, r *http.Request) {
		var d Data
		if err := simhttp.ReadJSON(r, &d); err != nil {
			bad(w, err)
			return
		}
		out, err := s.Seed(d)
		if err != nil {
			bad(w, err)
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, out)
	})
	c.Admin("POST generate", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Count int `json:"count"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil || in.Count < 0 {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: `body must be {"count": N} with N >= 0`})
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, map[string]int{"customers": len(s.Generate(in.Count))})
	})
	c.Admin("GET customers", func(w http.ResponseWriter, _ *http.Request) {
		simhttp.WriteJSON(w, http.StatusOK, s.Customers())
	})
	c.Admin("GET customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		cust, ok := s.Customer(r.PathValue("id"))
		if !ok {
			simhttp.WriteJSON(w, http.StatusNotFound, simhttp.AdminError{Error: "customer not found"})
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, output(cust))
	})
	c.Admin("GET links", func(w http.ResponseWriter, _ *http.Request) {
		simhttp.WriteJSON(w, http.StatusOK, s.Links())
	})
	c.Admin("GET customfielddefinitions", func(w http.ResponseWriter, _ *http.Request) {
		simhttp.WriteJSON(w, http.StatusOK, s.CustomFieldDefinitions())
	})
	c.Admin("PUT customfielddefinitions", func(w http.ResponseWriter, r *http.Request) {
		var defs []CustomFieldDefinition
		if err := simhttp.ReadJSON(r, &defs); err != nil {
			bad(w, err)
			return
		}
		s.SetCustomFieldDefinitions(defs)
		simhttp.WriteJSON(w, http.StatusOK, s.CustomFieldDefinitions())
	})
	c.Admin("GET hook", func(w http.ResponseWriter, _ *http.Request) {
		d, dropped := s.HookDeliveries()
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{"config": s.Hook(), "deliveries": d, "dropped": dropped})
	})
	c.Admin("PUT hook", func(w http.ResponseWriter, r *http.Request) {
		var cfg HookConfig
		if err := simhttp.ReadJSON(r, &cfg); err != nil {
			bad(w, err)
			return
		}
		s.SetHook(cfg)
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{"config": s.Hook()})
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
	c.Admin("PUT tokenttl", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			TTL fault.Duration `json:"ttl"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil || in.TTL <= 0 {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: `body must be {"ttl": "2s"} with a positive duration`})
			return
		}
		s.SetTokenTTL(time.Duration(in.TTL))
		simhttp.WriteJSON(w, http.StatusOK, map[string]string{"ttl": time.Duration(in.TTL).String()})
	})
	c.Admin("POST expiretokens", func(w http.ResponseWriter, _ *http.Request) {
		s.ExpireTokens()
		simhttp.WriteJSON(w, http.StatusOK, map[string]string{"status": "expired"})
	})
	c.Admin("POST notify", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Scope string `json:"scope"`
			ID    string `json:"id"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil || in.Scope == "" || in.ID == "" {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: `body must be {"scope": "customer/updated", "id": "158056"}`})
			return
		}
		s.Notify(in.Scope, in.ID)
		simhttp.WriteJSON(w, http.StatusOK, in)
	})
}
