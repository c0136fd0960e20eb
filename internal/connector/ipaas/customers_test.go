package ipaas_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	"github.com/customersync/customer-sync-operator/internal/customer"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

func TestGetAndFetch(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, keyConfig(s.URL))
	rec, err := c.Get(ctx, "158056")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"CustomerNumber": janeExtID, "FirstName": "Jane", "LastName": "Doe",
		"EmailAddress": "jane@example.com", "Company": "Acme", "Comment": "", "Categories": []any{}}
	if rec.ID != "158056" || !reflect.DeepEqual(rec.Fields, want) {
		t.Errorf("fields %#v", rec.Fields)
	}
	if rec.CustomFields["99minds Loyalty Points Balance"] != "120" {
		t.Errorf("custom fields %v", rec.CustomFields)
	}
	if ids, _ := rec.Raw["external_ids"].([]any); len(ids) != 1 {
		t.Errorf("raw external_ids %v", rec.Raw["external_ids"])
	}
	doc, err := c.Fetch(ctx, "158057")
	if err != nil || doc["customer_number"] != "CUST-10045" {
		t.Fatalf("Fetch: %v %v", doc, err)
	}
	_, err = c.Get(ctx, "999")
	if !errors.Is(err, connector.ErrNotFound) || connector.IsTransient(err) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestFindByNaturalKey(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, keyConfig(s.URL))
	byNumber := func(n string) connector.NaturalKey {
		return connector.NaturalKey{SourceID: "x", Payload: customer.Payload{Fields: map[string]any{"CustomerNumber": n}}}
	}
	recs, err := c.FindByNaturalKey(ctx, byNumber("CUST-10045"))
	if err != nil || len(recs) != 1 || recs[0].ID != "158057" {
		t.Errorf("by CustomerNumber: %v %v", recs, err)
	}
	recs, err = c.SearchCustomers(ctx, ipaas.FieldEmailAddress, "JOHN@example.com")
	if err != nil || len(recs) != 1 || recs[0].ID != "158057" {
		t.Errorf("by EmailAddress: %v %v", recs, err)
	}
	for _, n := range []string{"nobody", ""} {
		recs, err = c.FindByNaturalKey(ctx, byNumber(n))
		if err != nil || recs == nil || len(recs) != 0 {
			t.Errorf("no match for %q must be an empty slice: %v %v", n, recs, err)
		}
	}
	if _, err := c.SearchCustomers(ctx, "Company", "Acme"); !errors.Is(err, connector.ErrUnsupported) {
		t.Errorf("search by Company: %v", err)
	}
}

