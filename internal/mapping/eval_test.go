package mapping

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestStaticValuesTakeTheWireType(t *testing.T) {
	p := mustCompile(t, spec(
		staticRule("12", field(v1alpha1.FieldCategoryID)),
		staticRule(`[{"id": 12, "name": "VIP"}]`, field(v1alpha1.FieldCategories)),
		staticRule("true", field(v1alpha1.FieldComment)),
		staticRule("true", custom("Synced")),
	))
	res, err := p.Map(Input{}, Add)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"CategoryId": int64(12),
		"Categories": []any{map[string]any{"id": int64(12), "name": "VIP"}},
		"Comment":    "true",
	}
	if !reflect.DeepEqual(res.Payload.Fields, want) {
		t.Errorf("fields = %#v", res.Payload.Fields)
	}
	if res.Payload.CustomFields["Synced"] != "true" {
		t.Errorf("custom = %v", res.Payload.CustomFields)
	}
}

func TestFieldRule(t *testing.T) {
	src := map[string]any{
		"email":         "a@example.com",
		"points":        float64(120),
		"ratio":         12.5,
		"huge":          1e21,
		"vip":           true,
		"loyalty_cards": []any{map[string]any{"id": "c0"}, map[string]any{"id": "c1"}},
		"a.b":           map[string]any{"c": "dotted"},
		"blank":         "",
	}
	cases := []struct {
		path string
		dest v1alpha1.RuleDestination
		want any
	}{
		{"email", field(v1alpha1.FieldEmailAddress), "a@example.com"},
		{"loyalty_cards[1].id", custom("Card"), "c1"},
		{"points", custom("Points"), "120"},
		{"points", field(v1alpha1.FieldCategoryID), int64(120)},
		{"ratio", custom("Ratio"), "12.5"},
		{"huge", custom("Huge"), "1000000000000000000000"},
		{"vip", custom("VIP"), "true"},
		{`["a.b"].c`, field(v1alpha1.FieldComment), "dotted"},
	}
	for _, tc := range cases {
		p := mustCompile(t, spec(fieldRule(tc.path, tc.dest)))
		res, err := p.Map(Input{Source: src}, Add)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		var got any = res.Payload.Fields[string(tc.dest.Field)]
		if tc.dest.CustomField != "" {
			got = res.Payload.CustomFields[tc.dest.CustomField]
		}
		if got != tc.want {
			t.Errorf("%s → %#v, want %#v", tc.path, got, tc.want)
		}
	}
}

func TestFieldRuleMissingPath(t *testing.T) {
	src := map[string]any{"loyalty_cards": []any{}}
	p := mustCompile(t, spec(fieldRule("loyalty_cards[0].id", custom("Card"))))
	_, err := p.Map(Input{Source: src}, Add)
	re := recordErr(t, err, v1alpha1.ReasonMappingFailed, "spec.addRules[0]", "loyalty_cards[0].id", "add a default")
	if re.Field != `customField "Card"` {
		t.Errorf("Field = %q", re.Field)
	}

	r := fieldRule("loyalty_cards[0].id", custom("Card"))
	r.Default = ptr("none")
	p = mustCompile(t, spec(r))
	res, err := p.Map(Input{Source: src}, Add)
	if err != nil || res.Payload.CustomFields["Card"] != "none" {
		t.Fatalf("default not used: %v %v", res.Payload, err)
	}
}

func TestEmptyValues(t *testing.T) {
	withDefault := formulaRule(`source.?tier.orValue("")`, custom("Tier"))
	withDefault.Default = ptr("standard")
	p := mustCompile(t, spec(
		fieldRule("blank", custom("Blank")),
		formulaRule("null", custom("Null")),
		withDefault,
		fieldRule("missing_comment", field(v1alpha1.FieldComment)),
		formulaRule("null", field(v1alpha1.FieldCategoryID)),
	))
	_, err := p.Map(Input{Source: map[string]any{"blank": ""}}, Add)
	recordErr(t, err, v1alpha1.ReasonMappingFailed, "missing_comment")

	res, err := p.Map(Input{Source: map[string]any{"blank": "", "missing_comment": nil}}, Add)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Omitted, ","); got != `CategoryId,customField "Blank",customField "Null"` {
		t.Errorf("Omitted = %s", got)
	}
	if _, ok := res.Payload.CustomFields["Blank"]; ok {
		t.Error("an empty custom field must be left out")
	}
	if res.Payload.CustomFields["Tier"] != "standard" {
		t.Errorf("default for an empty result: %v", res.Payload.CustomFields)
	}
	if v, ok := res.Payload.Fields["Comment"]; !ok || v != "" {
		t.Errorf("a null text field is written empty, got %#v %v", v, ok)
	}
}

