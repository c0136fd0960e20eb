package ipaas

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	b, ok := s.st.body(r.PathValue("id"))
	if !ok {
		writeProblem(w, http.StatusNotFound, "Not Found", "Customer "+r.PathValue("id")+" was not found.")
		return
	}
	simhttp.WriteRawJSON(w, http.StatusOK, b)
}

// listCustomers serves both the search (action=equals with CustomerNumber and/or EmailAddress)
// and the paged list (pageNumber, pageSize, UpdatedSince); both answer a JSON array with the
// X-Pagination header. Query keys are matched case-insensitively.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := foldQuery(r.URL.Query())
	var f filter
	if v, ok := q["customernumber"]; ok {
		f.customerNumber = &v
	}
	if v, ok := q["emailaddress"]; ok {
		f.email = &v
	}
	if a, ok := q["action"]; ok && !strings.EqualFold(a, "equals") {
		writeValidation(w, map[string][]string{"action": {"Only action=equals is supported."}})
		return
	}
	pageNo, ok1 := intParam(q["pagenumber"], 1)
	pageSize, ok2 := intParam(q["pagesize"], defaultPageSize)
	errs := map[string][]string{}
	if !ok1 || pageNo < 1 {
		errs["pageNumber"] = []string{"The pageNumber must be a positive integer."}
	}
	if !ok2 || pageSize < 1 || pageSize > maxPageSize {
		errs["pageSize"] = []string{"The pageSize must be between 1 and " + strconv.Itoa(maxPageSize) + "."}
	}
	if v := q["updatedsince"]; v != "" {
		// An unescaped "+" in the offset arrives as a space.
		t, err := parseTime(strings.ReplaceAll(v, " ", "+"))
		if err != nil {
			errs["UpdatedSince"] = []string{"The value '" + v + "' is not a valid date-time."}
		}
		f.since = t
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	items, total := s.st.page(f, pageNo, pageSize)
	out := make([]Customer, len(items))
	for i, c := range items {
		out[i] = output(c)
	}
	p, _ := simhttp.Marshal(Pagination{CurrentPage: pageNo, PageSize: pageSize, TotalCount: total, TotalPages: (total + pageSize - 1) / pageSize})
	w.Header().Set("X-Pagination", string(p))
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// customerInput is the POST/PUT body; nil fields were not sent (null counts as not sent).
type customerInput struct {
	CustomerNumber *string       `json:"customer_number"`
	FirstName      *string       `json:"first_name"`
	LastName       *string       `json:"last_name"`
	EmailAddress   *string       `json:"email_address"`
	Company        *string       `json:"company"`
	Comment        *string       `json:"comment"`
	CategoryID     *int          `json:"category_id"`
	Categories     *[]Category   `json:"categories"`
	CustomFields   []CustomField `json:"custom_fields"`
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in customerInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	var c Customer
	errs := s.apply(&c, in, true)
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	now := s.stamp()
	c.ID = s.st.newID()
	c.CreatedDatetime, c.UpdatedDatetime = Time{now}, Time{now}
	s.st.put(c)
	s.hooks.emit(ScopeCreated, c)
	simhttp.WriteJSON(w, http.StatusOK, output(c))
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) {
	var in customerInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	var errs map[string][]string
	now := s.stamp()
	c, found := s.st.update(r.PathValue("id"), func(c *Customer) bool {
		if errs = s.apply(c, in, false); len(errs) > 0 {
			return false
		}
		// updated_datetime moves forward on every update, even within one clock tick.
		next := now
		if !next.After(c.UpdatedDatetime.Time) {
			next = c.UpdatedDatetime.Add(time.Microsecond)
		}
		c.UpdatedDatetime = Time{next}
		return true
	})
	switch {
	case !found:
		writeProblem(w, http.StatusNotFound, "Not Found", "Customer "+r.PathValue("id")+" was not found.")
	case len(errs) > 0:
		writeValidation(w, errs)
	default:
		s.hooks.emit(ScopeUpdated, c)
		simhttp.WriteJSON(w, http.StatusOK, output(c))
	}
}

// output makes nil lists [] so clients always see arrays.
func output(c Customer) Customer {
	if c.Categories == nil {
		c.Categories = []Category{}
	}
	if c.CustomFields == nil {
		c.CustomFields = []CustomField{}
	}
	if c.ExternalIDs == nil {
		c.ExternalIDs = []ExternalID{}
	}
	return c
}

// foldQuery lower-cases query keys, keeping the first value of each.
func foldQuery(v url.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 0 {
			out[strings.ToLower(k)] = vs[0]
		}
	}
	return out
}

func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
