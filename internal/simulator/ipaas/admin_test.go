package ipaas_test

import (
	"testing"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

func TestAdminRoutes(t *testing.T) {
	s := ipaas.StartForTest(t, ipaas.Options{APIKeys: []string{key}})
	a := func(method, path, body string) reply { return call(t, method, s.URL+"/_admin/"+path, "", body) }
	if r := a("POST", "seed", `{"customers":[{"customer_number":"X","first_name":"","email_address":""}],"links":[{"table_name":"customer","system_id":1,"external_id":"e1","internal_id":"158001"}]}`); r.status != 200 {
		t.Fatalf("seed: %s", r.raw)
	}
	if r := a("POST", "seed", `{"links":[{"system_id":1,"external_id":"e2","internal_id":"999"}]}`); r.status != 400 {
		t.Fatalf("seed link to nothing: %s", r.raw)
	}
	if r := a("GET", "customers/158001", ""); r.status != 200 || r.obj(t)["customer_number"] != "X" {
		t.Fatalf("get: %s", r.raw)
	}
	if r := a("GET", "links", ""); len(r.arr(t)) != 1 {
		t.Fatalf("links: %s", r.raw)
	}
	if r := a("POST", "generate", `{"count":4}`); r.obj(t)["customers"] != 4.0 {
		t.Fatalf("generate: %s", r.raw)
	}
	if r := a("GET", "customers", ""); len(r.arr(t)) != 5 {
		t.Fatalf("customers: %s", r.raw)
	}
	if r := a("PUT", "customfielddefinitions", `[{"id":9,"name":"Only","data_type":"string"}]`); r.status != 200 {
		t.Fatalf("defs: %s", r.raw)
	}
	if r := call(t, "GET", s.URL+"/customers/v2/CustomFieldDefinitions?collection=customer", key, ""); r.raw != `[{"id":9,"name":"Only","data_type":"string"}]` {
		t.Fatalf("defs via API: %s", r.raw)
	}
	if r := a("PUT", "tokenttl", `{"ttl":"2s"}`); r.status != 200 {
		t.Fatalf("ttl: %s", r.raw)
	}
	if r := a("POST", "expiretokens", ""); r.status != 200 {
		t.Fatalf("expire: %s", r.raw)
	}
	if r := a("PUT", "faults", `{"targets":[{"id":"158002","status":429}],"retryAfter":"3s"}`); r.status != 200 {
		t.Fatalf("faults: %s", r.raw)
	}
	r := call(t, "GET", s.URL+"/customers/v2/Customer/158002", key, "")
	if r.status != 429 || r.header.Get("Retry-After") != "3" || r.obj(t)["status"] != 429.0 {
		t.Fatalf("targeted: %d %v %s", r.status, r.header, r.raw)
	}
	if r := call(t, "GET", s.URL+"/customers/v2/Customer/158003", key, ""); r.status != 200 {
		t.Fatalf("untargeted: %d", r.status)
	}
	if r := a("GET", "counters", ""); r.obj(t)["total"] != 3.0 {
		t.Fatalf("counters: %s", r.raw)
	}
	if r := a("POST", "reset", ""); r.status != 200 || len(s.Customers()) != 0 || s.Count() != 0 || len(s.CustomFieldDefinitions()) != len(ipaas.DefaultCustomFieldDefinitions()) {
		t.Fatalf("reset: %s", r.raw)
	}
}
