package mapping

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	good := map[string][]segment{
		"email":                   {{key: "email"}},
		"Known To Film":           {{key: "Known To Film"}},
		"loyalty_cards[0].id":     {{key: "loyalty_cards"}, {index: 0, isIndex: true}, {key: "id"}},
		`a["b.c"][2]['d']`:        {{key: "a"}, {key: "b.c"}, {index: 2, isIndex: true}, {key: "d"}},
		"custom_fields[10].value": {{key: "custom_fields"}, {index: 10, isIndex: true}, {key: "value"}},
	}
	for in, want := range good {
		got, err := parsePath(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parsePath(%q) = %v, %v", in, got, err)
		}
	}
	bad := map[string]string{
		"":                        "empty",
		"a..b":                    "empty key at column 3",
		".a":                      "empty key at column 1",
		"a.":                      "ends with a dot",
		"a[":                      "unclosed [ at column 2",
		"a[-1]":                   "neither an index",
		"a[x]":                    "neither an index",
		"a[0]b":                   "expected . or [ at column 5",
		"a[+1]":                   "neither an index",
		`a["b]`:                   "neither an index",
		"a[99999999999999999999]": "neither an index",
	}
	for in, want := range bad {
		_, err := parsePath(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parsePath(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestResolvePath(t *testing.T) {
	doc := map[string]any{"cards": []any{map[string]any{"id": "c0"}}, "name": "Jane"}
	cases := []struct {
		path    string
		found   bool
		missing string
	}{
		{"cards[0].id", true, ""},
		{"cards[1].id", false, "cards[1]"},
		{"cards[0].nope", false, "cards[0].nope"},
		{"name.first", false, "name.first"},
		{"name[0]", false, "name[0]"},
		{"nope", false, "nope"},
	}
	for _, tc := range cases {
		segs, err := parsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		_, found, missing := resolvePath(doc, segs)
		if found != tc.found || missing != tc.missing {
			t.Errorf("%s: found=%v missing=%q", tc.path, found, missing)
		}
	}
}

func TestNormalize(t *testing.T) {
	in := map[string]any{
		"int":     float64(120),
		"frac":    12.5,
		"neg0":    -0.0,
		"big":     1e300,
		"jsonInt": json.Number("9007199254740993"),
		"jsonF":   json.Number("1.5"),
		"jsonBad": json.Number("x"),
		"typed":   []map[string]any{{"n": 3}},
		"strs":    map[string]string{"a": "b"},
		"i32":     int32(7),
		"u64":     uint64(1 << 63),
		"nilPtr":  (*int)(nil),
	}
	got, err := normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"int": int64(120), "frac": 12.5, "neg0": int64(0), "big": 1e300,
		"jsonInt": int64(9007199254740993), "jsonF": 1.5, "jsonBad": "x",
		"typed": []any{map[string]any{"n": int64(3)}}, "strs": map[string]any{"a": "b"},
		"i32": int64(7), "u64": float64(1 << 63), "nilPtr": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalize = %#v", got)
	}
	if _, err := normalize(map[string]any{"ch": make(chan int)}); err == nil {
		t.Error("a channel must not normalize")
	}
}
