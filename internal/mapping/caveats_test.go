package mapping

import (
	"encoding/json"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

func ipaasPayload(overrides map[string]any) customer.Payload {
	f := map[string]any{
		"CustomerNumber": "customer_35b4d7776af9ac875a",
		"FirstName":      "Jane",
		"LastName":       "Doe",
		"EmailAddress":   "jane@example.com",
	}
	for k, v := range overrides {
		if v == nil {
			delete(f, k)
		} else {
			f[k] = v
		}
	}
	return customer.Payload{Fields: f}
}

func TestValidateCaveats(t *testing.T) {
	cases := []struct {
		name   string
		system v1alpha1.SystemType
		p      customer.Payload
		set    RuleSet
		reason string // "" for valid
		field  string
	}{
		{"ipaas valid", v1alpha1.SystemIPaaS, ipaasPayload(nil), Add, "", ""},
		{"ipaas email missing on add", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": nil}), Add, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{"ipaas email empty on update", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": " "}), Update, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{"ipaas email malformed", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": "jane at example"}), Update, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{"ipaas email with display name", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": "Jane <jane@example.com>"}), Add, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{"ipaas email absent on update is unchanged", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": nil}), Update, "", ""},
		{"ipaas last name empty", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"LastName": ""}), Add, v1alpha1.ReasonMissingNameFields, "LastName"},
		{"ipaas both names missing", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"FirstName": nil, "LastName": ""}), Add, v1alpha1.ReasonMissingNameFields, "FirstName"},
		{"ipaas customer number", v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"CustomerNumber": ""}), Update, v1alpha1.ReasonMissingCustomerNumber, "CustomerNumber"},
		{"openai valid", v1alpha1.SystemOpenAI, customer.Payload{Fields: map[string]any{"CustomerNumber": "CUST-10045", "PromptText": "Summarize."}}, Add, "", ""},
		{"openai customer number (scenario 2)", v1alpha1.SystemOpenAI, customer.Payload{Fields: map[string]any{"CustomerNumber": "", "PromptText": "Summarize."}}, Add, v1alpha1.ReasonMissingCustomerNumber, "CustomerNumber"},
		{"openai empty prompt", v1alpha1.SystemOpenAI, customer.Payload{Fields: map[string]any{"CustomerNumber": "CUST-1", "PromptText": ""}}, Add, v1alpha1.ReasonInvalidPromptRequest, "PromptText"},
		{"99minds valid", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "Jane Doe", "Email": "jane@example.com", "PhoneNumber": "+15555550123"}}, Add, "", ""},
		{"99minds email", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "Jane Doe"}}, Add, v1alpha1.ReasonMissingEmailAddress, "Email"},
		{"99minds name", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "", "Email": "jane@example.com"}}, Update, v1alpha1.ReasonMissingNameFields, "Name"},
		{"99minds phone too short", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "Jane", "Email": "jane@example.com", "PhoneNumber": "+1555"}}, Add, v1alpha1.ReasonInvalidPhoneNumber, "PhoneNumber"},
		{"99minds phone with dashes", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "Jane", "Email": "jane@example.com", "PhoneNumber": "555-0123"}}, Add, v1alpha1.ReasonInvalidPhoneNumber, "PhoneNumber"},
		{"99minds numeric phone", v1alpha1.SystemNinetyNineMinds, customer.Payload{Fields: map[string]any{"Name": "Jane", "Email": "jane@example.com", "PhoneNumber": "5555550123"}}, Add, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.system, tc.p, tc.set)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			re := recordErr(t, err, tc.reason, tc.field)
			if re.Field == "" {
				t.Error("Field must name the field")
			}
		})
	}
}

// The seeds' own words stay in the messages users see.
func TestValidateMessagesFollowTheSeed(t *testing.T) {
	err := Validate(v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"EmailAddress": ""}), Add)
	recordErr(t, err, v1alpha1.ReasonMissingEmailAddress, "Email required for customer creation. Provide a valid email")
	err = Validate(v1alpha1.SystemIPaaS, ipaasPayload(map[string]any{"FirstName": ""}), Add)
	recordErr(t, err, v1alpha1.ReasonMissingNameFields, "FirstName or LastName not found", "Ensure both are populated before sync.")
}

func TestNormalizeSource(t *testing.T) {
	doc := loadRecord(t, "ninetynineminds_customer.json")
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, doc); err != nil {
		t.Fatal(err)
	}
	cards := doc["loyalty_cards"].([]any)
	if cards[0].(map[string]any)["point_balance"] != int64(40) || cards[1].(map[string]any)["point_balance"] != int64(120) {
		t.Errorf("point balances = %v", cards)
	}
	tx := doc["transactions"].([]any)
	for i, want := range []any{int64(150), int64(30), int64(0)} {
		if got := tx[i].(map[string]any)["amount"]; got != want {
			t.Errorf("transactions[%d].amount = %#v, want %#v", i, got, want)
		}
	}

	bare := map[string]any{"id": "customer_1", "phone_number": json.Number("15555550123")}
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, bare); err != nil {
		t.Fatal(err)
	}
	if bare["phone_number"] != "15555550123" || len(bare["loyalty_cards"].([]any)) != 0 || len(bare["transactions"].([]any)) != 0 {
		t.Errorf("bare document = %v", bare)
	}

	other := map[string]any{"amount": "abc"}
	if err := NormalizeSource(v1alpha1.SystemIPaaS, other); err != nil || len(other) != 1 {
		t.Errorf("other systems are left alone: %v %v", other, err)
	}
}

