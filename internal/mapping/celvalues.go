package mapping

import (
	"reflect"
	"sort"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// jsonObject and jsonArray let formulas read a JSON-decoded record in place:
// a map is wrapped without copying or allocating, and a value is converted
// (numbers normalized) only when a formula reads it. Map keys iterate in
// sorted order so that a formula over a map's keys is deterministic.

type jsonObject map[string]any

var _ traits.Mapper = jsonObject(nil)

// generic is cel-go's own map over the same data, for the rarely used
// operations (equality, conversion to native).
func (o jsonObject) generic() traits.Mapper { return types.NewStringInterfaceMap(jsonAdapter, o) }

func (o jsonObject) ConvertToNative(t reflect.Type) (any, error) {
	return o.generic().ConvertToNative(t)
}

func (o jsonObject) ConvertToType(t ref.Type) ref.Val { return o.generic().ConvertToType(t) }

func (o jsonObject) Equal(other ref.Val) ref.Val { return o.generic().Equal(other) }

func (o jsonObject) Type() ref.Type { return types.MapType }

func (o jsonObject) Value() any { return map[string]any(o) }

func (o jsonObject) IsZeroValue() bool { return len(o) == 0 }

func (o jsonObject) Size() ref.Val { return types.Int(len(o)) }

func (o jsonObject) Contains(key ref.Val) ref.Val {
	_, found := o.Find(key)
	return types.Bool(found)
}

func (o jsonObject) Get(key ref.Val) ref.Val {
	v, found := o.Find(key)
	if !found {
		return types.ValOrErr(v, "no such key: %v", key)
	}
	return v
}

func (o jsonObject) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	v, found := o[string(k)]
	if !found {
		return nil, false
	}
	return jsonAdapter.NativeToValue(v), true
}

func (o jsonObject) Iterator() traits.Iterator {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return types.NewStringList(jsonAdapter, keys).Iterator()
}

type jsonArray []any

var _ traits.Lister = jsonArray(nil)

func (a jsonArray) generic() traits.Lister { return types.NewDynamicList(jsonAdapter, []any(a)) }

func (a jsonArray) ConvertToNative(t reflect.Type) (any, error) {
	return a.generic().ConvertToNative(t)
}

func (a jsonArray) ConvertToType(t ref.Type) ref.Val { return a.generic().ConvertToType(t) }

func (a jsonArray) Equal(other ref.Val) ref.Val { return a.generic().Equal(other) }

func (a jsonArray) Add(other ref.Val) ref.Val { return a.generic().Add(other) }

func (a jsonArray) Contains(v ref.Val) ref.Val { return a.generic().Contains(v) }

func (a jsonArray) Type() ref.Type { return types.ListType }

func (a jsonArray) Value() any { return []any(a) }

func (a jsonArray) IsZeroValue() bool { return len(a) == 0 }

func (a jsonArray) Size() ref.Val { return types.Int(len(a)) }

func (a jsonArray) Get(index ref.Val) ref.Val {
	i, err := types.IndexOrError(index)
	if err != nil {
		return types.WrapErr(err)
	}
	if i < 0 || i >= len(a) {
		return types.NewErr("index out of bounds: %v", index)
	}
	return jsonAdapter.NativeToValue(a[i])
}

func (a jsonArray) Iterator() traits.Iterator { return &arrayIterator{a: a} }

// arrayIterator walks a jsonArray, converting each element as it is read.
type arrayIterator struct {
	a jsonArray
	i int
}

func (it *arrayIterator) HasNext() ref.Val { return types.Bool(it.i < len(it.a)) }

func (it *arrayIterator) Next() ref.Val {
	if it.i >= len(it.a) {
		return nil
	}
	v := it.a[it.i]
	it.i++
	return jsonAdapter.NativeToValue(v)
}

func (*arrayIterator) ConvertToNative(reflect.Type) (any, error) {
	return nil, types.NewErr("type conversion on iterators not supported").(*types.Err)
}

func (*arrayIterator) ConvertToType(ref.Type) ref.Val { return types.NewErr("no such overload") }

func (*arrayIterator) Equal(ref.Val) ref.Val { return types.NewErr("no such overload") }

func (*arrayIterator) Type() ref.Type { return types.IteratorType }

func (*arrayIterator) Value() any { return nil }
