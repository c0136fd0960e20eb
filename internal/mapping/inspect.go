package mapping

import (
	"sort"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// varReads is what an expression reads of one record variable: the
// top-level keys it selects by name (source.x, has(source.x), source["x"],
// source.?x, source[?"x"]), and whether it also uses the record some other
// way (iterates it, indexes it by a computed key, hands it to a function),
// when any part of it may be read.
type varReads struct {
	keys  []string
	whole bool
}

// readsOf inspects a checked expression. The controller uses the source keys
// to check that a response mapping reads only the answer fields the model is
// asked for; the evaluator uses both to size only the parts of the records
// a formula can reach (see cost.go).
func readsOf(a *cel.Ast) (src, dst varReads) {
	if a == nil || a.NativeRep() == nil {
		return varReads{whole: true}, varReads{whole: true}
	}
	type tally struct {
		keys         map[string]bool
		uses, static int
	}
	vars := map[string]*tally{"source": {keys: map[string]bool{}}, "destination": {keys: map[string]bool{}}}
	shadowed := false
	record := func(e celast.Expr) *tally {
		if e.Kind() != celast.IdentKind {
			return nil
		}
		return vars[e.AsIdent()]
	}
	celast.PreOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			if t := vars[e.AsIdent()]; t != nil {
				t.uses++
			}
		case celast.ComprehensionKind:
			c := e.AsComprehension()
			for _, v := range []string{c.IterVar(), c.IterVar2(), c.AccuVar()} {
				if vars[v] != nil {
					shadowed = true
				}
			}
		case celast.SelectKind:
			if t := record(e.AsSelect().Operand()); t != nil {
				t.keys[e.AsSelect().FieldName()] = true
				t.static++
			}
		case celast.CallKind:
			c := e.AsCall()
			switch c.FunctionName() {
			case operators.Index, operators.OptIndex, operators.OptSelect:
			default:
				return
			}
			args := c.Args()
			if len(args) != 2 || args[1].Kind() != celast.LiteralKind {
				return
			}
			k, ok := args[1].AsLiteral().(types.String)
			if t := record(args[0]); t != nil && ok {
				t.keys[string(k)] = true
				t.static++
			}
		}
	}))
	out := func(t *tally) varReads {
		keys := make([]string, 0, len(t.keys))
		for k := range t.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return varReads{keys: keys, whole: shadowed || t.uses > t.static}
	}
	return out(vars["source"]), out(vars["destination"])
}
