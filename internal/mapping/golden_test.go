package mapping

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenOutput is what a golden file holds for one mapped record.
type goldenOutput struct {
	Payload customer.Payload `json:"payload"`
	Omitted []string         `json:"omitted,omitempty"`
	Changes []Change         `json:"changes,omitempty"`
}

func checkGolden(t *testing.T, name string, got goldenOutput) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(want, b) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, b)
	}
}

// mapSeed runs one record through the engine as the syncer does.
func mapSeed(t *testing.T, p *Program, src, dst v1alpha1.SystemType, in Input, set RuleSet) Result {
	t.Helper()
	if err := NormalizeSource(src, in.Source); err != nil {
		t.Fatalf("NormalizeSource: %v", err)
	}
	if skip, msg, err := p.Filter(in); err != nil || skip {
		t.Fatalf("Filter: skip=%v %q %v", skip, msg, err)
	}
	res, err := p.Map(in, set)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	if err := Validate(dst, res.Payload, set); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return res
}

func TestGoldenNinetyNineMindsAdd(t *testing.T) {
	p := compileSample(t, sampleNinetyNineMinds)
	res := mapSeed(t, p, v1alpha1.SystemNinetyNineMinds, v1alpha1.SystemIPaaS,
		Input{Source: loadRecord(t, "ninetynineminds_customer.json")}, Add)

	// The formulas the seed leaves blank, checked field by field as well.
	want := map[string]any{
		"CustomerNumber": "customer_35b4d7776af9ac875a",
		"FirstName":      "Jane",
		"LastName":       "van Doe",
		"EmailAddress":   "jane.vandoe@example.com",
	}
	for k, v := range want {
		if res.Payload.Fields[k] != v {
			t.Errorf("%s = %#v, want %#v", k, res.Payload.Fields[k], v)
		}
	}
	if _, ok := res.Payload.Fields["Company"]; ok {
		t.Error("Customer Add wrote Company; only Customer Update maps it")
	}
	wantCustom := map[string]string{
		"99minds Loyalty Points Synced":  "true",
		"99minds Loyalty Points Balance": "160", // "40" (a string) + 120
		"99minds Loyalty Card ID":        "loyaltycard_9f8e7d6c5b4a392817",
		"99minds Transaction Journal": "2025-06-01 CREDIT 150 transaction_1a2b3c4d5e6f708192\n" +
			"2025-06-02 REDEMPTION 30 transaction_2b3c4d5e6f70819203\n" +
			"2025-06-02 ADJUSTMENT 0 transaction_3c4d5e6f7081920314",
	}
	for k, v := range wantCustom {
		if res.Payload.CustomFields[k] != v {
			t.Errorf("custom field %q = %q, want %q", k, res.Payload.CustomFields[k], v)
		}
	}
	checkGolden(t, "ninetynineminds_add", goldenOutput{Payload: res.Payload, Omitted: res.Omitted,
		Changes: Diff(res.Payload, nil)})
}

func TestGoldenNinetyNineMindsUpdate(t *testing.T) {
	p := compileSample(t, sampleNinetyNineMinds)
	src := loadRecord(t, "ninetynineminds_customer.json")
	// The customer has no active card any more: the card id is left out.
	for _, c := range src["loyalty_cards"].([]any) {
		c.(map[string]any)["active"] = false
	}
	current := &customer.Record{ID: "158056", Payload: customer.Payload{
		Fields: map[string]any{
			"CustomerNumber": "customer_35b4d7776af9ac875a", "FirstName": "Jane", "LastName": "Doe",
			"EmailAddress": "jane.vandoe@example.com", "Company": "Acme", "Comment": "",
		},
		CustomFields: map[string]string{"99minds Loyalty Points Synced": "true", "99minds Loyalty Points Balance": "160"},
	}}
	res := mapSeed(t, p, v1alpha1.SystemNinetyNineMinds, v1alpha1.SystemIPaaS,
		Input{Source: src, Destination: map[string]any{"id": "158056"}}, Update)

	if res.Payload.Fields["Company"] != "Acme" || res.Payload.Fields["Comment"] != "VIP since 2023" {
		t.Errorf("Customer Update must map Company and Comment, got %v", res.Payload.Fields)
	}
	if len(res.Omitted) != 1 || res.Omitted[0] != `customField "99minds Loyalty Card ID"` {
		t.Errorf("Omitted = %q, want the card id", res.Omitted)
	}
	changes := Diff(res.Payload, current)
	var names []string
	for _, c := range changes {
		names = append(names, c.Field)
	}
	if got := strings.Join(names, ","); got != "Comment,LastName,99minds Transaction Journal" {
		t.Errorf("changed fields = %s", got)
	}
	checkGolden(t, "ninetynineminds_update", goldenOutput{Payload: res.Payload, Omitted: res.Omitted, Changes: changes})
}

