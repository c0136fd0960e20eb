package mapping

import (
	"encoding/json"
	"math"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// Every formula and filter runs under a CEL cost limit. CEL's runtime cost
// tracker watches every node and doubles the time of a loop, so it is only
// used where it is needed: at compile time CEL's static estimator finds the
// largest input size N (longest string, list or map anywhere in the two
// records) for which the formula's worst case stays within the limit; at
// run time a record no larger than N runs untracked, as its cost is bounded
// by that estimate, and a larger one runs with the runtime limit. Only the
// parts of the records a formula can reach are measured (inspect.go), and
// untracked programs also take the shortcuts of decorators.go.

// maxBound is the largest input size the compile-time search considers.
const maxBound = 1 << 20

// unbounded marks a formula whose worst case does not grow with its input.
const unbounded = math.MaxInt64

// costModel prices the mapping functions for the static estimate (with
// unknown sizes taken as at most n) and for the runtime tracker, so both
// agree on what a call costs: linear in the size it walks.
type costModel struct{ n uint64 }

// EstimateSize implements checker.CostEstimator: any value of the records
// is at most n long.
func (m costModel) EstimateSize(checker.AstNode) *checker.SizeEstimate {
	return &checker.SizeEstimate{Min: 0, Max: m.n}
}

// EstimateCallCost implements checker.CostEstimator.
func (m costModel) EstimateCallCost(_, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	arg := func(i int) checker.SizeEstimate {
		if target != nil {
			if i == 0 {
				return m.size(*target)
			}
			i--
		}
		if i < len(args) {
			return m.size(args[i])
		}
		return checker.SizeEstimate{Max: m.n}
	}
	linear := func(sz checker.SizeEstimate, result *checker.SizeEstimate) *checker.CallEstimate {
		return &checker.CallEstimate{CostEstimate: checker.CostEstimate{Min: 1, Max: addSat(sz.Max, 1)}, ResultSize: result}
	}
	switch overloadID {
	case "sum_list", "list_sum":
		return linear(arg(0), &checker.SizeEstimate{Min: 1, Max: 1})
	case "firstWord_dyn", "lastWords_dyn":
		sz := arg(0)
		return linear(checker.SizeEstimate{Max: sz.Max / 10}, &checker.SizeEstimate{Max: sz.Max})
	case "customField_dyn_string":
		return linear(checker.SizeEstimate{Max: m.n}, &checker.SizeEstimate{Max: m.n})
	case "toJSON_dyn":
		// A value of the records nests at most a few levels; its JSON is
		// taken as at most n² characters.
		out := mulSat(m.n, m.n)
		return linear(checker.SizeEstimate{Max: out / 10}, &checker.SizeEstimate{Max: out})
	case "formatTime_dyn_string":
		return linear(checker.SizeEstimate{Max: 10}, &checker.SizeEstimate{Max: addSat(arg(1).Max, 64)})
	case "default_dyn_dyn":
		a, b := arg(0), arg(1)
		return &checker.CallEstimate{CostEstimate: checker.FixedCostEstimate(1),
			ResultSize: &checker.SizeEstimate{Max: max(a.Max, b.Max)}}
	}
	return nil
}

func (m costModel) size(n checker.AstNode) checker.SizeEstimate {
	if s := n.ComputedSize(); s != nil {
		return *s
	}
	return checker.SizeEstimate{Max: m.n}
}

// CallCost implements interpreter.ActualCostEstimator with the same prices.
func (costModel) CallCost(_, overloadID string, args []ref.Val, result ref.Val) *uint64 {
	var c uint64
	switch overloadID {
	case "sum_list", "list_sum":
		c = 1 + sizeOf(args[0])
	case "firstWord_dyn", "lastWords_dyn", "toJSON_dyn":
		c = 1 + sizeOf(result)/10
	case "customField_dyn_string":
		c = 1
		if m, ok := args[0].(traits.Mapper); ok {
			if l, found := m.Find(types.String("custom_fields")); found {
				c += sizeOf(l)
			}
		}
	case "formatTime_dyn_string":
		c = 10
	default:
		return nil
	}
	return &c
}

func sizeOf(v ref.Val) uint64 {
	if s, ok := v.(traits.Sizer); ok {
		if n, ok := s.Size().(types.Int); ok && n > 0 {
			return uint64(n)
		}
	}
	return 1
}

// sizeBound finds the largest input size for which the formula's estimated
// worst case stays within limit: unbounded when the estimate does not grow
// with the input, -1 when even empty records may exceed it.
func sizeBound(env *cel.Env, a *cel.Ast, limit uint64) int64 {
	est := func(n uint64) (uint64, bool) {
		c, err := env.EstimateCost(a, costModel{n: n})
		return c.Max, err == nil
	}
	top, ok := est(maxBound)
	if !ok {
		return -1
	}
	if bottom, _ := est(0); bottom == top && top <= limit {
		return unbounded
	}
	if top <= limit {
		return maxBound
	}
	lo, hi := int64(-1), int64(maxBound) // est(lo) ≤ limit < est(hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if c, ok := est(uint64(mid)); ok && c <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// recordSize is the longest string, list or map anywhere in v (in bytes
// for strings, at least the number of characters CEL counts); values the
// engine does not know count as too large. It runs once per record and
// key, so scalars are handled inline rather than by a call each.
func recordSize(v any) int64 {
	switch x := v.(type) {
	case []any:
		n := int64(len(x))
		for _, e := range x {
			n = max(n, elemSize(e))
		}
		return n
	case map[string]any:
		n := int64(len(x))
		for k, e := range x {
			n = max(n, int64(len(k)), elemSize(e))
		}
		return n
	}
	return elemSize(v)
}

func elemSize(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x))
	case nil, bool, float64, int64:
		return 1
	case json.Number:
		return int64(len(x))
	case []any, map[string]any:
		return recordSize(x)
	}
	return unbounded
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func mulSat(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}

// program picks the untracked program when the records are small enough
// for the formula's static cost bound, else the tracked one.
func (a *activation) program(e *expr) cel.Program {
	if e.bound == unbounded {
		return e.fast
	}
	if e.bound < 0 {
		return e.tracked
	}
	if max(a.src.of(e.src), a.dst.of(e.dst)) <= e.bound {
		return e.fast
	}
	return e.tracked
}

// sizes caches the recordSize of a record, whole or by top-level key, for
// one Map or Filter call.
type sizes struct {
	rec   map[string]any
	whole int64 // 0 until needed
	keys  []keySize
	buf   [8]keySize // backs keys for the usual few keys, without allocating
}

type keySize struct {
	key  string
	size int64
}

// of returns the size of what r can reach of the record.
func (s *sizes) of(r varReads) int64 {
	if r.whole {
		if s.whole == 0 {
			s.whole = max(recordSize(s.rec), 1)
		}
		return s.whole
	}
	n := int64(1)
	if s.keys == nil {
		s.keys = s.buf[:0]
	}
next:
	for _, k := range r.keys {
		for _, ks := range s.keys {
			if ks.key == k {
				n = max(n, ks.size)
				continue next
			}
		}
		v, ok := s.rec[k]
		size := int64(0)
		if ok {
			size = recordSize(v)
		}
		s.keys = append(s.keys, keySize{key: k, size: size})
		n = max(n, size)
	}
	return n
}
