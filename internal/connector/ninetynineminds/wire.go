package ninetynineminds

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// API paths [doc].
const (
	pathCustomers    = "/api/v1/ipaas/customers"
	pathCards        = "/api/v1/ipaas/loyaltycards"
	pathIssueCard    = "/api/v1/ipaas/loyaltycards/issue"
	pathTransactions = "/api/v1/ipaas/loyaltycards/transactions"
)

// Every response body is an envelope [assumed]: {"code","message","data"},
// plus "meta" on lists. It is parsed once, as a generic tree.

// totalPages reads an envelope's meta.total_pages [assumed], which may
// come as a number or a string; 0 when it is absent or not a count.
func totalPages(env map[string]any) int {
	m, _ := env["meta"].(map[string]any)
	switch n := m["total_pages"].(type) {
	case int64:
		return int(n)
	case string:
		if v, err := strconv.Atoi(n); err == nil {
			return v
		}
	}
	return 0
}

// hasMore says whether a list goes on after page: by total_pages when the
// answer gave it, else a short page ends the list.
func hasMore(total, page, got, pageSize int) bool {
	if total > 0 {
		return page < total
	}
	return got >= pageSize
}

// get sends a GET and decodes the envelope's data into out.
// It returns the list's total_pages (0 when not given).
func (c *Connector) get(ctx context.Context, op, path string, q url.Values, out any) (int, error) {
	return c.call(ctx, op, http.MethodGet, path, q, nil, out)
}

func (c *Connector) call(ctx context.Context, op, method, path string, q url.Values, body, out any) (int, error) {
	var env map[string]any
	if err := c.client.Do(ctx, connector.Call{Operation: op, Method: method, Path: path, Query: q, Body: body, Out: &env}); err != nil {
		return 0, err
	}
	if data := env["data"]; out != nil && data != nil {
		if err := connector.Store(data, out); err != nil {
			return 0, connector.BadResponse(System, op, method+" "+path, err)
		}
	}
	return totalPages(env), nil
}

// listQuery is one page of the customer list [assumed]: page_no, page_size
// and updated_since (RFC 3339 with fractional seconds, UTC, so polling windows join exactly).
func listQuery(page, size int, since time.Time) url.Values {
	q := url.Values{"page_no": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(size)}}
	if !since.IsZero() {
		q.Set("updated_since", since.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// updateBody makes a save body an update: 99minds updates the customer
// whose id the POST carries [assumed].
func updateBody(id string, body map[string]any) map[string]any {
	body["id"] = id
	return body
}

// issueBody is the body of loyaltycards/issue [assumed].
func issueBody(customerID string, amount float64) map[string]any {
	return map[string]any{"customer_id": customerID, "amount": amount}
}

// fieldWord finds the field a 99minds message names.
var fieldWord = regexp.MustCompile(`^([a-z][a-z0-9_]*) `)

// parseError reads {"code": 422, "message": "email is required"}. 99minds
// names no field apart from the message [assumed]: in a validation answer
// (code 400 or 422) whose message starts with a snake_case word, that word
// is taken as the field.
func parseError(body []byte) connector.ErrorDetail {
	d := connector.ParseErrorBody(body)
	var env struct {
		Code json.Number `json:"code"`
	}
	_ = json.Unmarshal(body, &env)
	validation := env.Code == "400" || env.Code == "422"
	if validation && len(d.FieldErrors) == 0 && d.Message != "" {
		if m := fieldWord.FindStringSubmatch(d.Message); m != nil {
			d.FieldErrors = map[string][]string{m[1]: {d.Message}}
		}
	}
	return d
}

// linkField holds, on a customer the operator created, the id of the source
// record it was created for [assumed]: client_customer_id, the client's own
// customer id. The link itself lives in the hub (iPaaS.com external ids);
// this field lets an attempt that stopped before linking find its customer.
const linkField = "client_customer_id"

// standardFields maps the mapping's PascalCase names to 99minds JSON.
var standardFields = map[string]string{
	"Name": "name", "Email": "email", "PhoneNumber": "phone_number",
	"Company": "company", "Notes": "notes", "ClientCustomerId": "client_customer_id",
}

// normalizeAmounts makes field (a card's point_balance, a transaction's
// amount) a number in every item, as the contract requires [doc]: "25"
// becomes 25 and a missing, null or empty amount becomes 0. A non-numeric
// value is left as it is, so the syncer can fail the record with
// InvalidAmount rather than guess.
func normalizeAmounts(items []any, field string) {
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			m[field] = number(m[field])
		}
	}
}

func number(v any) any {
	switch x := v.(type) {
	case nil:
		return int64(0)
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return int64(0)
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return x
	}
	return v
}
