package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// FuzzMapping feeds arbitrary formulas, source paths and records through
// the whole engine: nothing may panic, and every error must be classified,
// a *CompileError from Compile and a *customer.RecordError from everything a record
// goes through.
//
//	go test -run=^$ -fuzz=FuzzMapping -fuzztime=2m ./internal/mapping/
func FuzzMapping(f *testing.F) {
	doc, err := json.Marshal(loadRecord(f, "ninetynineminds_customer.json"))
	if err != nil {
		f.Fatal(err)
	}
	seeds := []struct{ formula, path, record string }{
		{"firstWord(source.name)", "email", string(doc)},
		{"sum(source.loyalty_cards.map(c, c.point_balance))", "loyalty_cards[1].id", string(doc)},
		{`source.transactions.map(t, formatTime(t.transaction_date, "2006-01-02") + " " + string(t.amount)).join("\n")`, "transactions[0].amount", string(doc)},
		{`source.loyalty_cards.filter(c, c.active == true).map(c, c.id)[?0].orValue("")`, `["name"]`, string(doc)},
		{`toJSON(source)`, "a.b[0]", `{"a": {"b": [1.5, "x", null, {"c": true}]}}`},
		{`default(customField(source, "X"), "none")`, "custom_fields[0].value", `{"custom_fields": [{"custom_field_name": "X", "value": 1e300}]}`},
		{`source.n / 0`, "n", `{"n": 1}`},
		{`[1,2,3].map(a, [1,2,3].map(b, a * b))`, "n", `{"n": -0.0}`},
		{`source.?missing.orValue(null)`, "missing", `{}`},
		{`lastWords(source.s) + source.s.substring(1)`, "s", `{"s": "é"}`},
		{`source`, "x[", `[]`},
		{`"%d".format([source.x])`, "x", `{"x": "1"}`},
	}
	for _, s := range seeds {
		f.Add(s.formula, s.path, s.record)
	}
	f.Fuzz(func(t *testing.T, formula, path, record string) {
		// One formula per run keeps runs fast; its destination (text,
		// integer or list) varies with the input.
		dests := []v1alpha1.RuleDestination{custom("Formula"), field(v1alpha1.FieldCategoryID), field(v1alpha1.FieldCategories)}
		s := spec(
			formulaRule(formula, dests[len(formula)%len(dests)]),
			fieldRule(path, field(v1alpha1.FieldComment)),
		)
		s.Filter = "size(source) >= 0"
		s.ErrorFilters = []v1alpha1.ErrorFilter{{Expression: `has(source.fail) && source.fail == true`, Message: "fail"}}
		p, err := compileSpec(s, WithCostLimit(20000))
		if err != nil {
			assertCompileErrors(t, err)
			// Compile the formula alone too, so a wrong result type alone
			// still lets the record path be fuzzed.
			s.AddRules = []v1alpha1.Rule{fieldRule("id", custom("Id"))}
			if p, err = compileSpec(s); err != nil {
				t.Fatalf("the fixed spec must compile: %v", err)
			}
		}

		var src map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(record)))
		if len(record)%2 == 0 {
			dec.UseNumber()
		}
		if dec.Decode(&src) != nil {
			src = map[string]any{"raw": record}
		}
		assertRecordError(t, NormalizeSource(v1alpha1.SystemNinetyNineMinds, src))
		in := Input{Source: src, Destination: src}
		if len(p.add) > 0 && p.add[0].formula != nil {
			agree(t, p.add[0].formula, in)
		}
		_, _, err = p.Filter(in)
		assertRecordError(t, err)
		for _, set := range []RuleSet{Add, Update} {
			res, err := p.Map(in, set)
			assertRecordError(t, err)
			if err != nil {
				continue
			}
			for _, system := range []v1alpha1.SystemType{v1alpha1.SystemIPaaS, v1alpha1.SystemOpenAI, v1alpha1.SystemNinetyNineMinds} {
				assertRecordError(t, Validate(system, res.Payload, set))
			}
			_ = Diff(res.Payload, nil)
			for _, c := range res.Payload.CustomFields {
				if c == "" {
					t.Fatal("an empty custom field was written")
				}
			}
			if _, err := json.Marshal(res.Payload); err != nil {
				t.Fatalf("payload does not encode: %v", err)
			}
		}
	})
}

func assertCompileErrors(t *testing.T, err error) {
	t.Helper()
	ces := CompileErrors(err)
	leaves := 0
	var count func(error)
	count = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				count(x)
			}
			return
		}
		leaves++
	}
	count(err)
	if len(ces) == 0 || len(ces) != leaves {
		t.Fatalf("unclassified compile error (%d of %d classified): %v", len(ces), leaves, err)
	}
	for _, ce := range ces {
		if ce.Reason != v1alpha1.ReasonInvalidRule && ce.Reason != v1alpha1.ReasonInvalidFormula {
			t.Fatalf("compile error with reason %q: %v", ce.Reason, ce)
		}
	}
}

func assertRecordError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var re *customer.RecordError
	if !errors.As(err, &re) || re.Reason == "" || re.Message == "" {
		t.Fatalf("unclassified record error %T: %v", err, err)
	}
}

// agree checks that the untracked program (with its shortcuts) and the
// tracked one give the same result, and that a record the static bound lets
// run untracked stays within the cost limit when tracked.
func agree(t *testing.T, e *expr, in Input) {
	t.Helper()
	if e.fast == nil {
		return
	}
	act := newActivation(in)
	tracked, _, errT := e.tracked.Eval(act)
	if errT != nil && strings.Contains(errT.Error(), "cost limit") {
		if act.program(e) == e.fast {
			t.Fatalf("the static bound %d let a record run untracked that exceeds the cost limit", e.bound)
		}
		return
	}
	fast, _, errF := e.fast.Eval(act)
	if (errF == nil) != (errT == nil) {
		t.Fatalf("untracked error %v, tracked error %v", errF, errT)
	}
	if errF == nil && fast.Equal(tracked) != types.True && !sameGo(fast, tracked) {
		t.Fatalf("untracked %v, tracked %v", fast, tracked)
	}
}

// sameGo compares two CEL values as Go values, NaN equal to NaN (CEL's
// equality says NaN != NaN).
func sameGo(a, b ref.Val) bool {
	x, errA := fromCEL(a)
	y, errB := fromCEL(b)
	if errA != nil || errB != nil {
		return false
	}
	var same func(x, y any) bool
	same = func(x, y any) bool {
		switch xv := x.(type) {
		case float64:
			yv, ok := y.(float64)
			return ok && (xv == yv || math.IsNaN(xv) && math.IsNaN(yv))
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for i := range xv {
				if !same(xv[i], yv[i]) {
					return false
				}
			}
			return true
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for k, v := range xv {
				if w, ok := yv[k]; !ok || !same(v, w) {
					return false
				}
			}
			return true
		}
		return reflect.DeepEqual(x, y)
	}
	return same(x, y)
}
