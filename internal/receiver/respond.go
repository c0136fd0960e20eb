package receiver

import (
	"encoding/json"
	"net/http"
	"strings"
)

// notFoundBody is the one answer for an unknown namespace, an unknown
// mapping and a mapping without a webhook trigger, so that callers cannot
// tell which names exist.
const notFoundBody = `{"error":"not found"}` + "\n"

// unauthorizedBody is the one answer for a missing or wrong token.
const unauthorizedBody = `{"error":"unauthorized"}` + "\n"

// accepted is the 202 answer: how many notifications will be synced and
// how many were ignored, and why when one reason covers all of them.
type accepted struct {
	Accepted int    `json:"accepted"`
	Ignored  int    `json:"ignored"`
	Reason   string `json:"reason,omitempty"`
}

type errorBody struct {
	Error string `json:"error"`
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeJSON writes v without HTML escaping, so that messages such as
// "sha256=<hex>" read as written.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // cannot happen with the types above
		writeRaw(w, http.StatusInternalServerError, `{"error":"internal error"}`+"\n")
		return
	}
	writeRaw(w, status, b.String())
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}