func TestCreateUpdateLinkLookup(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, keyConfig(s.URL))
	const ext = "customer_aaaaaaaaaaaaaaaaaa"

	id, linked, err := c.LookupSpecial(ctx, ext)
	if err != nil || linked || id != "" {
		t.Fatalf("not linked must be (\"\", false, nil): %q %v %v", id, linked, err)
	}
	if _, err := c.FindByLink(ctx, ext); !errors.Is(err, connector.ErrNotFound) {
		t.Fatalf("FindByLink unlinked: %v", err)
	}

	rec, err := c.Create(ctx, ext, customer.Payload{
		Fields: map[string]any{"CustomerNumber": ext, "FirstName": "Max", "LastName": "Mustermann",
			"EmailAddress": "max@example.com", "CategoryId": int64(12), "Categories": []any{map[string]any{"id": int64(12), "name": "VIP"}}},
		CustomFields: map[string]string{"99minds Loyalty Points Synced": "true", "99minds Loyalty Points Balance": "120"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.Fields["CategoryId"] != int64(12) || rec.CustomFields["99minds Loyalty Points Balance"] != "120" {
		t.Fatalf("created %+v", rec)
	}
	if err := c.Link(ctx, rec.ID, ext); err != nil {
		t.Fatal(err)
	}
	if err := c.Link(ctx, rec.ID, ext); err != nil {
		t.Fatalf("linking again: %v", err)
	}
	got, err := c.FindByLink(ctx, ext)
	if err != nil || got.ID != rec.ID {
		t.Fatalf("FindByLink: %+v %v", got, err)
	}
	if id, ok := s.Lookup(systemID, ext); !ok || id != rec.ID {
		t.Errorf("simulator link %q %v", id, ok)
	}
	// The same link read from the customer's side, as the reverse flow
	// (iPaaS.com → 99minds) reads it.
	doc, err := c.Fetch(ctx, rec.ID)
	if err != nil || c.LinkedID(doc) != ext {
		t.Errorf("LinkedID = %q (%v), want %s", c.LinkedID(doc), err, ext)
	}
	other := map[string]any{"external_ids": []any{map[string]any{"system_id": int64(systemID + 1), "external_id": "x"}}}
	if got := c.LinkedID(other); got != "" {
		t.Errorf("a link of another system counts as this one's: %q", got)
	}

	upd, err := c.Update(ctx, rec.ID, customer.Payload{
		Fields:       map[string]any{"Company": "Acme", "Comment": "VIP since 2023"},
		CustomFields: map[string]string{"99minds Loyalty Points Balance": "145"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Fields["Company"] != "Acme" || upd.Fields["FirstName"] != "Max" {
		t.Errorf("standard fields after update: %v", upd.Fields)
	}
	if upd.CustomFields["99minds Loyalty Points Balance"] != "145" || upd.CustomFields["99minds Loyalty Points Synced"] != "true" {
		t.Errorf("custom fields must merge: %v", upd.CustomFields)
	}
	if n := len(s.FindByCustomerNumber(ext)); n != 1 {
		t.Errorf("%d customers with the number", n)
	}
}

func TestValidationCarriesFieldMessages(t *testing.T) {
	s := start(t, sim.Options{})
	c := newConnector(t, keyConfig(s.URL))
	_, err := c.Create(ctx, "x", customer.Payload{Fields: map[string]any{"CustomerNumber": "C-1", "FirstName": "A", "LastName": "B"}})
	var e *connector.Error
	if !errors.As(err, &e) || e.Kind != connector.KindValidation || e.StatusCode != 400 || e.Class != connector.Permanent {
		t.Fatalf("got %v", err)
	}
	if want := []string{"The email_address field is required."}; !reflect.DeepEqual(e.FieldErrors["email_address"], want) {
		t.Errorf("field errors %v", e.FieldErrors)
	}
	_, err = c.Update(ctx, "158056", customer.Payload{CustomFields: map[string]string{"No Such Field": "x"}})
	if !errors.As(err, &e) || e.Kind != connector.KindValidation || len(e.FieldErrors) != 1 {
		t.Errorf("undefined custom field: %v", err)
	}
	before := s.Count()
	_, err = c.Update(ctx, "158056", customer.Payload{
		Fields: map[string]any{"Phone": "1", "CategoryId": "twelve"}, CustomFields: map[string]string{"Known To Film": " "}})
	if !errors.As(err, &e) || len(e.FieldErrors) != 3 || s.Count() != before {
		t.Errorf("payload must be checked before sending: %v (%d requests)", err, s.Count()-before)
	}
	if _, err := c.Update(ctx, "999", customer.Payload{Fields: map[string]any{"Company": "x"}}); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
}

func TestListChangedFollowsPagination(t *testing.T) {
	s := start(t, sim.Options{})
	s.Generate(250)
	cfg := keyConfig(s.URL)
	cfg.PageSize = 100
	c := newConnector(t, cfg)
	ids, err := c.ListChanged(ctx, time.Time{})
	if err != nil || len(ids) != 252 {
		t.Fatalf("%d ids: %v", len(ids), err)
	}
	if n := s.CountFor(sim.RouteListCustomers); n != 3 {
		t.Errorf("%d pages fetched, want 3", n)
	}
	ids, err = c.ListChanged(ctx, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !reflect.DeepEqual(ids, []string{"158056"}) {
		t.Fatalf("UpdatedSince: %v %v", ids, err)
	}
}

func TestCustomFieldDefinitionsCached(t *testing.T) {
	clk := newClock()
	s := start(t, sim.Options{Now: clk.Now})
	cfg := keyConfig(s.URL)
	cfg.Now, cfg.CustomFieldsTTL = clk.Now, time.Minute
	c := newConnector(t, cfg)
	defs, err := c.CustomFieldDefinitions(ctx)
	if err != nil || len(defs) != len(sim.DefaultCustomFieldDefinitions()) {
		t.Fatalf("%v %v", defs, err)
	}
	if defs[4].Name != "Known To Film" || defs[4].DataType != "bool" || defs[4].ID != "5" {
		t.Errorf("definition %+v", defs[4])
	}
	s.SetCustomFieldDefinitions([]sim.CustomFieldDefinition{{ID: 9, Name: "Only", DataType: "string"}})
	if again, _ := newConnector(t, cfg).CustomFieldDefinitions(ctx); len(again) != len(defs) {
		t.Errorf("a rebuilt connector on the same connection must share the cache: %v", again)
	}
	if n := s.CountFor(sim.RouteCustomFieldDefs); n != 1 {
		t.Fatalf("%d requests within the TTL", n)
	}
	clk.Add(time.Minute)
	defs, err = c.CustomFieldDefinitions(ctx)
	if err != nil || len(defs) != 1 || s.CountFor(sim.RouteCustomFieldDefs) != 2 {
		t.Fatalf("after the TTL: %v %v", defs, err)
	}

	off := keyConfig(s.URL)
	off.CustomFieldsTTL = -1
	nc := newConnector(t, off)
	for range 2 {
		if _, err := nc.CustomFieldDefinitions(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.CountFor(sim.RouteCustomFieldDefs); n != 4 {
		t.Errorf("a disabled cache must fetch each time: %d requests", n)
	}
}

func TestLinksNeedSystemID(t *testing.T) {
	s := start(t, sim.Options{})
	cfg := keyConfig(s.URL)
	cfg.SystemID = 0
	c := newConnector(t, cfg)
	if _, err := c.FindByLink(ctx, janeExtID); !errors.Is(err, connector.ErrInvalidConfig) {
		t.Errorf("got %v", err)
	}
	if err := c.Link(ctx, "158056", janeExtID); !errors.Is(err, connector.ErrInvalidConfig) {
		t.Errorf("got %v", err)
	}
}