func TestLookupTranslation(t *testing.T) {
	inline := v1alpha1.Rule{Type: v1alpha1.RuleLookupTranslation, Destination: field(v1alpha1.FieldCategoryID),
		LookupTranslation: &v1alpha1.LookupTranslation{SourceField: "loyalty_cards[0].active", Table: map[string]string{"true": "12", "false": "7"}}}
	fromCM := v1alpha1.Rule{Type: v1alpha1.RuleLookupTranslation, Destination: custom("Tier"),
		LookupTranslation: &v1alpha1.LookupTranslation{SourceField: "points", ConfigMapRef: &v1alpha1.LocalObjectReference{Name: "tiers"}}}
	p := mustCompile(t, spec(inline, fromCM), WithConfigMaps(map[string]map[string]string{"tiers": {"120": "Gold"}}))

	src := map[string]any{"points": float64(120), "loyalty_cards": []any{map[string]any{"active": true}}}
	res, err := p.Map(Input{Source: src}, Add)
	if err != nil {
		t.Fatal(err)
	}
	if res.Payload.Fields["CategoryId"] != int64(12) || res.Payload.CustomFields["Tier"] != "Gold" {
		t.Errorf("payload = %+v", res.Payload)
	}

	src["points"] = json.Number("99")
	_, err = p.Map(Input{Source: src}, Add)
	recordErr(t, err, v1alpha1.ReasonMappingFailed, `value "99" of source field points is not in the lookup ConfigMap "tiers"`, "set a default")

	fromCM.Default = ptr("Bronze")
	p = mustCompile(t, spec(fromCM), WithConfigMaps(map[string]map[string]string{"tiers": {"120": "Gold"}}))
	res, err = p.Map(Input{Source: src}, Add)
	if err != nil || res.Payload.CustomFields["Tier"] != "Bronze" {
		t.Errorf("lookup default: %+v %v", res.Payload, err)
	}
}

func TestFormulaRuntimeErrors(t *testing.T) {
	cases := []struct {
		formula string
		want    []string
	}{
		{"source.name", []string{"spec.addRules[0] (Company): formula failed", "no such key: name", "has(source.name)"}},
		{"firstWord(source.age)", []string{"firstWord needs a string, got int"}},
		{`formatTime("yesterday", "2006")`, []string{"not an RFC 3339 time"}},
		{"sum([1, 'x'])", []string{`element 1 is "x"`}},
		{"source.items", []string{"(Company)", "a list cannot be written to a text field"}},
	}
	for _, tc := range cases {
		p := mustCompile(t, spec(formulaRule(tc.formula, field(v1alpha1.FieldCompany))))
		_, err := p.Map(Input{Source: map[string]any{"age": float64(3), "items": []any{1.0}}}, Add)
		re := recordErr(t, err, v1alpha1.ReasonMappingFailed, tc.want...)
		if re.Field != "Company" {
			t.Errorf("%s: Field = %q", tc.formula, re.Field)
		}
	}
}

func TestCostLimit(t *testing.T) {
	heavy := "[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, a*b*c))).size() > 0 ? 'x' : 'y'"
	p := mustCompile(t, spec(formulaRule(heavy, custom("X"))), WithCostLimit(500))
	_, err := p.Map(Input{}, Add)
	recordErr(t, err, v1alpha1.ReasonMappingFailed, "cost limit")

	p = mustCompile(t, spec(formulaRule(heavy, custom("X"))))
	if _, err := p.Map(Input{}, Add); err != nil {
		t.Errorf("the default limit must allow a 1000-step formula: %v", err)
	}
}

