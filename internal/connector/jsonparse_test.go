package connector_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// reference is what DecodeJSON gave before ParseJSON: encoding/json with
// UseNumber, then NormalizeNumbers; and json.Valid says what is JSON.
func reference(data []byte) (any, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return connector.NormalizeNumbers(v), true
}

var parseSeeds = []string{
	`{"id": 9007199254740993, "n": 1.5, "list": [1, {"x": 2}], "e": 1e2, "neg": -0, "big": 123456789012345678901234}`,
	`{"name":"Zoë \u00e9\ud83d\ude00 \ud800 x \udc00\ud800","esc":"\"\\\/\b\f\n\r\t","empty":{},"a":[],"t":true,"f":false,"z":null}`,
	`[1,2,3]`, `"s"`, `12`, `-1.25E-3`, `null`, ` {"a" : [ 1 , 2 ] } `, `1e999`,
	"\"bad \xff utf8 \xed\xa0\x80\"", "\"bad \xff then \\n escape \xc3\"",
	`{"a":1,"a":2}`,
	// Not JSON.
	``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `1e`, `-`, `.5`, `+1`,
	`tru`, `nul`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01\"", `"open`, `{} x`, `{}{}`, `{1:2}`, `[-]`,
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, valid := reference(data)
		got, err := connector.ParseJSON(data)
		if !valid {
			if err == nil {
				t.Fatalf("ParseJSON(%q) = %#v, want an error", data, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseJSON(%q): %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseJSON(%q) = %#v, want %#v", data, got, want)
		}
	})
}

func TestParseJSONDepth(t *testing.T) {
	ok := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	if _, err := connector.ParseJSON([]byte(ok)); err != nil {
		t.Fatalf("10,000 levels: %v", err)
	}
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	if _, err := connector.ParseJSON([]byte(deep)); err == nil || !strings.Contains(err.Error(), "max depth") {
		t.Fatalf("10,001 levels: %v, want the depth error", err)
	}
}

func TestDecodeJSONShapes(t *testing.T) {
	var list []map[string]any
	if err := connector.DecodeJSON([]byte(`[{"a":1}, null]`), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0]["a"] != int64(1) || list[1] != nil {
		t.Fatalf("got %#v", list)
	}
	existing := map[string]any{"kept": true}
	if err := connector.DecodeJSON([]byte(`{"new": "x"}`), &existing); err != nil {
		t.Fatal(err)
	}
	if existing["kept"] != true || existing["new"] != "x" {
		t.Fatalf("an object decodes into the map already there, as json.Unmarshal does: %#v", existing)
	}
	var m map[string]any
	if err := connector.DecodeJSON([]byte(`null`), &m); err != nil || m != nil {
		t.Fatalf("null: %#v, %v", m, err)
	}
	for _, c := range []struct {
		data string
		out  any
	}{{`[1]`, &m}, {`{"a":1}`, new([]any)}, {`[1]`, &list}, {`{"a":1}`, &list}} {
		if err := connector.DecodeJSON([]byte(c.data), c.out); err == nil || !strings.Contains(err.Error(), "cannot decode") {
			t.Errorf("%s into %T: %v, want a type error", c.data, c.out, err)
		}
	}
	// Typed values keep encoding/json's rules.
	var typed struct {
		N json.Number `json:"n"`
	}
	if err := connector.DecodeJSON([]byte(`{"n": 5}`), &typed); err != nil || typed.N != "5" {
		t.Fatalf("typed: %#v, %v", typed, err)
	}
}

// A 99minds customer answer, the most frequent body the manager decodes.
var customerBody = []byte(`{"code":200,"message":"OK","data":{"id":"customer_000123","name":"Jane Doe","email":"jane.doe@example.com","phone_number":"+1 555 0100","company":"Acme Corp","notes":"Prefers email. Ünïcode note.","client_customer_id":"7695268800123","created_at":"2024-01-01T02:03:00Z","updated_at":"2024-01-01T02:43:11Z","point_balance":1250.5,"visits":12}}`)

// BenchmarkDecodeJSON compares ParseJSON with the encoding/json path it
// replaced (Decoder with UseNumber, then NormalizeNumbers).
//
//	go test ./internal/connector -run '^$' -bench DecodeJSON -benchmem
func BenchmarkDecodeJSON(b *testing.B) {
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := connector.DecodeJSON(customerBody, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := reference(customerBody); !ok {
				b.Fatal("invalid")
			}
		}
	})
}
