package mapping

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector/systems"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// systemsOf looks up a spec's systems, as the syncer does; an unknown
// system is left nil so Compile reports it.
func systemsOf(s v1alpha1.CustomerMappingSpec) Systems {
	src, _ := systems.Lookup(s.Source.System)
	dst, _ := systems.Lookup(s.Destination.System)
	return Systems{Source: src, Destination: dst}
}

// compileSpec compiles a spec against its registered systems.
func compileSpec(s v1alpha1.CustomerMappingSpec, opts ...Option) (*Program, error) {
	return Compile(s, systemsOf(s), opts...)
}

// The sample files are the seed collections; tests load those very files so
// that what users apply is what is tested.
const (
	sampleNinetyNineMinds = "sync_v1alpha1_customermapping_ninetynineminds_to_ipaas.yaml"
	sampleIPaaSToOpenAI   = "sync_v1alpha1_customermapping_ipaas_to_openai.yaml"
	sampleOpenAIToIPaaS   = "sync_v1alpha1_customermapping_openai_to_ipaas.yaml"
	// sampleIPaaSToNinetyNineMinds is the reverse flow.
	sampleIPaaSToNinetyNineMinds = "sync_v1alpha1_customermapping_ipaas_to_ninetynineminds.yaml"
)

func loadSample(tb testing.TB, file string) v1alpha1.CustomerMapping {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", file))
	if err != nil {
		tb.Fatal(err)
	}
	var m v1alpha1.CustomerMapping
	if err := yaml.UnmarshalStrict(b, &m); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return m
}

func compileSample(tb testing.TB, file string) *Program {
	tb.Helper()
	p, err := compileSpec(loadSample(tb, file).Spec)
	if err != nil {
		tb.Fatalf("%s does not compile: %v", file, err)
	}
	return p
}

// loadRecord decodes a testdata document as the connectors do: numbers as float64.
func loadRecord(tb testing.TB, name string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// spec builds a small IPaaS-destination spec around rules.
func spec(rules ...v1alpha1.Rule) v1alpha1.CustomerMappingSpec {
	return v1alpha1.CustomerMappingSpec{
		Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds},
		Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS},
		AddRules:    rules,
	}
}

func ptr(s string) *string { return &s }

func field(dest v1alpha1.DestinationField) v1alpha1.RuleDestination {
	return v1alpha1.RuleDestination{Field: dest}
}

func custom(name string) v1alpha1.RuleDestination {
	return v1alpha1.RuleDestination{CustomField: name}
}

func formulaRule(f string, d v1alpha1.RuleDestination) v1alpha1.Rule {
	return v1alpha1.Rule{Type: v1alpha1.RuleDynamicFormula, Formula: f, Destination: d}
}

func fieldRule(path string, d v1alpha1.RuleDestination) v1alpha1.Rule {
	return v1alpha1.Rule{Type: v1alpha1.RuleField, SourceField: path, Destination: d}
}

func staticRule(v string, d v1alpha1.RuleDestination) v1alpha1.Rule {
	return v1alpha1.Rule{Type: v1alpha1.RuleStatic, Value: &v, Destination: d}
}

func mustCompile(tb testing.TB, s v1alpha1.CustomerMappingSpec, opts ...Option) *Program {
	tb.Helper()
	p, err := compileSpec(s, opts...)
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	return p
}

// recordErr asserts err is a *customer.RecordError with reason whose message names want.
func recordErr(tb testing.TB, err error, reason string, want ...string) *customer.RecordError {
	tb.Helper()
	var re *customer.RecordError
	if !errors.As(err, &re) {
		tb.Fatalf("error %v (%T) is not a *customer.RecordError", err, err)
	}
	if re.Reason != reason {
		tb.Fatalf("reason = %q, want %q (message %q)", re.Reason, reason, re.Message)
	}
	for _, w := range want {
		if !strings.Contains(re.Message, w) {
			tb.Fatalf("message %q does not mention %q", re.Message, w)
		}
	}
	return re
}

// Validate applies a system's caveats, as Program.Validate does for the
// destination of a compiled mapping.
func Validate(system v1alpha1.SystemType, p customer.Payload, set RuleSet) error {
	d, err := systems.Lookup(system)
	if err != nil || d.Validate == nil {
		return err
	}
	return d.Validate(p, set == Add)
}

// NormalizeSource applies a system's source normalization, as
// Program.NormalizeSource does for the source of a compiled mapping.
func NormalizeSource(system v1alpha1.SystemType, doc map[string]any) error {
	d, err := systems.Lookup(system)
	if err != nil || d.Normalize == nil || doc == nil {
		return err
	}
	return d.Normalize(doc)
}
