package mapping

import (
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// evalText compiles formula into a text custom field and maps src with it.
func evalText(t *testing.T, formula string, src map[string]any) (string, error) {
	t.Helper()
	p, err := compileSpec(spec(formulaRule(formula, field(v1alpha1.FieldComment))))
	if err != nil {
		t.Fatalf("%s: %v", formula, err)
	}
	res, err := p.Map(Input{Source: src}, Add)
	if err != nil {
		return "", err
	}
	s, _ := res.Payload.Fields["Comment"].(string)
	return s, nil
}

// The examples of docs/mapping.md, one per helper, and their edge cases.
func TestFunctions(t *testing.T) {
	src := map[string]any{
		"name":   "  Jane   van Doe ",
		"single": "Cher",
		"cards": []any{
			map[string]any{"point_balance": float64(120)},
			map[string]any{"point_balance": "40"},
			map[string]any{"point_balance": nil},
		},
		"halves":        []any{0.5, float64(1), "1.25"},
		"company":       "",
		"loyalty_cards": []any{},
		"created_at":    "2025-06-02T08:30:00+02:00",
		"custom_fields": []any{
			map[string]any{"custom_field_name": "Known To Film", "value": "TRUE"},
			map[string]any{"custom_field_name": "Visits", "value": float64(3)},
		},
		"tags": []any{"vip", "b2b"},
		"m":    map[string]any{"c": 3.0, "a": 1.0, "b": 2.0},
	}
	cases := []struct{ formula, want string }{
		{`firstWord("Jane van Doe")`, "Jane"},
		{`lastWords("Jane van Doe")`, "van Doe"},
		{`firstWord(source.name) + "|" + lastWords(source.name)`, "Jane|van Doe"},
		{`firstWord(source.single) + "|" + lastWords(source.single)`, "Cher|"},
		{`firstWord(null) + lastWords("")`, ""},
		{`string(sum(source.cards.map(c, c.point_balance)))`, "160"},
		{`string(source.cards.map(c, c.point_balance).sum())`, "160"},
		{`string(sum(source.halves))`, "2.75"},
		{`string(sum([]))`, "0"},
		{`default(source.company, "n/a")`, "n/a"},
		{`default(source.name, "n/a") == source.name ? "kept" : "replaced"`, "kept"},
		{`default(source.?missing.orValue(null), "fallback")`, "fallback"},
		{`customField(source, "Known To Film")`, "TRUE"},
		{`customField(source, "Visits")`, "3"},
		{`customField(source, "Nope") + customField({}, "x")`, ""},
		{`toJSON(source.tags)`, `["vip","b2b"]`},
		{`toJSON({"b": 1, "a": [true, null, 2.5, "<x>"]})`, `{"a":[true,null,2.5,"<x>"],"b":1}`},
		{`formatTime(source.created_at, "2006-01-02")`, "2025-06-02"},
		{`formatTime(source.created_at, "02.01.2006 15:04 -07:00")`, "02.06.2025 08:30 +02:00"},
		{`formatTime(timestamp("2025-06-02T08:30:00Z"), "Jan 2, 2006")`, "Jun 2, 2025"},
		{`has(source.company) ? "has" : "no"`, "has"},
		{`has(source.phone) ? source.phone : "none"`, "none"},
		{`source.?phone.orValue("none")`, "none"},
		{`source.tags.join(", ")`, "vip, b2b"},
		{`"Mr. %s".format([lastWords(source.name)])`, "Mr. van Doe"},
		{`source.name.trim().upperAscii()`, "JANE   VAN DOE"},
		{`source.m.map(k, k + "=" + string(source.m[k])).join(",")`, "a=1,b=2,c=3"},
		{`source.m == {"a": 1, "b": 2, "c": 3} && source.tags == ["vip", "b2b"] ? "equal" : "differ"`, "equal"},
		{`"b2b" in source.tags && "a" in source.m ? "in" : "out"`, "in"},
		{`source.loyalty_cards.map(c, c.id)[?0].orValue("none")`, "none"},
		{`string(size(destination))`, "0"},
		{`source.name.split(" ").filter(w, w != "").size() == 3 ? "three" : "other"`, "three"},
	}
	for _, tc := range cases {
		got, err := evalText(t, tc.formula, src)
		if err != nil {
			t.Errorf("%s: %v", tc.formula, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.formula, got, tc.want)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	cases := []struct{ formula, want string }{
		{`string(sum([9223372036854775807, 1]))`, "overflow"},
		{`string(sum(["12 points"]))`, "not a number"},
		{`customField("x", "y")`, "needs a record"},
		{`formatTime("2025-06-02", "2006")`, "not an RFC 3339 time"},
		{`toJSON(1.0 / 0.0)`, "toJSON"},
	}
	for _, tc := range cases {
		_, err := evalText(t, tc.formula, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.formula, err, tc.want)
		}
	}
}
