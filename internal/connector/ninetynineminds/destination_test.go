package ninetynineminds_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

func payload(fields map[string]any) customer.Payload { return customer.Payload{Fields: fields} }

func TestCreateStampsSourceIDAndUpdate(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.EnsureCard = true }))
	rec, err := c.Create(ctx, "158056", payload(map[string]any{
		"Name": "Max Mustermann", "Email": "max@example.com", "PhoneNumber": "+4915112345678", "Company": "Acme",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.Fields["Email"] != "max@example.com" || rec.Fields["Company"] != "Acme" || rec.Raw["id"] != rec.ID {
		t.Fatalf("created record: %+v", rec)
	}
	if stored, _ := s.Customer(rec.ID); stored.ClientCustomerID != "158056" {
		t.Errorf("client_customer_id = %q, want the source id", stored.ClientCustomerID)
	}
	cards := s.LoyaltyCards(rec.ID)
	if len(cards) != 1 {
		t.Fatalf("EnsureCard issued %d cards", len(cards))
	}
	if f, _ := cards[0].PointBalance.Float(); f != 0 {
		t.Errorf("card issued with balance %v, want 0", f)
	}

	upd, err := c.Update(ctx, rec.ID, payload(map[string]any{"Notes": "VIP"}))
	if err != nil {
		t.Fatal(err)
	}
	if upd.Fields["Notes"] != "VIP" || upd.Fields["Email"] != "max@example.com" {
		t.Errorf("update must change only the given fields: %+v", upd.Fields)
	}
	if n := len(s.LoyaltyCards(rec.ID)); n != 1 {
		t.Errorf("update issued another card: %d cards", n)
	}
	if _, err := c.Get(ctx, rec.ID); err != nil {
		t.Errorf("Get: %v", err)
	}
}

// FindByNaturalKey finds what Create made for a source record, and the
// index behind it lists only what changed since its last list.
func TestFindByNaturalKeyFindsWhatCreateMade(t *testing.T) {
	s := start(t)
	s.Generate(250) // three pages of customers that are not ours
	// No timed refresh during the test: what it finds comes from the first
	// list and from what Create recorded.
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.IndexRefresh = time.Hour }))
	key := func(id string) connector.NaturalKey { return connector.NaturalKey{SourceID: id} }
	lists := func() int64 { return s.CountFor(sim.RouteListCustomers) }

	got, err := c.FindByNaturalKey(ctx, key("158056"))
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("nothing created yet: %v %v", got, err)
	}
	if lists() < 3 {
		t.Fatalf("the first lookup listed %d pages, want every page", lists())
	}
	rec, err := c.Create(ctx, "158056", payload(map[string]any{"Name": "Rita Reverse", "Email": "rita@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	before := lists()
	got, err = c.FindByNaturalKey(ctx, key("158056"))
	if err != nil || len(got) != 1 || got[0].ID != rec.ID {
		t.Fatalf("FindByNaturalKey = %v %v, want %s", got, err, rec.ID)
	}
	if n := lists() - before; n != 0 {
		t.Errorf("finding what this connector created listed %d pages, want none", n)
	}
	if got, _ := c.FindByNaturalKey(ctx, key("158057")); len(got) != 0 {
		t.Errorf("another source id found %v", got)
	}
	// A customer whose client_customer_id changed since is not returned.
	if _, err := c.Update(ctx, rec.ID, payload(map[string]any{"ClientCustomerId": "other"})); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.FindByNaturalKey(ctx, key("158056")); len(got) != 0 {
		t.Errorf("a customer no longer stamped with the id was found: %v", got)
	}
}

// What another writer created is found on the next refresh, which lists
// only what changed since the last one; a create whose outcome is unknown
// makes the next lookup refresh at once.
func TestFindByNaturalKeyRefreshesIncrementally(t *testing.T) {
	s := start(t)
	s.Generate(250)
	c := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.IndexRefresh = -1 }))
	key := connector.NaturalKey{SourceID: "158056"}
	lists := func() int64 { return s.CountFor(sim.RouteListCustomers) }
	if _, err := c.FindByNaturalKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	other := newConnector(t, config(s.URL))
	made, err := other.Create(ctx, "158056", payload(map[string]any{"Name": "Rita Reverse", "Email": "rita@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	before := lists()
	got, err := c.FindByNaturalKey(ctx, key)
	if err != nil || len(got) != 1 || got[0].ID != made.ID {
		t.Fatalf("FindByNaturalKey = %v %v, want %s created by another connector", got, err, made.ID)
	}
	if n := lists() - before; n != 1 {
		t.Errorf("the refresh listed %d pages, want 1 (only what changed)", n)
	}

	slow := newConnector(t, config(s.URL, func(c *ninetynineminds.Config) { c.IndexRefresh = time.Hour }))
	if _, err := slow.FindByNaturalKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFaults(fault.Config{Paths: []string{"POST /api/v1/ipaas/customers"}, ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	if _, err := slow.Create(ctx, "158099", payload(map[string]any{"Name": "Lost Answer", "Email": "lost@example.com"})); err == nil {
		t.Fatal("the create did not fail")
	}
	if err := s.SetFaults(fault.Config{}); err != nil {
		t.Fatal(err)
	}
	before = lists()
	if _, err := slow.FindByNaturalKey(ctx, connector.NaturalKey{SourceID: "158099"}); err != nil {
		t.Fatal(err)
	}
	if lists() == before {
		t.Error("after a create with an unknown outcome the lookup did not list again")
	}
}

func TestIssueLoyaltyCard(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL))
	card, err := c.IssueLoyaltyCard(ctx, janeID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if card["customer_id"] != janeID || card["id"] == "" {
		t.Errorf("card: %v", card)
	}
	got, issued, err := c.EnsureLoyaltyCard(ctx, janeID)
	if err != nil || issued || got["id"] != cardID {
		t.Errorf("EnsureLoyaltyCard with cards: %v %v %v", got, issued, err)
	}
	if _, err := c.IssueLoyaltyCard(ctx, "customer_000000000000000000", 0); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("card for unknown customer: %v", err)
	}
}

func TestValidationCarriesFieldMessages(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL))
	_, err := c.Create(ctx, "", payload(map[string]any{"Name": "No Mail"}))
	var e *connector.Error
	if !errors.As(err, &e) || e.Kind != connector.KindValidation || e.StatusCode != 422 || e.Class != connector.Permanent {
		t.Fatalf("got %v", err)
	}
	if want := map[string][]string{"email": {"email is required"}}; !reflect.DeepEqual(e.FieldErrors, want) {
		t.Errorf("field errors %v, want %v", e.FieldErrors, want)
	}
	_, err = c.Create(ctx, "", payload(map[string]any{"Name": "Bad Phone", "Email": "p@example.com", "PhoneNumber": "12-34"}))
	if !errors.As(err, &e) || len(e.FieldErrors["phone_number"]) != 1 {
		t.Errorf("phone: %v", err)
	}
}

func TestPayloadCheckedBeforeSending(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL))
	_, err := c.Create(ctx, "", customer.Payload{
		Fields:       map[string]any{"EmailAddress": "x@example.com", "Email": []any{"a"}},
		CustomFields: map[string]string{"Known To Film": "TRUE"},
	})
	var e *connector.Error
	if !errors.As(err, &e) || e.Kind != connector.KindValidation || len(e.FieldErrors) != 3 {
		t.Fatalf("got %v", err)
	}
	if s.Count() != 0 {
		t.Errorf("%d requests sent for a payload that cannot be valid", s.Count())
	}
}

func TestUnsupportedAndEmpty(t *testing.T) {
	s := start(t)
	c := newConnector(t, config(s.URL))
	defs, err := c.CustomFieldDefinitions(ctx)
	if err != nil || defs == nil || len(defs) != 0 {
		t.Errorf("custom fields: %v %v", defs, err)
	}
	if _, err := c.Update(ctx, "customer_000000000000000000", payload(map[string]any{"Notes": "x"})); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
}
