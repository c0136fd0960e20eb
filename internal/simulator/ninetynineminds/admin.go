package ninetynineminds

import (
	"net/http"

	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// adminRoutes serves, besides the common /_admin/ routes (faults, counters, requests, reset):
//
//	POST /_admin/seed            Data JSON, stored without validation; returns the stored records
//	POST /_admin/generate        {"count": N}: N generated customers with cards and transactions
//	GET  /_admin/customers       every record (Data JSON)
//	GET  /_admin/customers/{id}  {"customer", "loyalty_cards", "transactions"}
//	PUT  /_admin/keys            {"apiKeys": [...]}: rotate the accepted keys
//	GET  /_admin/webhook         the webhook target (token redacted) and recent deliveries
//	PUT  /_admin/webhook         {"url","token","maxAttempts","retryDelay"}
//	POST /_admin/notify          {"scope","id"}: send a webhook as if the event had happened
func (s *Server) adminRoutes() {
	c := s.core
	c.RegisterCommonAdmin(s.Reset)
	c.Admin("POST seed", func(w http.ResponseWriter, r *http.Request) {
		var d Data
		if err := simhttp.ReadJSON(r, &d); err != nil {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
			return
		}
		out, err := s.Seed(d)
		if err != nil {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
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
		d := s.Generate(in.Count)
		simhttp.WriteJSON(w, http.StatusOK, map[string]int{
			"customers": len(d.Customers), "loyalty_cards": len(d.LoyaltyCards), "transactions": len(d.Transactions),
		})
	})
	c.Admin("GET customers", func(w http.ResponseWriter, _ *http.Request) {
		simhttp.WriteJSON(w, http.StatusOK, s.All())
	})
	c.Admin("GET customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		cust, ok := s.Customer(id)
		if !ok {
			simhttp.WriteJSON(w, http.StatusNotFound, simhttp.AdminError{Error: "customer not found"})
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{
			"customer": cust, "loyalty_cards": s.LoyaltyCards(id), "transactions": s.Transactions(id),
		})
	})
	c.Admin("PUT keys", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			APIKeys []string `json:"apiKeys"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
			return
		}
		s.SetAPIKeys(in.APIKeys...)
		simhttp.WriteJSON(w, http.StatusOK, map[string]int{"keys": len(in.APIKeys)})
	})
	c.Admin("GET webhook", func(w http.ResponseWriter, _ *http.Request) {
		d, dropped := s.WebhookDeliveries()
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{"config": s.Webhook(), "deliveries": d, "dropped": dropped})
	})
	c.Admin("PUT webhook", func(w http.ResponseWriter, r *http.Request) {
		var cfg hook.Config
		if err := simhttp.ReadJSON(r, &cfg); err != nil {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: err.Error()})
			return
		}
		s.SetWebhook(cfg)
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{"config": s.Webhook()})
	})
	c.Admin("POST notify", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Scope string `json:"scope"`
			ID    string `json:"id"`
		}
		if err := simhttp.ReadJSON(r, &in); err != nil || in.Scope == "" || in.ID == "" {
			simhttp.WriteJSON(w, http.StatusBadRequest, simhttp.AdminError{Error: `body must be {"scope": "customer/updated", "id": "customer_..."}`})
			return
		}
		s.Notify(in.Scope, in.ID)
		simhttp.WriteJSON(w, http.StatusOK, in)
	})
}
