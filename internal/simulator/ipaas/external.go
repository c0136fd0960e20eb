package ipaas

import (
	"math"
	"net/http"
	"strings"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// linkInput is the body of LookupSpecial and UpdateExternalId; system_id may arrive as a
// number or a numeric string.
type linkInput struct {
	TableName  string             `json:"table_name"`
	SystemID   simhttp.FlexNumber `json:"system_id"`
	ExternalID string             `json:"external_id"`
	InternalID string             `json:"internal_id"`
}

// validate checks the fields both endpoints share, and internal_id when needInternal.
func (in linkInput) validate(needInternal bool) map[string][]string {
	errs := map[string][]string{}
	if !strings.EqualFold(in.TableName, "customer") {
		errs["table_name"] = []string{"The table_name must be 'customer'."}
	}
	if !in.SystemID.Set || !in.SystemID.Valid || in.SystemID.Value != math.Trunc(in.SystemID.Value) {
		errs["system_id"] = []string{"The system_id field is required and must be an integer."}
	}
	if in.ExternalID == "" {
		errs["external_id"] = []string{"The external_id field is required."}
	}
	if needInternal && in.InternalID == "" {
		errs["internal_id"] = []string{"The internal_id field is required."}
	}
	return errs
}

// lookupSpecial answers the linked iPaaS id as a JSON string, or 404 when not linked.
func (s *Server) lookupSpecial(w http.ResponseWriter, r *http.Request) {
	var in linkInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	if errs := in.validate(false); len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	id, ok := s.st.lookup(int(in.SystemID.Value), in.ExternalID)
	if !ok {
		writeProblem(w, http.StatusNotFound, "Not Found", "No customer is linked to that external id.")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, id)
}

// updateExternalID links an external id to a customer and answers the link.
func (s *Server) updateExternalID(w http.ResponseWriter, r *http.Request) {
	var in linkInput
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	if errs := in.validate(true); len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	l := Link{TableName: "customer", SystemID: int(in.SystemID.Value), ExternalID: in.ExternalID, InternalID: in.InternalID}
	if !s.st.link(l) {
		writeProblem(w, http.StatusNotFound, "Not Found", "Customer "+in.InternalID+" was not found.")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, l)
}

func (s *Server) customFieldDefinitions(w http.ResponseWriter, r *http.Request) {
	coll := foldQuery(r.URL.Query())["collection"]
	if coll == "" {
		writeValidation(w, map[string][]string{"collection": {"The collection field is required."}})
		return
	}
	if !strings.EqualFold(coll, "customer") {
		simhttp.WriteJSON(w, http.StatusOK, []CustomFieldDefinition{})
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, s.CustomFieldDefinitions())
}
