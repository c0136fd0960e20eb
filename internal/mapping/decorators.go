package mapping

import (
	"reflect"
	"strings"

	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/overloads"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
	"github.com/google/cel-go/parser"
)

// Plan-time shortcuts for the untracked programs (see cost.go): each
// replaces a pattern of CEL nodes with one node that gives the same result
// and the same errors with less work. Tracked programs keep CEL's own
// nodes, so the cost limit is measured on them.

// shortcuts applies every shortcut.
func shortcuts(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	i, _ = concatChains(i)
	return appendSteps(i)
}

// Formulas build text by chaining +: date + " " + type + " " + amount. CEL
// evaluates such a chain pair by pair, allocating every intermediate
// string. concatChains plans a chain the checker resolved to string
// concatenation as one node that evaluates the parts left to right and
// joins them once: the first error met is returned, and a part that is not
// a string at run time gives "no such overload", as CEL does.
func concatChains(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || call.Function() != operators.Add || call.OverloadID() != overloads.AddString {
		return i, nil
	}
	args := call.Args()
	if len(args) != 2 {
		return i, nil
	}
	chain := &concatChain{id: call.ID()}
	for _, a := range args {
		if c, ok := a.(*concatChain); ok {
			chain.parts = append(chain.parts, c.parts...)
		} else {
			chain.parts = append(chain.parts, a)
		}
	}
	return chain, nil
}

type concatChain struct {
	id    int64
	parts []interpreter.InterpretableV2
}

func (c *concatChain) ID() int64 { return c.id }

func (c *concatChain) Eval(act interpreter.Activation) ref.Val {
	return c.Exec(interpreter.AsFrame(act))
}

func (c *concatChain) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	var buf [8]string
	strs := buf[:0]
	n := 0
	for _, p := range c.parts {
		v := p.Exec(frame)
		switch s := v.(type) {
		case types.String:
			strs = append(strs, string(s))
			n += len(s)
		case *types.Err, *types.Unknown:
			return v
		default:
			return types.NewErrWithNodeID(c.id, "no such overload: %s", operators.Add)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range strs {
		b.WriteString(s)
	}
	return types.String(b.String())
}

// The map and filter macros grow their result with @result + [x] on every
// element, building a one-element list each time. appendSteps appends x to
// the accumulator without that list. The accumulator is named @result, a
// name formulas cannot write, so the pattern only matches macro steps.
func appendSteps(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || call.Function() != operators.Add || call.OverloadID() != overloads.AddList {
		return i, nil
	}
	args := call.Args()
	if len(args) != 2 || !isAccumulator(args[0]) {
		return i, nil
	}
	list, ok := args[1].(interpreter.InterpretableConstructor)
	if !ok || list.Type() != types.ListType || len(list.InitVals()) != 1 {
		return i, nil
	}
	return &appendStep{id: call.ID(), accu: args[0], elem: list.InitVals()[0]}, nil
}

func isAccumulator(i interpreter.InterpretableV2) bool {
	attr, ok := i.(interpreter.InterpretableAttribute)
	if !ok {
		return false
	}
	ns, ok := attr.Attr().(interpreter.NamespacedAttribute)
	if !ok || len(ns.Qualifiers()) != 0 {
		return false
	}
	names := ns.CandidateVariableNames()
	return len(names) == 1 && names[0] == parser.HiddenAccumulatorName
}

type appendStep struct {
	id         int64
	accu, elem interpreter.InterpretableV2
}

func (a *appendStep) ID() int64 { return a.id }

func (a *appendStep) Eval(act interpreter.Activation) ref.Val {
	return a.Exec(interpreter.AsFrame(act))
}

func (a *appendStep) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	accu := a.accu.Exec(frame)
	if types.IsUnknownOrError(accu) {
		return accu
	}
	elem := a.elem.Exec(frame)
	if types.IsUnknownOrError(elem) {
		return elem
	}
	adder, ok := accu.(traits.Adder)
	if !ok {
		return types.NewErrWithNodeID(a.id, "no such overload: %s", operators.Add)
	}
	return types.LabelErrNode(a.id, adder.Add(singleton{elem}))
}

// singleton is a one-element list that costs one allocation, not three.
type singleton struct{ v ref.Val }

var _ traits.Lister = singleton{}

func (s singleton) list() traits.Lister { return types.NewRefValList(jsonAdapter, []ref.Val{s.v}) }

func (s singleton) ConvertToNative(t reflect.Type) (any, error) { return s.list().ConvertToNative(t) }
func (s singleton) ConvertToType(t ref.Type) ref.Val            { return s.list().ConvertToType(t) }
func (s singleton) Equal(other ref.Val) ref.Val                 { return s.list().Equal(other) }
func (s singleton) Type() ref.Type                              { return types.ListType }
func (s singleton) Value() any                                  { return []ref.Val{s.v} }
func (s singleton) Add(other ref.Val) ref.Val                   { return s.list().Add(other) }
func (s singleton) Contains(v ref.Val) ref.Val                  { return s.list().Contains(v) }
func (s singleton) Iterator() traits.Iterator                   { return s.list().Iterator() }
func (s singleton) Size() ref.Val                               { return types.IntOne }

func (s singleton) Get(index ref.Val) ref.Val {
	if i, err := types.IndexOrError(index); err != nil || i != 0 {
		return s.list().Get(index)
	}
	return s.v
}