func TestDestinationInScope(t *testing.T) {
	p := mustCompile(t, spec(
		formulaRule(`default(customField(destination, "Known To Film"), "unknown")`, custom("Film")),
		formulaRule(`size(destination) == 0 ? "new" : "existing"`, custom("State")),
	))
	res, err := p.Map(Input{}, Add)
	if err != nil {
		t.Fatal(err)
	}
	if res.Payload.CustomFields["Film"] != "unknown" || res.Payload.CustomFields["State"] != "new" {
		t.Errorf("no destination: %v", res.Payload.CustomFields)
	}
	dst := loadRecord(t, "ipaas_customer.json")
	res, err = p.Map(Input{Destination: dst}, Update)
	if err != nil {
		t.Fatal(err)
	}
	if res.Payload.CustomFields["Film"] != "FALSE" || res.Payload.CustomFields["State"] != "existing" {
		t.Errorf("with destination: %v", res.Payload.CustomFields)
	}
}

func TestNumbersAreNormalized(t *testing.T) {
	p := mustCompile(t, spec(
		formulaRule(`source.n + 1`, field(v1alpha1.FieldCategoryID)),
		formulaRule(`string(source.f)`, custom("F")),
		formulaRule(`source.j * 2`, custom("J")),
		formulaRule(`source.list.map(x, x + 1)`, field(v1alpha1.FieldCategories)),
	))
	src := map[string]any{"n": float64(11), "f": 2.5, "j": json.Number("21"), "list": []any{float64(1), json.Number("2")}}
	res, err := p.Map(Input{Source: src}, Add)
	if err != nil {
		t.Fatal(err)
	}
	if res.Payload.Fields["CategoryId"] != int64(12) || res.Payload.CustomFields["F"] != "2.5" || res.Payload.CustomFields["J"] != "42" {
		t.Errorf("payload = %+v", res.Payload)
	}
	if !reflect.DeepEqual(res.Payload.Fields["Categories"], []any{int64(2), int64(3)}) {
		t.Errorf("Categories = %#v", res.Payload.Fields["Categories"])
	}
}

func TestFilter(t *testing.T) {
	s := spec(staticRule("x", custom("X")))
	s.Filter = `source.email != ""`
	s.ErrorFilters = []v1alpha1.ErrorFilter{
		{Expression: `source.?vip.orValue(false) && !has(source.company)`, Reason: "MissingCompany", Message: "VIP customers need a company; set it in 99minds."},
		{Expression: `source.email.endsWith("@test.invalid")`, Message: "test customers are not synced"},
	}
	p := mustCompile(t, s)

	skip, msg, err := p.Filter(Input{Source: map[string]any{"email": ""}})
	if err != nil || !skip || !strings.Contains(msg, `spec.filter: source.email != ""`) {
		t.Errorf("filtered: skip=%v msg=%q err=%v", skip, msg, err)
	}
	skip, _, err = p.Filter(Input{Source: map[string]any{"email": "a@example.com", "vip": true}})
	if skip {
		t.Error("an error filter must fail, not skip")
	}
	recordErr(t, err, "MissingCompany", "VIP customers need a company")
	_, _, err = p.Filter(Input{Source: map[string]any{"email": "a@test.invalid"}})
	recordErr(t, err, "ErrorFilterMatched", "test customers")
	_, _, err = p.Filter(Input{Source: map[string]any{}})
	recordErr(t, err, v1alpha1.ReasonMappingFailed, "spec.filter failed", "no such key: email")
	if skip, _, err := p.Filter(Input{Source: map[string]any{"email": "a@example.com"}}); skip || err != nil {
		t.Errorf("a good record passes: %v %v", skip, err)
	}
}

// Map is called from many goroutines with one Program.
func TestConcurrentMap(t *testing.T) {
	p := compileSample(t, sampleNinetyNineMinds)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := loadRecord(t, "ninetynineminds_customer.json")
			if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, src); err != nil {
				t.Error(err)
				return
			}
			for j := 0; j < 50; j++ {
				res, err := p.Map(Input{Source: src}, Update)
				if err != nil || res.Payload.CustomFields["99minds Loyalty Points Balance"] != "160" {
					t.Errorf("concurrent map: %v %v", res.Payload, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
