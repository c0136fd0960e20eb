package ninetynineminds_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

const key = "test-key"

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, url, bearer, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if err := json.Unmarshal(b, &out.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, url, b)
	}
	return out
}

func seeded(t *testing.T) (*ninetynineminds.Server, ninetynineminds.Data) {
	t.Helper()
	s := ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{key}, Seed: 7, Now: func() time.Time { return fixedNow }})
	d, err := s.Seed(ninetynineminds.Data{
		Customers: []ninetynineminds.Customer{
			{ID: "customer_35b4d7776af9ac875a", Name: "Jane Doe", Email: "jane@example.com", PhoneNumber: "+15555550123",
				UpdatedAt: time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)},
			{Name: "No Email"}, // a bad record, planted on purpose
		},
		LoyaltyCards: []ninetynineminds.LoyaltyCard{
			{ID: "loyaltycard_000000000000000001", CustomerID: "customer_35b4d7776af9ac875a", PointBalance: ninetynineminds.Num(120), Active: true},
		},
		Transactions: []ninetynineminds.Transaction{
			{CardID: "loyaltycard_000000000000000001", CustomerID: "customer_35b4d7776af9ac875a", Amount: ninetynineminds.NumText("25"), ClientOrderID: "1001"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

var idPattern = regexp.MustCompile(`^(customer|loyaltycard|transaction)_[0-9a-f]{18}$`)

func TestEndpoints(t *testing.T) {
	s, d := seeded(t)
	jane := "customer_35b4d7776af9ac875a"
	tests := []struct {
		name, method, path, key, body string
		status                        int
		message                       string
		check                         func(t *testing.T, r reply)
	}{
		{name: "get customer", method: "GET", path: "/api/v1/ipaas/customers/" + jane, key: key, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].(map[string]any)
				if data["name"] != "Jane Doe" || data["email"] != "jane@example.com" || data["phone_number"] != "+15555550123" {
					t.Errorf("data = %v", data)
				}
				if data["updated_at"] != "2025-06-02T08:30:00Z" {
					t.Errorf("updated_at = %v", data["updated_at"])
				}
			}},
		{name: "get customer unknown", method: "GET", path: "/api/v1/ipaas/customers/customer_000000000000000000", key: key, status: 404, message: "customer not found"},
		{name: "no key", method: "GET", path: "/api/v1/ipaas/customers/" + jane, status: 401},
		{name: "wrong key", method: "GET", path: "/api/v1/ipaas/customers/" + jane, key: "nope", status: 401},
		{name: "list", method: "GET", path: "/api/v1/ipaas/customers?page_no=1&page_size=1", key: key, status: 200,
			check: func(t *testing.T, r reply) {
				meta := r.body["meta"].(map[string]any)
				want := map[string]any{"page_no": 1.0, "page_size": 1.0, "total_pages": 2.0, "total_count": 2.0}
				for k, v := range want {
					if meta[k] != v {
						t.Errorf("meta[%s] = %v, want %v", k, meta[k], v)
					}
				}
				if n := len(r.body["data"].([]any)); n != 1 {
					t.Errorf("got %d customers", n)
				}
			}},
		{name: "list updated_since", method: "GET", path: "/api/v1/ipaas/customers?updated_since=2025-06-02T00:00:00Z", key: key, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].([]any)
				if len(data) != 1 || data[0].(map[string]any)["id"] != jane {
					t.Errorf("data = %v", data)
				}
			}},
		{name: "list past the end", method: "GET", path: "/api/v1/ipaas/customers?page_no=9", key: key, status: 200,
			check: func(t *testing.T, r reply) {
				if len(r.body["data"].([]any)) != 0 {
					t.Errorf("data = %v", r.body["data"])
				}
			}},
		{name: "list bad page", method: "GET", path: "/api/v1/ipaas/customers?page_no=0", key: key, status: 422},
		{name: "list bad since", method: "GET", path: "/api/v1/ipaas/customers?updated_since=yesterday", key: key, status: 422},
		{name: "create", method: "POST", path: "/api/v1/ipaas/customers", key: key, status: 200,
			body: `{"name":"Ann Lee","email":"ann@example.com","phone_number":"5555550100","unknown_field":1}`,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].(map[string]any)
				if !idPattern.MatchString(data["id"].(string)) || data["created_at"] != "2025-06-01T12:00:00Z" {
					t.Errorf("data = %v", data)
				}
			}},
		{name: "create without email", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"name":"Ann"}`, status: 422, message: "email is required"},
		{name: "create without name", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"email":"a@example.com"}`, status: 422, message: "name is required"},
		{name: "create bad phone", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"name":"A","email":"a@example.com","phone_number":"+123"}`, status: 422},
		{name: "create phone with letters", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"name":"A","email":"a@example.com","phone_number":"555-CALL"}`, status: 422},
		{name: "create bad json", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{`, status: 400},
		{name: "update", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"id":"` + jane + `","company":"Acme"}`, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].(map[string]any)
				if data["company"] != "Acme" || data["email"] != "jane@example.com" || data["updated_at"] != "2025-06-01T12:00:00Z" {
					t.Errorf("data = %v", data)
				}
			}},
		{name: "update clearing email", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"id":"` + jane + `","email":""}`, status: 422, message: "email is required"},
		{name: "update unknown", method: "POST", path: "/api/v1/ipaas/customers", key: key, body: `{"id":"customer_000000000000000000","email":"x@example.com"}`, status: 404},
		{name: "cards by customer", method: "GET", path: "/api/v1/ipaas/loyaltycards?customer_id=" + jane, key: key, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].([]any)
				if len(data) != 1 || data[0].(map[string]any)["point_balance"] != 120.0 {
					t.Errorf("data = %v", data)
				}
			}},
		{name: "cards without customer_id", method: "GET", path: "/api/v1/ipaas/loyaltycards", key: key, status: 422},
		{name: "cards of unknown customer", method: "GET", path: "/api/v1/ipaas/loyaltycards?customer_id=customer_x", key: key, status: 404},
		{name: "card by id", method: "GET", path: "/api/v1/ipaas/loyaltycards/loyaltycard_000000000000000001", key: key, status: 200},
		{name: "card unknown", method: "GET", path: "/api/v1/ipaas/loyaltycards/loyaltycard_x", key: key, status: 404},
		{name: "transactions", method: "GET", path: "/api/v1/ipaas/loyaltycards/transactions?customer_id=" + jane, key: key, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].([]any)
				tx := data[0].(map[string]any)
				if tx["amount"] != "25" || tx["id"] != d.Transactions[0].ID || !idPattern.MatchString(tx["id"].(string)) {
					t.Errorf("transaction = %v (the seeded string amount must come back as a string)", tx)
				}
			}},
		{name: "issue default amount", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"` + jane + `"}`, status: 200,
			check: func(t *testing.T, r reply) {
				data := r.body["data"].(map[string]any)
				if data["point_balance"] != 0.0 || !idPattern.MatchString(data["id"].(string)) || data["active"] != true {
					t.Errorf("data = %v", data)
				}
			}},
		{name: "issue string amount", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"` + jane + `","amount":"25"}`, status: 200,
			check: func(t *testing.T, r reply) {
				if r.body["data"].(map[string]any)["point_balance"] != 25.0 {
					t.Errorf("data = %v", r.body["data"])
				}
			}},
		{name: "issue empty amount", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"` + jane + `","amount":""}`, status: 200},
		{name: "issue bad amount", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"` + jane + `","amount":"ten"}`, status: 422, message: "amount must be numeric"},
		{name: "issue bool amount", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"` + jane + `","amount":true}`, status: 422},
		{name: "issue unknown customer", method: "POST", path: "/api/v1/ipaas/loyaltycards/issue", key: key, body: `{"customer_id":"customer_x"}`, status: 404},
		{name: "unknown route", method: "GET", path: "/api/v1/ipaas/nothing", key: key, status: 404},
		{name: "wrong method", method: "DELETE", path: "/api/v1/ipaas/customers/" + jane, key: key, status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, tc.method, s.URL+tc.path, tc.key, tc.body)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", r.status, tc.status, r.raw)
			}
			if code, _ := r.body["code"].(float64); int(code) != tc.status {
				t.Errorf("envelope code = %v, want %d", r.body["code"], tc.status)
			}
			if _, ok := r.body["message"].(string); !ok {
				t.Errorf("envelope has no message: %s", r.raw)
			}
			if tc.message != "" && r.body["message"] != tc.message {
				t.Errorf("message = %q, want %q", r.body["message"], tc.message)
			}
			if tc.status < 300 {
				if _, ok := r.body["data"]; !ok {
					t.Errorf("envelope has no data: %s", r.raw)
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestContractErrorBody(t *testing.T) {
	s, _ := seeded(t)
	r := call(t, "POST", s.URL+"/api/v1/ipaas/customers", key, `{"name":"x"}`)
	if r.raw != `{"code":422,"message":"email is required"}` {
		t.Errorf("body = %s", r.raw)
	}
}

func TestSeedBypassesValidationAndCounts(t *testing.T) {
	s, _ := seeded(t)
	bad := s.Customers()[1]
	if bad.Email != "" || !idPattern.MatchString(bad.ID) {
		t.Fatalf("planted record = %+v", bad)
	}
	r := call(t, "GET", s.URL+"/api/v1/ipaas/customers/"+bad.ID, key, "")
	if r.status != 200 {
		t.Fatalf("status = %d", r.status)
	}
	_ = call(t, "GET", s.URL+"/api/v1/ipaas/customers/"+bad.ID, "", "")
	if s.Count() != 2 || s.CountFor(ninetynineminds.RouteGetCustomer) != 2 {
		t.Errorf("counts = %d %v", s.Count(), s.Counts())
	}
	last := s.Requests(1)[0]
	if last.Path != "/api/v1/ipaas/customers/"+bad.ID || last.Header.Get("Authorization") != "" {
		t.Errorf("last request = %+v", last)
	}
	if got := s.Requests(2)[0].Header.Get("Authorization"); got != "Bearer <redacted>" {
		t.Errorf("recorded Authorization = %q, want it redacted", got)
	}
}

func TestKeyRotation(t *testing.T) {
	s, _ := seeded(t)
	s.SetAPIKeys("new-key")
	if r := call(t, "GET", s.URL+"/api/v1/ipaas/customers?page_size=1", key, ""); r.status != 401 {
		t.Errorf("old key: status %d", r.status)
	}
	if r := call(t, "GET", s.URL+"/api/v1/ipaas/customers?page_size=1", "new-key", ""); r.status != 200 {
		t.Errorf("new key: status %d", r.status)
	}
}

func TestDefaultKey(t *testing.T) {
	s := ninetynineminds.StartForTest(t, ninetynineminds.Options{})
	if r := call(t, "GET", s.URL+"/api/v1/ipaas/customers", ninetynineminds.DefaultAPIKey, ""); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
}

func TestGenerateIsReproducibleAndValid(t *testing.T) {
	a := ninetynineminds.StartForTest(t, ninetynineminds.Options{Seed: 42, Generate: 50})
	b := ninetynineminds.StartForTest(t, ninetynineminds.Options{Seed: 42, Generate: 50})
	da, db := a.All(), b.All()
	ja, _ := json.Marshal(da)
	jb, _ := json.Marshal(db)
	if !bytes.Equal(ja, jb) {
		t.Fatal("same seed generated different data")
	}
	if len(da.Customers) != 50 || len(da.LoyaltyCards) == 0 || len(da.Transactions) == 0 {
		t.Fatalf("generated %d customers, %d cards, %d transactions", len(da.Customers), len(da.LoyaltyCards), len(da.Transactions))
	}
	perCustomer := map[string]int{}
	for _, c := range da.Customers {
		if !idPattern.MatchString(c.ID) || c.Email == "" || c.Name == "" || !ninetynineminds.ValidPhone(c.PhoneNumber) {
			t.Errorf("invalid generated customer %+v", c)
		}
	}
	for _, c := range da.LoyaltyCards {
		perCustomer[c.CustomerID]++
		if _, ok := c.PointBalance.Float(); !ok || !idPattern.MatchString(c.ID) {
			t.Errorf("bad card %+v", c)
		}
	}
	for id, n := range perCustomer {
		if n > 3 {
			t.Errorf("customer %s has %d cards", id, n)
		}
	}
	c := ninetynineminds.StartForTest(t, ninetynineminds.Options{Seed: 43, Generate: 50})
	if c.Customers()[0].ID == da.Customers[0].ID {
		t.Error("a different seed gave the same ids")
	}
	// Reset restores the generated set exactly.
	a.Reset()
	ja2, _ := json.Marshal(a.All())
	if !bytes.Equal(ja, ja2) {
		t.Error("Reset did not restore the initial data")
	}
}

func TestAdminRoutes(t *testing.T) {
	s := ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{key}})
	post := func(path, body string) reply { return call(t, "POST", s.URL+"/_admin/"+path, "", body) }
	r := post("seed", `{"customers":[{"id":"customer_aaaaaaaaaaaaaaaaaa","name":"A B","email":"a@example.com"}],"transactions":[{"customer_id":"customer_aaaaaaaaaaaaaaaaaa","amount":"7"}]}`)
	if r.status != 200 {
		t.Fatalf("seed: %d %s", r.status, r.raw)
	}
	if r := post("generate", `{"count":3}`); r.status != 200 || r.body["customers"] != 3.0 {
		t.Fatalf("generate: %s", r.raw)
	}
	if r := call(t, "GET", s.URL+"/_admin/customers/customer_aaaaaaaaaaaaaaaaaa", "", ""); r.status != 200 || len(r.body["transactions"].([]any)) != 1 {
		t.Fatalf("get: %s", r.raw)
	}
	if r := call(t, "GET", s.URL+"/_admin/customers", "", ""); len(r.body["customers"].([]any)) != 4 {
		t.Fatalf("all: %s", r.raw)
	}
	_ = call(t, "GET", s.URL+"/api/v1/ipaas/customers/customer_aaaaaaaaaaaaaaaaaa", key, "")
	if r := call(t, "GET", s.URL+"/_admin/counters", "", ""); r.body["total"] != 1.0 {
		t.Fatalf("counters: %s", r.raw)
	}
	if resp, err := http.Get(s.URL + "/_admin/requests?n=5"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("requests: %v %v", resp, err)
	} else {
		var reqs []map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&reqs)
		resp.Body.Close()
		if len(reqs) != 1 || reqs[0]["pattern"] != ninetynineminds.RouteGetCustomer {
			t.Fatalf("requests = %v", reqs)
		}
	}
	if r := call(t, "PUT", s.URL+"/_admin/faults", "", `{"errorRate":1,"errorStatus":503}`); r.status != 200 {
		t.Fatalf("faults: %s", r.raw)
	}
	if r := call(t, "GET", s.URL+"/api/v1/ipaas/customers/customer_aaaaaaaaaaaaaaaaaa", key, ""); r.status != 503 || r.body["code"] != 503.0 {
		t.Fatalf("faulted call: %d %s", r.status, r.raw)
	}
	if r := call(t, "PUT", s.URL+"/_admin/faults", "", `{"errorRate":2}`); r.status != 400 {
		t.Fatalf("bad faults accepted: %s", r.raw)
	}
	if r := post("reset", ``); r.status != 200 {
		t.Fatalf("reset: %s", r.raw)
	}
	if len(s.Customers()) != 0 || s.Count() != 0 || s.Faults().Active() {
		t.Fatal("reset left state behind")
	}
	if r := call(t, "PUT", s.URL+"/_admin/keys", "", `{"apiKeys":["k2"]}`); r.status != 200 {
		t.Fatalf("keys: %s", r.raw)
	}
	if r := call(t, "GET", s.URL+"/api/v1/ipaas/customers", "k2", ""); r.status != 200 {
		t.Fatalf("rotated key refused: %s", r.raw)
	}
}

func TestAdminIsLoopbackOnly(t *testing.T) {
	s, err := ninetynineminds.New(ninetynineminds.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, remote := range []struct {
		addr string
		want int
	}{{"10.1.2.3:5555", 403}, {"127.0.0.1:5555", 200}, {"[::1]:5555", 200}} {
		req, _ := http.NewRequest("GET", "/_admin/counters", nil)
		req.RemoteAddr = remote.addr
		rec := &recorder{header: http.Header{}}
		s.Handler().ServeHTTP(rec, req)
		if rec.status != remote.want {
			t.Errorf("%s: status %d, want %d", remote.addr, rec.status, remote.want)
		}
	}
	open, _ := ninetynineminds.New(ninetynineminds.Options{AllowRemoteAdmin: true})
	defer open.Close()
	req, _ := http.NewRequest("GET", "/_admin/counters", nil)
	req.RemoteAddr = "10.1.2.3:5555"
	rec := &recorder{header: http.Header{}}
	open.Handler().ServeHTTP(rec, req)
	if rec.status != 200 {
		t.Errorf("AllowRemoteAdmin: status %d", rec.status)
	}
}

// recorder is a minimal ResponseWriter, to drive the handler with a chosen RemoteAddr.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }
