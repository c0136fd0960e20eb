package mapping

import (
	"errors"
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestCompileErrors(t *testing.T) {
	ok := formulaRule("source.id", field(v1alpha1.FieldCustomerNumber))
	cases := []struct {
		name   string
		spec   v1alpha1.CustomerMappingSpec
		opts   []Option
		reason string
		path   string
		line   int
		column int
		want   []string // substrings of Error()
	}{
		{
			name:   "syntax error names rule, destination and position",
			spec:   spec(ok, formulaRule("firstWord(source.name", field(v1alpha1.FieldFirstName))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[1]", line: 1, column: 22,
			want: []string{"spec.addRules[1] (FirstName): 1:22: "},
		},
		{
			name:   "undeclared reference on the second line",
			spec:   spec(ok, formulaRule("firstWord(\n  sourc.name)", field(v1alpha1.FieldFirstName))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[1]", line: 2, column: 3,
			want: []string{"spec.addRules[1] (FirstName): 2:3: undeclared reference to 'sourc'"},
		},
		{
			name:   "unknown function",
			spec:   spec(formulaRule("source.id", field(v1alpha1.FieldCustomerNumber)), formulaRule("now()", custom("Synced At"))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[1]", line: 1, column: 4,
			want: []string{`spec.addRules[1] (customField "Synced At"): 1:4: undeclared reference to 'now'`},
		},
		{
			name:   "list result for a text field",
			spec:   spec(formulaRule("source.loyalty_cards.map(c, c.id)", custom("Cards"))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[0]", line: 1, column: 1,
			want: []string{"returns list(dyn)", "join() or toJSON()"},
		},
		{
			name:   "optional result must be unwrapped",
			spec:   spec(formulaRule("source.?company", field(v1alpha1.FieldCompany))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[0]", line: 1, column: 1,
			want: []string{".orValue("},
		},
		{
			name:   "bool into CategoryId",
			spec:   spec(formulaRule("true", field(v1alpha1.FieldCategoryID))),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.addRules[0]",
			want: []string{"needs an integer"},
		},
		{
			name:   "field the destination does not accept",
			spec:   spec(fieldRule("name", field(v1alpha1.FieldName))),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"(Name): iPaaS.com does not accept field Name", "CustomerNumber"},
		},
		{
			name: "custom field on 99minds",
			spec: v1alpha1.CustomerMappingSpec{
				Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS},
				Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds},
				AddRules:    []v1alpha1.Rule{fieldRule("email_address", custom("Tier"))},
			},
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"99minds has no custom fields"},
		},
		{
			name:   "two rules write one destination",
			spec:   spec(ok, fieldRule("email", field(v1alpha1.FieldEmailAddress)), fieldRule("id", field(v1alpha1.FieldCustomerNumber))),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[2]",
			want: []string{"spec.addRules[2] (CustomerNumber): spec.addRules[0] already writes CustomerNumber"},
		},
		{
			name:   "static value not an integer",
			spec:   spec(staticRule("twelve", field(v1alpha1.FieldCategoryID))),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{`value "twelve" is not an integer`},
		},
		{
			name:   "empty static custom field",
			spec:   spec(staticRule("", custom("Tier"))),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"empty custom field"},
		},
		{
			name:   "bad source path",
			spec:   spec(fieldRule("loyalty_cards[first].id", custom("Card"))),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"[first] at column 14"},
		},
		{
			name: "PascalCase name on an iPaaS.com record",
			spec: v1alpha1.CustomerMappingSpec{
				Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS},
				Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds},
				AddRules:    []v1alpha1.Rule{fieldRule("EmailAddress", field(v1alpha1.FieldEmail))},
			},
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"write sourceField email_address"},
		},
		{
			name: "ConfigMap not handed in",
			spec: spec(v1alpha1.Rule{Type: v1alpha1.RuleLookupTranslation, Destination: field(v1alpha1.FieldCategoryID),
				LookupTranslation: &v1alpha1.LookupTranslation{SourceField: "company", ConfigMapRef: &v1alpha1.LocalObjectReference{Name: "tiers"}}}),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{`ConfigMap "tiers" was not found`},
		},
		{
			name: "lookup value of the wrong type",
			spec: spec(v1alpha1.Rule{Type: v1alpha1.RuleLookupTranslation, Destination: field(v1alpha1.FieldCategoryID),
				LookupTranslation: &v1alpha1.LookupTranslation{SourceField: "company", ConfigMapRef: &v1alpha1.LocalObjectReference{Name: "tiers"}}}),
			opts:   []Option{WithConfigMaps(map[string]map[string]string{"tiers": {"Acme": "gold"}})},
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{`ConfigMap "tiers" entry "Acme": value "gold" is not an integer`},
		},
		{
			name:   "two value keys",
			spec:   spec(v1alpha1.Rule{Type: v1alpha1.RuleField, SourceField: "email", Formula: "source.email", Destination: field(v1alpha1.FieldEmailAddress)}),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules[0]",
			want: []string{"set exactly one of value, sourceField, formula or lookupTranslation"},
		},
		{
			name: "filter must return bool",
			spec: func() v1alpha1.CustomerMappingSpec {
				s := spec(ok)
				s.Filter = "source.email"
				s.Filter = "size(source)"
				return s
			}(),
			reason: v1alpha1.ReasonInvalidFormula, path: "spec.filter", line: 1, column: 1,
			want: []string{"spec.filter: 1:1: returns int; a filter must return bool"},
		},
		{
			name: "error filter reason",
			spec: func() v1alpha1.CustomerMappingSpec {
				s := spec(ok)
				s.ErrorFilters = []v1alpha1.ErrorFilter{{Expression: "true", Reason: "not camel", Message: "x"}}
				return s
			}(),
			reason: v1alpha1.ReasonInvalidRule, path: "spec.errorFilters[0]",
			want: []string{"CamelCase"},
		},
		{
			name: "OpenAI without a Static PromptText",
			spec: v1alpha1.CustomerMappingSpec{
				Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS},
				Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemOpenAI},
				AddRules:    []v1alpha1.Rule{fieldRule("customer_number", field(v1alpha1.FieldCustomerNumber))},
			},
			reason: v1alpha1.ReasonInvalidRule, path: "spec.addRules",
			want: []string{"PromptText"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compileSpec(tc.spec, tc.opts...)
			if err == nil {
				t.Fatalf("compiled, want an error")
			}
			if p != nil {
				t.Error("a failed Compile must not return a program")
			}
			errs := CompileErrors(err)
			if len(errs) != 1 {
				t.Fatalf("want one CompileError, got %d: %v", len(errs), err)
			}
			ce := errs[0]
			if ce.Reason != tc.reason || ce.Path != tc.path {
				t.Errorf("reason, path = %s, %s; want %s, %s", ce.Reason, ce.Path, tc.reason, tc.path)
			}
			if tc.line != 0 && (ce.Line != tc.line || ce.Column != tc.column) {
				t.Errorf("position = %d:%d, want %d:%d", ce.Line, ce.Column, tc.line, tc.column)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// Compile reports every problem at once, each with its own rule.
func TestCompileCollectsAllErrors(t *testing.T) {
	s := spec(
		formulaRule("source.id +", field(v1alpha1.FieldCustomerNumber)),
		fieldRule("email", field(v1alpha1.FieldEmailAddress)),
		fieldRule("phone", field(v1alpha1.FieldPhoneNumber)),
	)
	s.UpdateRules = []v1alpha1.Rule{formulaRule("firstWord(1, 2)", field(v1alpha1.FieldFirstName))}
	_, err := compileSpec(s)
	errs := CompileErrors(err)
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	if got := strings.Join(paths, " "); got != "spec.addRules[0] spec.addRules[2] spec.updateRules[0]" {
		t.Fatalf("paths = %s (%v)", got, err)
	}
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Path != "spec.addRules[0]" {
		t.Errorf("errors.As finds the first error, got %v", ce)
	}
}

func TestCompileUpdateFallsBackToAddRules(t *testing.T) {
	p := mustCompile(t, spec(staticRule("x", field(v1alpha1.FieldComment))))
	res, err := p.Map(Input{}, Update)
	if err != nil || res.Payload.Fields["Comment"] != "x" {
		t.Fatalf("Update without updateRules must use addRules: %v %v", res.Payload, err)
	}
}

func TestConfigMapNames(t *testing.T) {
	lt := func(cm string) v1alpha1.Rule {
		return v1alpha1.Rule{Type: v1alpha1.RuleLookupTranslation, Destination: custom(cm),
			LookupTranslation: &v1alpha1.LookupTranslation{SourceField: "x", ConfigMapRef: &v1alpha1.LocalObjectReference{Name: cm}}}
	}
	s := spec(lt("b"), lt("a"))
	s.UpdateRules = []v1alpha1.Rule{lt("a"), lt("c")}
	if got := strings.Join(ConfigMapNames(s), ","); got != "a,b,c" {
		t.Errorf("ConfigMapNames = %s", got)
	}
}

func TestSourceFieldsReadFromFormulas(t *testing.T) {
	s := spec(
		formulaRule(`source["Known To Film"] == "TRUE" ? "yes" : source.?other.orValue("")`, custom("Film")),
		formulaRule(`has(source.tier) ? source.tier : customField(destination, "Tier")`, custom("Tier")),
		fieldRule("loyalty_cards[0].id", custom("Card")),
	)
	s.Filter = `source.email != ""`
	p := mustCompile(t, s)
	if got := strings.Join(p.SourceFieldsRead(), "|"); got != "Known To Film|email|loyalty_cards|other|tier" {
		t.Errorf("SourceFieldsRead = %s", got)
	}
}