func TestGoldenIPaaSToOpenAI(t *testing.T) {
	p := compileSample(t, sampleIPaaSToOpenAI)
	res := mapSeed(t, p, v1alpha1.SystemIPaaS, v1alpha1.SystemOpenAI,
		Input{Source: loadRecord(t, "ipaas_customer.json")}, Add)
	if res.Payload.Fields["Id"] != "CUST-10045" || res.Payload.Fields["CustomerNumber"] != "CUST-10045" {
		t.Errorf("Id and CustomerNumber must be the iPaaS.com CustomerNumber, got %v", res.Payload.Fields)
	}
	prompt, _ := res.Payload.Fields["PromptText"].(string)
	if !strings.HasPrefix(prompt, "Write a short, bulleted summary") || !strings.HasSuffix(prompt, "named Known To Film.") {
		t.Errorf("PromptText = %q, want the seed's example prompt", prompt)
	}
	cats, _ := res.Payload.Fields["Categories"].([]any)
	if len(cats) != 1 || cats[0].(map[string]any)["id"] != int64(12) {
		t.Errorf("Categories = %#v, want the iPaaS.com list with integer ids", res.Payload.Fields["Categories"])
	}
	checkGolden(t, "ipaas_to_openai", goldenOutput{Payload: res.Payload, Omitted: res.Omitted})
}

func TestGoldenOpenAIToIPaaS(t *testing.T) {
	p := compileSample(t, sampleOpenAIToIPaaS)
	answer := loadRecord(t, "openai_answer.json")
	current := loadRecord(t, "ipaas_customer.json")
	res := mapSeed(t, p, v1alpha1.SystemOpenAI, v1alpha1.SystemIPaaS,
		Input{Source: answer, Destination: current}, Update)
	if res.Payload.CustomFields["Known To Film"] != "TRUE" || res.Payload.Fields["Comment"] != answer["Comment"] {
		t.Errorf("payload = %+v", res.Payload)
	}
	if len(res.Payload.Fields) != 1 || len(res.Payload.CustomFields) != 1 {
		t.Errorf("the response mapping must write only Comment and Known To Film, got %+v", res.Payload)
	}
	rec := &customer.Record{ID: "158056", Payload: customer.Payload{
		Fields:       map[string]any{"Comment": current["comment"]},
		CustomFields: map[string]string{"Known To Film": "FALSE", "99minds Loyalty Points Balance": "120"},
	}}
	checkGolden(t, "openai_to_ipaas", goldenOutput{Payload: res.Payload, Changes: Diff(res.Payload, rec)})
}

// TestSampleFieldLists pins what the controller reads from the samples:
// the custom fields to check against iPaaS.com's definitions, and the
// answer fields the response mapping reads.
func TestSampleFieldLists(t *testing.T) {
	p := compileSample(t, sampleNinetyNineMinds)
	if got := strings.Join(p.CustomFields(), "|"); got != "99minds Loyalty Card ID|99minds Loyalty Points Balance|99minds Loyalty Points Synced|99minds Transaction Journal" {
		t.Errorf("CustomFields = %s", got)
	}
	if got := strings.Join(p.WrittenFields(), ","); got != "Comment,Company,CustomerNumber,EmailAddress,FirstName,LastName" {
		t.Errorf("WrittenFields = %s", got)
	}
	if got := strings.Join(p.SourceFieldsRead(), ","); got != "company,email,id,loyalty_cards,name,notes,transactions" {
		t.Errorf("SourceFieldsRead = %s", got)
	}
	resp := compileSample(t, sampleOpenAIToIPaaS)
	if got := strings.Join(resp.SourceFieldsRead(), "|"); got != "Comment|Known To Film" {
		t.Errorf("response mapping reads %s", got)
	}
}
