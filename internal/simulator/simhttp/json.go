package simhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxBody caps request bodies the simulators read; real APIs cap them too.
const MaxBody = 8 << 20

// WriteJSON writes v as the JSON response body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	WriteRawJSON(w, status, b)
}

// Marshal is json.Marshal without HTML escaping, as the real services write JSON.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteRawJSON writes pre-encoded JSON, for answers cached as bytes.
func WriteRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json; charset=utf-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ReadJSON decodes the request body into v; unknown fields are ignored, like a tolerant server.
func ReadJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errors.New("request body is empty")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("request body is not valid JSON: %v", err)
	}
	return nil
}

// FlexNumber is a JSON number that may also arrive as a string ("25"), as the 99minds contract
// allows. Missing, null and "" leave Set false; anything non-numeric leaves Valid false instead of
// failing the whole decode, so the handler can answer with its own validation message.
type FlexNumber struct {
	Value float64
	Set   bool
	Valid bool
	Raw   string
}

// UnmarshalJSON accepts 25, 25.5, "25", null and "".
func (n *FlexNumber) UnmarshalJSON(b []byte) error {
	*n = FlexNumber{Raw: string(b), Valid: true}
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
		if s == "" {
			return nil
		}
	}
	n.Set = true
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "NaN" || strings.Contains(strings.ToLower(s), "inf") {
		n.Valid = false
		return nil
	}
	n.Value = v
	return nil
}

// MarshalJSON writes the number, or null when unset.
func (n FlexNumber) MarshalJSON() ([]byte, error) {
	if !n.Set || !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}
