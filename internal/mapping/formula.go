package mapping

import (
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// expr is one compiled CEL expression and its text, for messages.
type expr struct {
	text string
	// fast runs without cost tracking, for records no larger than bound
	// (see cost.go); tracked enforces the cost limit at run time.
	fast, tracked cel.Program
	bound         int64
	// src and dst are what the expression reads of the two records.
	src, dst varReads
}

// compile compiles one CEL expression and checks its result type; nil when
// it fails (the error is recorded with the position inside the formula).
func (c *compiler) compile(path, dest, text string, check func(*cel.Type) string) *expr {
	if text == "" {
		c.fail(v1alpha1.ReasonInvalidRule, path, dest, "expression is empty")
		return nil
	}
	ast, iss := c.env.Compile(text)
	if iss != nil && iss.Err() != nil {
		es := iss.Errors()
		ce := &CompileError{Reason: v1alpha1.ReasonInvalidFormula, Path: path, Destination: dest, Message: iss.Err().Error()}
		if len(es) > 0 {
			ce.Message = tidyCELMessage(es[0].Message)
			if line := es[0].Location.Line(); line > 0 {
				ce.Line, ce.Column = line, es[0].Location.Column()+1
			}
			if len(es) > 1 {
				ce.Message += fmt.Sprintf(" (and %d more)", len(es)-1)
			}
		}
		c.errs = append(c.errs, ce)
		return nil
	}
	if why := check(ast.OutputType()); why != "" {
		c.errs = append(c.errs, &CompileError{Reason: v1alpha1.ReasonInvalidFormula, Path: path, Destination: dest,
			Line: 1, Column: 1, Message: "returns " + ast.OutputType().String() + "; " + why})
		return nil
	}
	e := &expr{text: text, bound: sizeBound(c.env, ast, c.opts.costLimit)}
	e.src, e.dst = readsOf(ast)
	var err error
	if e.bound >= 0 {
		e.fast, err = c.env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CustomDecoratorV2(shortcuts))
	}
	if err == nil {
		e.tracked, err = c.env.Program(ast, cel.EvalOptions(cel.OptOptimize),
			cel.CostLimit(c.opts.costLimit), cel.CostTracking(costModel{}))
	}
	if err != nil {
		c.fail(v1alpha1.ReasonInvalidFormula, path, dest, "%v", err)
		return nil
	}
	return e
}

// tidyCELMessage keeps a parser or checker message short: the grammar's
// list of expected tokens and the empty container say nothing to a user.
func tidyCELMessage(m string) string {
	m = strings.ReplaceAll(m, " (in container '')", "")
	if i := strings.Index(m, " expecting {"); i > 0 {
		m = m[:i]
	}
	m = strings.ReplaceAll(m, "mismatched input '<EOF>'", "unexpected end of formula")
	return shorten(m, 200)
}

// checkBool accepts the result type of a filter.
func checkBool(t *cel.Type) string {
	switch t.Kind() {
	case types.BoolKind, types.DynKind, types.AnyKind:
		return ""
	}
	return "a filter must return bool"
}

// checkWire accepts the formula result types a destination can take; dyn
// is checked again at run time.
func checkWire(w wireType, t *cel.Type) string {
	switch t.Kind() {
	case types.DynKind, types.AnyKind, types.NullTypeKind, types.TypeParamKind:
		return ""
	case types.OpaqueKind:
		if t.TypeName() == "optional_type" {
			return "unwrap the optional with .orValue(...)"
		}
	}
	switch w {
	case wireString:
		switch t.Kind() {
		case types.StringKind, types.IntKind, types.UintKind, types.DoubleKind, types.BoolKind, types.TimestampKind:
			return ""
		case types.ListKind, types.MapKind:
			return "this text field needs one value; use join() or toJSON()"
		}
		return "this text field needs a string, number or bool"
	case wireInt:
		switch t.Kind() {
		case types.IntKind, types.UintKind, types.DoubleKind, types.StringKind:
			return ""
		}
		return "this field needs an integer"
	case wireList:
		if t.Kind() == types.ListKind {
			return ""
		}
		return "this field needs a list"
	}
	return "unsupported destination"
}
