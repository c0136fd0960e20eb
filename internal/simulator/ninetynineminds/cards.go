package ninetynineminds

import (
	"net/http"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

func (s *Server) cardsByCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := s.customerParam(w, r)
	if ok {
		writeOK(w, s.st.cardsOf(id))
	}
}

func (s *Server) transactions(w http.ResponseWriter, r *http.Request) {
	id, ok := s.customerParam(w, r)
	if ok {
		writeOK(w, s.st.transactionsOf(id))
	}
}

// customerParam reads ?customer_id= and answers 422/404 itself when it is missing or unknown.
func (s *Server) customerParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.URL.Query().Get("customer_id")
	if id == "" {
		writeError(w, http.StatusUnprocessableEntity, "customer_id is required")
		return "", false
	}
	if _, ok := s.st.customer(id); !ok {
		writeError(w, http.StatusNotFound, "customer not found")
		return "", false
	}
	return id, true
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request) {
	c, ok := s.st.card(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "loyalty card not found")
		return
	}
	writeOK(w, c)
}

type issueInput struct {
	CustomerID string             `json:"customer_id"`
	Amount     simhttp.FlexNumber `json:"amount"`
}

// issueCard issues a card whose balance is amount; amount may be a number or a numeric string
// and defaults to 0 when missing, null or "".
func (s *Server) issueCard(w http.ResponseWriter, r *http.Request) {
	var in issueInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.CustomerID == "" {
		writeError(w, http.StatusUnprocessableEntity, "customer_id is required")
		return
	}
	if in.Amount.Set && !in.Amount.Valid {
		writeError(w, http.StatusUnprocessableEntity, "amount must be numeric")
		return
	}
	if _, ok := s.st.customer(in.CustomerID); !ok {
		writeError(w, http.StatusNotFound, "customer not found")
		return
	}
	card := LoyaltyCard{
		ID: s.newID("loyaltycard_"), CustomerID: in.CustomerID, PointBalance: Num(in.Amount.Value),
		Active: true, CreatedAt: s.stamp(),
	}
	s.st.putCard(card)
	writeOK(w, card)
}
