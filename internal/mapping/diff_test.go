package mapping

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/customer"
)

func TestDiff(t *testing.T) {
	current := &customer.Record{ID: "158056", Payload: customer.Payload{
		Fields: map[string]any{
			"FirstName":  "Jane",
			"LastName":   "Doe",
			"CategoryId": float64(12), // as a connector may decode it
			"Company":    nil,
			"Comment":    "VIP",
			"Categories": []any{map[string]any{"id": float64(12), "name": "VIP"}},
			"Untouched":  "stays",
		},
		CustomFields: map[string]string{"Balance": "120", "Card": "c1", "Other": "x"},
	}}
	desired := customer.Payload{
		Fields: map[string]any{
			"FirstName":  "Jane",
			"LastName":   "van Doe",
			"CategoryId": "12", // equal by value
			"Company":    "",   // null and "" are equal
			"Comment":    int64(120),
			"Categories": []any{map[string]any{"id": int64(12), "name": "VIP"}},
		},
		CustomFields: map[string]string{"Balance": "120", "Card": "c2", "New": "yes"},
	}
	got := Diff(desired, current)
	want := []Change{
		{Field: "Comment", From: "VIP", To: "120"},
		{Field: "LastName", From: "Doe", To: "van Doe"},
		{Field: "Card", Custom: true, From: "c1", To: "c2"},
		{Field: "New", Custom: true, From: "", To: "yes"},
	}
	if !reflect.DeepEqual(got, want) {
		b, _ := json.Marshal(got)
		t.Errorf("Diff = %s", b)
	}
}

func TestDiffValues(t *testing.T) {
	cases := []struct {
		a, b any
		same bool
	}{
		{"120", int64(120), true},
		{"120.0", int64(120), true},
		{float64(120), int64(120), true},
		{"00120", "120", false}, // two strings compare as text: a customer number keeps its zeros
		{"12.5", 12.5, true},
		{"abc", int64(1), false},
		{true, "true", true},
		{nil, "", true},
		{nil, int64(0), false},
		{[]any{"a"}, []any{"a"}, true},
		{[]any{"a"}, "a", false},
		{json.Number("7"), int64(7), true},
		{int64(9007199254740993), int64(9007199254740992), false},
	}
	for _, tc := range cases {
		if got := sameValue(tc.a, tc.b); got != tc.same {
			t.Errorf("sameValue(%#v, %#v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestDiffNoRecordAndNoChange(t *testing.T) {
	p := customer.Payload{Fields: map[string]any{"EmailAddress": "a@example.com", "Comment": ""}, CustomFields: map[string]string{"X": "1"}}
	got := Diff(p, nil)
	if len(got) != 2 || got[0].Field != "EmailAddress" || got[1].Field != "X" {
		t.Errorf("Diff against no record = %+v", got)
	}
	rec := &customer.Record{Payload: customer.Payload{Fields: map[string]any{"EmailAddress": "a@example.com"}, CustomFields: map[string]string{"X": "1"}}}
	if got := Diff(p, rec); len(got) != 0 {
		t.Errorf("nothing changes, got %+v", got)
	}
}