func TestNormalizeSourceCaveats(t *testing.T) {
	cases := []struct {
		name   string
		doc    map[string]any
		reason string
		field  string
	}{
		{"phone with letters", map[string]any{"phone_number": "+1 555 CALL NOW"}, v1alpha1.ReasonInvalidPhoneNumber, "phone_number"},
		{"phone too long", map[string]any{"phone_number": "+1234567890123456"}, v1alpha1.ReasonInvalidPhoneNumber, "phone_number"},
		{"phone as a list", map[string]any{"phone_number": []any{"1"}}, v1alpha1.ReasonInvalidPhoneNumber, "phone_number"},
		{"amount not numeric", map[string]any{"transactions": []any{
			map[string]any{"amount": 5.0}, map[string]any{"amount": "twenty"}}}, v1alpha1.ReasonInvalidAmount, "transactions[1].amount"},
		{"amount a bool", map[string]any{"transactions": []any{map[string]any{"amount": true}}}, v1alpha1.ReasonInvalidAmount, "transactions[0].amount"},
		{"point balance not numeric", map[string]any{"loyalty_cards": []any{map[string]any{"point_balance": "12 points"}}}, v1alpha1.ReasonInvalidAmount, "loyalty_cards[0].point_balance"},
		{"cards not a list", map[string]any{"loyalty_cards": "none"}, v1alpha1.ReasonMappingFailed, "loyalty_cards"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, tc.doc)
			re := recordErr(t, err, tc.reason, tc.field)
			if re.Field != tc.field {
				t.Errorf("Field = %q, want %q", re.Field, tc.field)
			}
		})
	}
}

// A record that breaks a caveat fails with the caveat's reason, not a
// mapping error, when it goes through the sample mapping.
func TestSeedMappingCaveats(t *testing.T) {
	p := compileSample(t, sampleNinetyNineMinds)
	cases := []struct {
		edit   func(map[string]any)
		reason string
		field  string
	}{
		{func(d map[string]any) { d["email"] = "" }, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{func(d map[string]any) { d["name"] = "Cher" }, v1alpha1.ReasonMissingNameFields, "LastName"},
		{func(d map[string]any) { d["id"] = "" }, v1alpha1.ReasonMissingCustomerNumber, "CustomerNumber"},
		// Absent keys, not only empty values: a source field that feeds a
		// required destination field is that field's caveat, not a formula
		// failure, however the rule reads it (Field rule, firstWord(), id).
		{func(d map[string]any) { delete(d, "email") }, v1alpha1.ReasonMissingEmailAddress, "EmailAddress"},
		{func(d map[string]any) { delete(d, "name") }, v1alpha1.ReasonMissingNameFields, "FirstName"},
		{func(d map[string]any) { delete(d, "id") }, v1alpha1.ReasonMissingCustomerNumber, "CustomerNumber"},
	}
	for _, tc := range cases {
		for _, set := range []RuleSet{Add, Update} {
			doc := loadRecord(t, "ninetynineminds_customer.json")
			tc.edit(doc)
			if err := p.NormalizeSource(doc); err != nil {
				t.Fatal(err)
			}
			res, err := p.Map(Input{Source: doc}, set)
			if err != nil {
				t.Fatalf("%s (%s): Map failed instead of the caveat: %v", tc.reason, set, err)
			}
			recordErr(t, p.Validate(res.Payload, set), tc.reason, tc.field)
		}
	}

	// A field that is not required still fails the rule when its source is
	// absent, naming the rule: the user has to say what the default is.
	doc := loadRecord(t, "ninetynineminds_customer.json")
	delete(doc, "loyalty_cards")
	delete(doc, "transactions")
	s := spec(fieldRule("nickname", field(v1alpha1.FieldCompany)))
	_, err := mustCompile(t, s).Map(Input{Source: doc}, Add)
	recordErr(t, err, v1alpha1.ReasonMappingFailed, "spec.addRules[0] (Company)", "source field nickname is missing")

	// The reverse sample, iPaaS.com → 99minds: the seed's iPaaS caveat
	// (both names populate the 99minds Name) and 99minds' mandatory Email.
	reverse := compileSample(t, sampleIPaaSToNinetyNineMinds)
	for _, tc := range []struct {
		drop   string
		reason string
		field  string
	}{
		{"email_address", v1alpha1.ReasonMissingEmailAddress, "Email"},
		{"last_name", v1alpha1.ReasonMissingNameFields, "Name"},
		{"first_name", v1alpha1.ReasonMissingNameFields, "Name"},
	} {
		doc := loadRecord(t, "ipaas_customer.json")
		delete(doc, tc.drop)
		res, err := reverse.Map(Input{Source: doc}, Add)
		if err != nil {
			t.Fatalf("without %s: %v", tc.drop, err)
		}
		recordErr(t, reverse.Validate(res.Payload, Add), tc.reason, tc.field)
	}
	full, err := reverse.Map(Input{Source: loadRecord(t, "ipaas_customer.json")}, Add)
	if err != nil || reverse.Validate(full.Payload, Add) != nil || full.Payload.Fields["Name"] == "" {
		t.Errorf("a complete iPaaS.com customer: %+v %v", full.Payload, err)
	}

	// The OpenAI request without a CustomerNumber: the seed's scenario 2.
	openai := compileSample(t, sampleIPaaSToOpenAI)
	doc = loadRecord(t, "ipaas_customer.json")
	delete(doc, "customer_number")
	res, err := openai.Map(Input{Source: doc}, Add)
	if err != nil {
		t.Fatal(err)
	}
	recordErr(t, Validate(v1alpha1.SystemOpenAI, res.Payload, Add), v1alpha1.ReasonMissingCustomerNumber, "CustomerNumber")
}
