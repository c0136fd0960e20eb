package ninetynineminds

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	body, ok := s.st.customerBody(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "customer not found")
		return
	}
	simhttp.WriteRawJSON(w, http.StatusOK, body)
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageNo, ok := intParam(q.Get("page_no"), 1)
	if !ok || pageNo < 1 {
		writeError(w, http.StatusUnprocessableEntity, "page_no must be a positive integer")
		return
	}
	pageSize, ok := intParam(q.Get("page_size"), defaultPageSize)
	if !ok || pageSize < 1 || pageSize > maxPageSize {
		writeError(w, http.StatusUnprocessableEntity, "page_size must be an integer from 1 to "+strconv.Itoa(maxPageSize))
		return
	}
	var since time.Time
	if v := q.Get("updated_since"); v != "" {
		// An unescaped "+" in the offset arrives as a space.
		t, err := time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, "updated_since must be an RFC 3339 date-time")
			return
		}
		since = t
	}
	items, total := s.st.page(pageNo, pageSize, since)
	simhttp.WriteJSON(w, http.StatusOK, envelope{
		Code: http.StatusOK, Message: "success", Data: items,
		Meta: &Meta{PageNo: pageNo, PageSize: pageSize, TotalCount: total, TotalPages: (total + pageSize - 1) / pageSize},
	})
}

// customerInput is the POST body; nil fields were not sent.
type customerInput struct {
	ID               *string `json:"id"`
	Name             *string `json:"name"`
	Email            *string `json:"email"`
	PhoneNumber      *string `json:"phone_number"`
	Company          *string `json:"company"`
	Notes            *string `json:"notes"`
	ClientCustomerID *string `json:"client_customer_id"`
}

// saveCustomer creates a customer, or updates one when the body carries its id
// (the contract's assumed update-by-id).
func (s *Server) saveCustomer(w http.ResponseWriter, r *http.Request) {
	var in customerInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var c Customer
	update := in.ID != nil && *in.ID != ""
	if update {
		old, ok := s.st.customer(*in.ID)
		if !ok {
			writeError(w, http.StatusNotFound, "customer not found")
			return
		}
		c = old
	}
	apply(&c, in)
	if msg := validateCustomer(c); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	now := s.stamp()
	if !update {
		c.ID, c.CreatedAt = s.newID("customer_"), now
	}
	c.UpdatedAt = now
	s.st.putCustomer(c)
	if update {
		s.notify(ScopeUpdated, c.ID)
	} else {
		s.notify(ScopeCreated, c.ID)
	}
	writeOK(w, c)
}

func apply(c *Customer, in customerInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.Email, in.Email)
	set(&c.PhoneNumber, in.PhoneNumber)
	set(&c.Company, in.Company)
	set(&c.Notes, in.Notes)
	set(&c.ClientCustomerID, in.ClientCustomerID)
}

func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
