package mapping

import (
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// The untracked program (with its concatenation chains) and the tracked
// one must agree on every result and every failure.
func TestFastAndTrackedProgramsAgree(t *testing.T) {
	src := loadRecord(t, "ninetynineminds_customer.json")
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, src); err != nil {
		t.Fatal(err)
	}
	src["n"] = float64(7)
	formulas := []string{
		`source.name + " <" + source.email + ">"`,
		`"a" + "b" + source.name + "c" + ("d" + source.id) + source.name`,
		`source.transactions.map(t, formatTime(t.transaction_date, "2006-01-02") + " " + t.transaction_type + " " + string(t.amount)).join("\n")`,
		`source.n + " points"`,                  // int at run time: no such overload
		`source.name + source.nope`,             // missing key
		`source.name + (1 / 0 > 0 ? "x" : "y")`, // division by zero inside a part
		`source.loyalty_cards.map(c, c.id + ":" + string(c.point_balance)).join(",")`,
		`sum(source.loyalty_cards.map(c, c.point_balance))`,
		`toJSON(source.loyalty_cards)`,
		`source.loyalty_cards.filter(c, c.active == true).map(c, c.id)`,
		`[1, 2, 3].map(x, [x].map(y, y * 2))`,
		`source.loyalty_cards.map(c, [c.id, c.point_balance])`,
		`source.loyalty_cards.map(c, c.nope)`,
		`source.transactions.filter(t, t.amount > 20).map(t, t.amount)`,
		`[1, 2] + [3] + source.loyalty_cards.map(c, 4)`,
		`source.loyalty_cards.exists(c, c.active) && source.loyalty_cards.all(c, has(c.id))`,
	}
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range formulas {
		c := &compiler{env: env, opts: options{costLimit: DefaultCostLimit}, spec: &v1alpha1.CustomerMappingSpec{}}
		e := c.compile("f", "", f, func(*types.Type) string { return "" })
		if e == nil || e.fast == nil {
			t.Fatalf("%s: %v", f, c.errs)
		}
		act := newActivation(Input{Source: src})
		fast, _, errFast := e.fast.Eval(act)
		tracked, _, errTracked := e.tracked.Eval(act)
		if (errFast == nil) != (errTracked == nil) {
			t.Errorf("%s: fast error %v, tracked error %v", f, errFast, errTracked)
			continue
		}
		if errFast != nil {
			if !strings.Contains(errTracked.Error(), strings.SplitN(errFast.Error(), ":", 2)[0]) {
				t.Errorf("%s: errors differ: %v / %v", f, errFast, errTracked)
			}
			continue
		}
		if fast.Equal(tracked) != types.True {
			t.Errorf("%s: %v != %v", f, fast, tracked)
		}
	}
}

func TestSizeBound(t *testing.T) {
	env, _ := celEnv()
	bound := func(f string, limit uint64) int64 {
		a, iss := env.Compile(f)
		if iss.Err() != nil {
			t.Fatal(iss.Err())
		}
		return sizeBound(env, a, limit)
	}
	if b := bound(`source.id`, DefaultCostLimit); b != unbounded {
		t.Errorf("a plain read does not grow with the record, bound %d", b)
	}
	linear := bound(`sum(source.cards.map(c, c.n))`, DefaultCostLimit)
	nested := bound(`source.a.map(x, source.a.map(y, x + y)).size()`, DefaultCostLimit)
	if !(linear > nested && nested > 0 && linear < maxBound) {
		t.Errorf("bounds: linear %d, nested %d", linear, nested)
	}
	if b := bound(`[1,2,3].map(a, [1,2,3].map(b, a * b)).size()`, 10); b != -1 {
		t.Errorf("a formula over its limit even on empty records must always be tracked, bound %d", b)
	}
}

// A record larger than a formula's bound runs with the runtime limit.
func TestLargeRecordIsTracked(t *testing.T) {
	p := mustCompile(t, spec(formulaRule(`source.a.map(x, source.a.map(y, x + y)).size() > 0 ? "x" : "y"`, custom("X"))))
	r := p.add[0].formula
	if r.bound <= 0 || r.bound > 10000 {
		t.Fatalf("bound %d", r.bound)
	}
	big := make([]any, max(r.bound+1, 1500)) // 1500² steps exceed the limit
	for i := range big {
		big[i] = float64(i)
	}
	act := newActivation(Input{Source: map[string]any{"a": big}})
	if got := act.program(r); got != r.tracked {
		t.Error("a record over the bound must use the tracked program")
	}
	_, err := p.Map(Input{Source: map[string]any{"a": big}}, Add)
	recordErr(t, err, v1alpha1.ReasonMappingFailed, "cost limit")

	small := newActivation(Input{Source: map[string]any{"a": big[:10]}})
	if got := small.program(r); got != r.fast {
		t.Error("a small record must use the untracked program")
	}
}

func TestRecordSize(t *testing.T) {
	doc := map[string]any{"name": "Jane", "cards": []any{map[string]any{"id": "0123456789"}, 1.0}}
	if got := recordSize(doc); got != 10 {
		t.Errorf("recordSize = %d, want 10 (the longest string)", got)
	}
	var _ ref.Val = jsonObject(doc)
}

// The shortcuts must fire on the patterns they are for, and only there.
func TestShortcutsFire(t *testing.T) {
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		formula       string
		chains, steps int
	}{
		{`source.a + " " + source.b + "!"`, 1, 0},
		{`source.a.map(x, x)`, 0, 1},
		{`source.a.filter(x, x > 1).map(x, string(x) + ":" + "y")`, 1, 2},
		{`[1] + [2]`, 0, 0},
		{`source.a + source.b`, 0, 0}, // dyn + dyn: resolved at run time, left alone
	}
	for _, tc := range cases {
		a, iss := env.Compile(tc.formula)
		if iss.Err() != nil {
			t.Fatal(iss.Err())
		}
		chains, steps := 0, 0
		_, err := env.Program(a, cel.CustomDecoratorV2(func(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
			out, err := shortcuts(i)
			switch out.(type) {
			case *concatChain:
				if out != i {
					chains++
				}
			case *appendStep:
				steps++
			}
			return out, err
		}))
		if err != nil {
			t.Fatal(err)
		}
		// A chain of n parts is planned n-1 times, each absorbing the last.
		if (chains > 0) != (tc.chains > 0) || steps != tc.steps {
			t.Errorf("%s: %d chain nodes, %d append steps; want chains=%v, %d steps", tc.formula, chains, steps, tc.chains > 0, tc.steps)
		}
	}
}
