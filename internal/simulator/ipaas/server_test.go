package ipaas_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

const key = "test-key"

type reply struct {
	status int
	header http.Header
	raw    string
}

func (r reply) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.raw), &m); err != nil {
		t.Fatalf("not a JSON object: %s", r.raw)
	}
	return m
}

func (r reply) arr(t *testing.T) []map[string]any {
	t.Helper()
	var m []map[string]any
	if err := json.Unmarshal([]byte(r.raw), &m); err != nil {
		t.Fatalf("not a JSON array: %s", r.raw)
	}
	return m
}

func call(t *testing.T, method, url, bearer, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
}

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func seeded(t *testing.T, o ipaas.Options) *ipaas.Server {
	t.Helper()
	if o.APIKeys == nil {
		o.APIKeys = []string{key}
	}
	s := ipaas.StartForTest(t, o)
	_, err := s.Seed(ipaas.Data{Customers: []ipaas.Customer{
		{ID: "158056", CustomerNumber: "customer_35b4d7776af9ac875a", FirstName: "Jane", LastName: "Doe",
			EmailAddress: "jane@example.com", Company: "Acme",
			CustomFields:    []ipaas.CustomField{{Name: "99minds Loyalty Points Balance", Value: "120"}},
			ExternalIDs:     []ipaas.ExternalID{{SystemID: 4711, ExternalID: "customer_35b4d7776af9ac875a"}},
			UpdatedDatetime: ipaas.Time{Time: time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)}},
		{ID: "158057", CustomerNumber: "CUST-10045", FirstName: "John", LastName: "Roe", EmailAddress: "JOHN@example.com",
			UpdatedDatetime: ipaas.Time{Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCustomerEndpoints(t *testing.T) {
	s := seeded(t, ipaas.Options{Now: func() time.Time { return fixedNow }})
	tests := []struct {
		name, method, path, key, body string
		status                        int
		exact                         string
		check                         func(t *testing.T, r reply)
	}{
		{name: "get", method: "GET", path: "/customers/v2/Customer/158056", key: key, status: 200, check: func(t *testing.T, r reply) {
			c := r.obj(t)
			if c["customer_number"] != "customer_35b4d7776af9ac875a" || c["updated_datetime"] != "2025-06-02T08:30:00+00:00" {
				t.Errorf("customer = %v", c)
			}
			if x := c["external_ids"].([]any)[0].(map[string]any); x["system_id"] != 4711.0 || x["internal_id"] != "158056" {
				t.Errorf("external_ids = %v", c["external_ids"])
			}
		}},
		{name: "get unknown", method: "GET", path: "/customers/v2/Customer/1", key: key, status: 404},
		{name: "no token", method: "GET", path: "/customers/v2/Customer/158056", status: 401},
		{name: "bad token", method: "GET", path: "/customers/v2/Customer/158056", key: "nope", status: 401},
		{name: "search by number", method: "GET", path: "/customers/v2/Customers?action=equals&CustomerNumber=CUST-10045", key: key, status: 200, check: func(t *testing.T, r reply) {
			if a := r.arr(t); len(a) != 1 || a[0]["id"] != "158057" {
				t.Errorf("result = %v", a)
			}
		}},
		{name: "search by email ignores case", method: "GET", path: "/customers/v2/Customers?action=equals&EmailAddress=john@EXAMPLE.com", key: key, status: 200, check: func(t *testing.T, r reply) {
			if a := r.arr(t); len(a) != 1 {
				t.Errorf("result = %v", a)
			}
		}},
		{name: "search no match", method: "GET", path: "/customers/v2/Customers?action=equals&CustomerNumber=none", key: key, status: 200, exact: "[]"},
		{name: "search bad action", method: "GET", path: "/customers/v2/Customers?action=contains&CustomerNumber=C", key: key, status: 400},
		{name: "list page", method: "GET", path: "/customers/v2/Customers?pageNumber=2&pageSize=1", key: key, status: 200, check: func(t *testing.T, r reply) {
			if a := r.arr(t); len(a) != 1 || a[0]["id"] != "158057" {
				t.Errorf("page = %v", a)
			}
			if got := r.header.Get("X-Pagination"); got != `{"current_Page":2,"total_Pages":2,"page_Size":1,"total_Count":2}` {
				t.Errorf("X-Pagination = %s", got)
			}
		}},
		{name: "list updated since", method: "GET", path: "/customers/v2/Customers?UpdatedSince=2025-06-01T00:00:00%2B00:00", key: key, status: 200, check: func(t *testing.T, r reply) {
			if a := r.arr(t); len(a) != 1 || a[0]["id"] != "158056" {
				t.Errorf("result = %v", a)
			}
		}},
		{name: "list updated since unescaped plus", method: "GET", path: "/customers/v2/Customers?UpdatedSince=2025-06-01T00:00:00+00:00", key: key, status: 200, check: func(t *testing.T, r reply) {
			if a := r.arr(t); len(a) != 1 {
				t.Errorf("result = %v", a)
			}
		}},
		{name: "list bad since", method: "GET", path: "/customers/v2/Customers?UpdatedSince=soon", key: key, status: 400},
		{name: "list bad page size", method: "GET", path: "/customers/v2/Customers?pageSize=0", key: key, status: 400},
		{name: "create", method: "POST", path: "/customers/v2/Customer", key: key, status: 200,
			body: `{"customer_number":"C-1","first_name":"Ann","last_name":"Lee","email_address":"ann@example.com","category_id":12,"categories":[{"id":12,"name":"VIP"}],"custom_fields":[{"custom_field_name":"Known To Film","value":"TRUE"}],"ignored":1}`,
			check: func(t *testing.T, r reply) {
				c := r.obj(t)
				if c["id"] != "158001" || c["created_datetime"] != "2025-06-01T12:00:00+00:00" || c["category_id"] != 12.0 {
					t.Errorf("created = %v", c)
				}
				if f := c["custom_fields"].([]any); len(f) != 1 {
					t.Errorf("custom_fields = %v", f)
				}
			}},
		{name: "create missing email", method: "POST", path: "/customers/v2/Customer", key: key, status: 400,
			body:  `{"customer_number":"C-2","first_name":"Ann","last_name":"Lee"}`,
			exact: `{"title":"One or more validation errors occurred.","status":400,"errors":{"email_address":["The email_address field is required."]}}`},
		{name: "create missing everything", method: "POST", path: "/customers/v2/Customer", key: key, status: 400, body: `{}`, check: func(t *testing.T, r reply) {
			errs := r.obj(t)["errors"].(map[string]any)
			for _, f := range []string{"customer_number", "first_name", "last_name", "email_address"} {
				if errs[f] == nil {
					t.Errorf("no error for %s: %v", f, errs)
				}
			}
		}},
		{name: "create blank last name", method: "POST", path: "/customers/v2/Customer", key: key, status: 400,
			body: `{"customer_number":"C-2","first_name":"Ann","last_name":"  ","email_address":"a@example.com"}`},
		{name: "create unknown custom field", method: "POST", path: "/customers/v2/Customer", key: key, status: 400,
			body: `{"customer_number":"C-2","first_name":"A","last_name":"B","email_address":"a@example.com","custom_fields":[{"custom_field_name":"Nope","value":"1"}]}`,
			check: func(t *testing.T, r reply) {
				if !strings.Contains(r.raw, `"custom_fields[0].custom_field_name"`) {
					t.Errorf("body = %s", r.raw)
				}
			}},
		{name: "create empty custom value", method: "POST", path: "/customers/v2/Customer", key: key, status: 400,
			body: `{"customer_number":"C-2","first_name":"A","last_name":"B","email_address":"a@example.com","custom_fields":[{"custom_field_name":"Known To Film","value":""}]}`,
			check: func(t *testing.T, r reply) {
				if !strings.Contains(r.raw, `"custom_fields[0].value"`) {
					t.Errorf("body = %s", r.raw)
				}
			}},
		{name: "create bad json", method: "POST", path: "/customers/v2/Customer", key: key, status: 400, body: `{"first_name":`},
		{name: "update merges", method: "PUT", path: "/customers/v2/Customer/158056", key: key, status: 200,
			body: `{"comment":"hello","custom_fields":[{"custom_field_name":"99minds Loyalty Points Balance","value":"130"},{"custom_field_name":"99minds Loyalty Points Synced","value":"true"}]}`,
			check: func(t *testing.T, r reply) {
				c := r.obj(t)
				if c["comment"] != "hello" || c["first_name"] != "Jane" || c["company"] != "Acme" {
					t.Errorf("updated = %v", c)
				}
				f := c["custom_fields"].([]any)
				if len(f) != 2 || f[0].(map[string]any)["value"] != "130" {
					t.Errorf("custom_fields = %v", f)
				}
				// The seeded value is later than the clock, so it moves forward by a microsecond.
				if c["updated_datetime"] != "2025-06-02T08:30:00.000001+00:00" {
					t.Errorf("updated_datetime = %v", c["updated_datetime"])
				}
			}},
		{name: "update clearing required", method: "PUT", path: "/customers/v2/Customer/158056", key: key, status: 400, body: `{"email_address":""}`},
		{name: "update unknown", method: "PUT", path: "/customers/v2/Customer/9", key: key, status: 404, body: `{"comment":"x"}`},
		{name: "definitions", method: "GET", path: "/customers/v2/CustomFieldDefinitions?collection=customer", key: key, status: 200, check: func(t *testing.T, r reply) {
			a := r.arr(t)
			if len(a) != len(ipaas.DefaultCustomFieldDefinitions()) || a[4]["name"] != "Known To Film" || a[4]["data_type"] != "bool" || a[4]["id"] != 5.0 {
				t.Errorf("definitions = %v", a)
			}
		}},
		{name: "definitions other collection", method: "GET", path: "/customers/v2/CustomFieldDefinitions?collection=product", key: key, status: 200, exact: "[]"},
		{name: "definitions no collection", method: "GET", path: "/customers/v2/CustomFieldDefinitions", key: key, status: 400},
		{name: "lookup linked", method: "POST", path: "/customers/v2/External/LookupSpecial", key: key, status: 200, exact: `"158056"`,
			body: `{"table_name":"customer","system_id":4711,"external_id":"customer_35b4d7776af9ac875a"}`},
		{name: "lookup string system id", method: "POST", path: "/customers/v2/External/LookupSpecial", key: key, status: 200, exact: `"158056"`,
			body: `{"table_name":"Customer","system_id":"4711","external_id":"customer_35b4d7776af9ac875a"}`},
		{name: "lookup not linked", method: "POST", path: "/customers/v2/External/LookupSpecial", key: key, status: 404,
			body: `{"table_name":"customer","system_id":4711,"external_id":"customer_000000000000000000"}`},
		{name: "lookup other system", method: "POST", path: "/customers/v2/External/LookupSpecial", key: key, status: 404,
			body: `{"table_name":"customer","system_id":1,"external_id":"customer_35b4d7776af9ac875a"}`},
		{name: "lookup bad table", method: "POST", path: "/customers/v2/External/LookupSpecial", key: key, status: 400,
			body: `{"table_name":"product","system_id":4711,"external_id":"x"}`},
		{name: "link", method: "POST", path: "/customers/v2/External/UpdateExternalId", key: key, status: 200,
			body: `{"table_name":"customer","system_id":4711,"external_id":"customer_aaaaaaaaaaaaaaaaaa","internal_id":"158057"}`},
		{name: "link unknown customer", method: "POST", path: "/customers/v2/External/UpdateExternalId", key: key, status: 404,
			body: `{"table_name":"customer","system_id":4711,"external_id":"x","internal_id":"1"}`},
		{name: "link missing internal id", method: "POST", path: "/customers/v2/External/UpdateExternalId", key: key, status: 400,
			body: `{"table_name":"customer","system_id":4711,"external_id":"x"}`},
		{name: "unknown route", method: "GET", path: "/customers/v2/Nothing", key: key, status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, tc.method, s.URL+tc.path, tc.key, tc.body)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", r.status, tc.status, r.raw)
			}
			if tc.exact != "" && r.raw != tc.exact {
				t.Errorf("body = %s\nwant   %s", r.raw, tc.exact)
			}
			if tc.status >= 400 {
				p := r.obj(t)
				if p["status"] != float64(tc.status) || p["title"] == "" {
					t.Errorf("error body = %s", r.raw)
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
	if id, ok := s.Lookup(4711, "customer_aaaaaaaaaaaaaaaaaa"); !ok || id != "158057" {
		t.Errorf("link not stored: %q %v", id, ok)
	}
}

func TestUpdatedDatetimeAdvancesEveryUpdate(t *testing.T) {
	s := seeded(t, ipaas.Options{Now: func() time.Time { return fixedNow }})
	var last string
	for i := 0; i < 3; i++ {
		r := call(t, "PUT", s.URL+"/customers/v2/Customer/158057", key, `{"comment":"same"}`)
		got := r.obj(t)["updated_datetime"].(string)
		if got == last {
			t.Fatalf("update %d left updated_datetime at %s", i, got)
		}
		last = got
	}
}

func TestRelinkMovesExternalID(t *testing.T) {
	s := seeded(t, ipaas.Options{})
	r := call(t, "POST", s.URL+"/customers/v2/External/UpdateExternalId", key,
		`{"table_name":"customer","system_id":4711,"external_id":"customer_35b4d7776af9ac875a","internal_id":"158057"}`)
	if r.status != 200 {
		t.Fatal(r.raw)
	}
	a, _ := s.Customer("158056")
	b, _ := s.Customer("158057")
	if len(a.ExternalIDs) != 0 || len(b.ExternalIDs) != 1 {
		t.Errorf("links: old %v new %v", a.ExternalIDs, b.ExternalIDs)
	}
}

func TestDuplicateCustomerNumbersAreVisible(t *testing.T) {
	s := seeded(t, ipaas.Options{})
	body := `{"customer_number":"DUP","first_name":"A","last_name":"B","email_address":"a@example.com"}`
	call(t, "POST", s.URL+"/customers/v2/Customer", key, body)
	call(t, "POST", s.URL+"/customers/v2/Customer", key, body)
	if n := len(s.FindByCustomerNumber("DUP")); n != 2 {
		t.Errorf("found %d, want the 2 duplicates so tests can catch them", n)
	}
}

func TestGenerateReproducible(t *testing.T) {
	a := ipaas.StartForTest(t, ipaas.Options{Seed: 5, Generate: 20})
	b := ipaas.StartForTest(t, ipaas.Options{Seed: 5, Generate: 20})
	ja, _ := json.Marshal(a.Customers())
	jb, _ := json.Marshal(b.Customers())
	if string(ja) != string(jb) {
		t.Fatal("same seed, different data")
	}
	c := a.Customers()[0]
	if c.CustomerNumber != "CUST-10001" || c.FirstName == "" || c.LastName == "" || !strings.Contains(c.EmailAddress, "@") {
		t.Errorf("generated %+v", c)
	}
}
