package ipaas

import (
	"encoding/json"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Customers API paths [doc, except where noted in the contract].
const (
	pathCustomer         = "/customers/v2/Customer"
	pathCustomers        = "/customers/v2/Customers"
	pathLookupSpecial    = "/customers/v2/External/LookupSpecial"
	pathUpdateExternalID = "/customers/v2/External/UpdateExternalId"
	pathCustomFieldDefs  = "/customers/v2/CustomFieldDefinitions"
)

// tableCustomer is the table_name of customer links [doc].
const tableCustomer = "customer"

// standardFields maps the mapping's PascalCase names to iPaaS.com JSON [doc].
var standardFields = map[string]string{
	"CustomerNumber": "customer_number", "FirstName": "first_name", "LastName": "last_name",
	"EmailAddress": "email_address", "Company": "company", "Comment": "comment",
	"Categories": "categories", "CategoryId": "category_id",
}

// searchQuery is the search for customers whose field equals value: the
// documented EmailAddress convention, applied to CustomerNumber too [assumed].
func searchQuery(field, value string) url.Values {
	return url.Values{"action": {"equals"}, field: {value}}
}

// updatedSinceParam renders the list filter [assumed: RFC 3339 in UTC].
func updatedSinceParam(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// customFieldsQuery asks for the customer collection's definitions [assumed].
func customFieldsQuery() url.Values { return url.Values{"collection": {tableCustomer}} }

// hasMorePages reads the X-Pagination header [doc for the header, assumed
// for its keys: current_Page, total_Pages, matched case-insensitively].
// Without a readable header a short page ends the list.
func hasMorePages(header string, page, got, pageSize int) bool {
	var p map[string]any
	if header != "" && json.Unmarshal([]byte(header), &p) == nil {
		for k, v := range p {
			if strings.EqualFold(k, "total_Pages") || strings.EqualFold(k, "totalPages") {
				if total, ok := toInt(v); ok {
					return int64(page) < total
				}
			}
		}
	}
	return got >= pageSize
}

// tokenExpiry reads access_token_expiration [assumed: an RFC 3339 date-time,
// a zone-less one meaning UTC, or a number of seconds: a lifetime when small,
// a Unix time when large]. When unreadable the documented one-hour lifetime
// is assumed; a 401 still forces a refresh.
func tokenExpiry(v any, now time.Time) time.Time {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
			return t
		}
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return secondsExpiry(n, now)
		}
	case float64:
		return secondsExpiry(x, now)
	case json.Number:
		if n, err := x.Float64(); err == nil {
			return secondsExpiry(n, now)
		}
	case int64:
		return secondsExpiry(float64(x), now)
	}
	return now.Add(time.Hour)
}

func secondsExpiry(n float64, now time.Time) time.Time {
	if n > 1e9 {
		return time.Unix(int64(n), 0)
	}
	return now.Add(time.Duration(n * float64(time.Second)))
}

// toWire turns a payload into an iPaaS.com customer body; fields iPaaS.com
// does not have, and empty custom field values, fail before any request.
func toWire(op string, p customer.Payload) (map[string]any, error) {
	body := map[string]any{}
	bad := map[string][]string{}
	for name, v := range p.Fields {
		wire, ok := standardFields[name]
		if !ok {
			bad[name] = []string{"iPaaS.com customers have no standard field " + name}
			continue
		}
		val, msg := wireValue(wire, v)
		if msg != "" {
			bad[name] = []string{msg}
			continue
		}
		body[wire] = val
	}
	if len(p.CustomFields) > 0 {
		names := make([]string, 0, len(p.CustomFields))
		for n := range p.CustomFields {
			names = append(names, n)
		}
		sort.Strings(names)
		fields := make([]map[string]string, 0, len(names))
		for _, n := range names {
			if strings.TrimSpace(p.CustomFields[n]) == "" {
				bad[n] = []string{"a custom field value must not be empty"}
				continue
			}
			fields = append(fields, map[string]string{"custom_field_name": n, "value": p.CustomFields[n]})
		}
		body["custom_fields"] = fields
	}
	if len(bad) > 0 {
		return nil, connector.Invalid(System, op, bad)
	}
	return body, nil
}

// wireValue checks one standard field's type: category_id an integer,
// categories a list, the rest text.
func wireValue(wire string, v any) (any, string) {
	switch wire {
	case "category_id":
		if n, ok := toInt(v); ok {
			return n, ""
		}
		return nil, "must be a whole number"
	case "categories":
		switch v.(type) {
		case []any, []map[string]any:
			return v, ""
		}
		return nil, "must be a list of categories"
	}
	switch x := v.(type) {
	case string:
		return x, ""
	case int64:
		return strconv.FormatInt(x, 10), ""
	case int:
		return strconv.Itoa(x), ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), ""
	case bool:
		return strconv.FormatBool(x), ""
	}
	return nil, "must be text"
}

// toRecord builds the neutral view of an iPaaS.com customer.
func toRecord(raw map[string]any) (*customer.Record, error) {
	id := idString(raw["id"])
	if id == "" {
		return nil, connector.BadResponse(System, "ReadCustomer", "", errNoID)
	}
	fields := map[string]any{}
	for name, wire := range standardFields {
		if v, ok := raw[wire]; ok && v != nil {
			fields[name] = v
		}
	}
	var custom map[string]string
	if list, ok := raw["custom_fields"].([]any); ok {
		custom = make(map[string]string, len(list))
		for _, it := range list {
			m, _ := it.(map[string]any)
			name, _ := m["custom_field_name"].(string)
			if name == "" {
				continue
			}
			custom[name] = valueString(m["value"])
		}
	}
	return &customer.Record{ID: id, Payload: customer.Payload{Fields: fields, CustomFields: custom}, Raw: raw}, nil
}

// idString reads an id sent as a string or a number.
func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func valueString(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}
