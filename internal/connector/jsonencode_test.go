package connector_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// FuzzEncodeJSON holds EncodeJSON to json.Marshal, byte for byte: trees
// parsed from the fuzzer's JSON, and its raw strings (invalid UTF-8 and
// all), floats and integers in the typed containers request bodies use.
func FuzzEncodeJSON(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s), "<a href=\"x\">&\u2028\x7f\x01\xff</a>", 1e-7, int64(-42))
	}
	f.Add(customerBody, "", 1e21, int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, data []byte, s string, fl float64, n int64) {
		values := []any{
			map[string]any{s: s, "f": fl, "n": n, "i": int(n), "b": true, "nil": nil,
				"list": []any{s, fl, []string{s, ""}, map[string]string{s: s}},
				"maps": []map[string]any{{s: fl}}, "pairs": []map[string]string{{"custom_field_name": s, "value": s}},
				"struct": struct {
					A string `json:"a"`
				}{s}},
			[]map[string]string(nil), map[string]any(nil), []any(nil),
		}
		if tree, err := connector.ParseJSON(data); err == nil {
			values = append(values, tree)
		}
		for _, v := range values {
			want, wantErr := json.Marshal(v)
			got, err := connector.EncodeJSON(v)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("EncodeJSON(%#v): err %v, json.Marshal's %v", v, err, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeJSON(%#v)\n = %s\nwant %s", v, got, want)
			}
		}
	})
}

func TestEncodeJSONRefusesWhatMarshalRefuses(t *testing.T) {
	for _, v := range []any{math.NaN(), map[string]any{"x": math.Inf(1)}, []any{make(chan int)}} {
		if _, err := connector.EncodeJSON(v); err == nil {
			t.Errorf("EncodeJSON(%#v) succeeded", v)
		}
	}
	cycle := map[string]any{}
	cycle["self"] = cycle
	if _, err := connector.EncodeJSON(cycle); err == nil {
		t.Error("a cyclic map was encoded")
	}
}

// BenchmarkEncodeJSON: an iPaaS.com create body, through EncodeJSON and
// through json.Marshal.
//
//	go test ./internal/connector -run '^$' -bench EncodeJSON -benchmem -count 3
func BenchmarkEncodeJSON(b *testing.B) {
	body := map[string]any{
		"first_name": "Jane", "last_name": "Doe", "email_address": "jane.doe@example.com",
		"company": "Acme Corp", "customer_number": "7695268800123", "phone": "+1 555 0100",
		"comment": "Prefers email. Ünïcode note.", "category_id": int64(3), "categories": []any{"loyalty", "vip"},
		"custom_fields": []map[string]string{{"custom_field_name": "LoyaltyPoints", "value": "1250.5"},
			{"custom_field_name": "Visits", "value": "12"}},
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := connector.EncodeJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
