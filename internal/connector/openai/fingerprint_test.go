package openai_test

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

func fingerprint(t *testing.T, model string, req openai.Request) string {
	t.Helper()
	fp, err := openai.Fingerprint(model, req)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func TestFingerprintIsStableAndSchemaOrderFree(t *testing.T) {
	base := fingerprint(t, "gpt-4o-mini", request(prompt))
	if b, err := hex.DecodeString(base); err != nil || len(b) != 32 {
		t.Fatalf("not a hex SHA-256: %q", base)
	}
	if again := fingerprint(t, "gpt-4o-mini", request(prompt)); again != base {
		t.Error("not stable")
	}
	if def := fingerprint(t, " ", request(prompt)); def != base {
		t.Error("an empty model is not the default model")
	}
	reordered := request(prompt)
	slices.Reverse(reordered.ResponseFields)
	slices.Reverse(reordered.ResponseFields[3].Enum) // Known To Film, now fourth
	if got := fingerprint(t, "gpt-4o-mini", reordered); got != base {
		t.Error("the order of response fields or enum values changed the fingerprint")
	}
	// A string response field without a type is a String.
	untyped := request(prompt)
	untyped.ResponseFields[0].Type = ""
	if got := fingerprint(t, "gpt-4o-mini", untyped); got != base {
		t.Error("an untyped field is not a String")
	}
}

func TestFingerprintChangesWithEachInput(t *testing.T) {
	base := fingerprint(t, "gpt-4o-mini", request(prompt))
	edits := map[string]func(*openai.Request) string{
		"model":        func(*openai.Request) string { return "gpt-4o" },
		"prompt":       func(r *openai.Request) string { r.Prompt += "!"; return "" },
		"field value":  func(r *openai.Request) string { r.Fields[1].Value = "Joan"; return "" },
		"field string": func(r *openai.Request) string { r.Fields[0].Value = "10045"; return "" },
		"field number": func(r *openai.Request) string { r.Fields[0].Value = 10045; return "" },
		"field name":   func(r *openai.Request) string { r.Fields[1].Name = "GivenName"; return "" },
		"field added": func(r *openai.Request) string {
			r.Fields = append(r.Fields, openai.Field{Name: "Phone", Value: nil})
			return ""
		},
		"field removed": func(r *openai.Request) string { r.Fields = r.Fields[:5]; return "" },
		"field order":   func(r *openai.Request) string { r.Fields[0], r.Fields[1] = r.Fields[1], r.Fields[0]; return "" },
		"response name": func(r *openai.Request) string { r.ResponseFields[0].Name = "Summary"; return "" },
		"response type": func(r *openai.Request) string { r.ResponseFields[2].Type = v1alpha1.ResponseFieldNumber; return "" },
		"response enum": func(r *openai.Request) string {
			r.ResponseFields[1].Enum = []string{"TRUE", "FALSE", "UNKNOWN"}
			return ""
		},
		"description": func(r *openai.Request) string { r.ResponseFields[0].Description = "Two bullets."; return "" },
		"response added": func(r *openai.Request) string {
			r.ResponseFields = append(r.ResponseFields, v1alpha1.ResponseField{Name: "Tier"})
			return ""
		},
	}
	seen := map[string]string{base: "base"}
	for name, edit := range edits {
		req := request(prompt)
		model := "gpt-4o-mini"
		if m := edit(&req); m != "" {
			model = m
		}
		fp := fingerprint(t, model, req)
		if prev, dup := seen[fp]; dup {
			t.Errorf("%s: same fingerprint as %s", name, prev)
		}
		seen[fp] = name
	}
}

// The fingerprint does not depend on how the model is reached or tuned.
func TestClientFingerprint(t *testing.T) {
	s := start(t, sim.Options{})
	cfg := config(s)
	cfg.Model, cfg.Temperature = "gpt-4o", "0.7"
	got, err := newClient(t, cfg).Fingerprint(request(prompt))
	if err != nil || got != fingerprint(t, "gpt-4o", request(prompt)) {
		t.Errorf("%q %v", got, err)
	}
	if s.Count() != 0 {
		t.Error("Fingerprint sent a request")
	}
}
