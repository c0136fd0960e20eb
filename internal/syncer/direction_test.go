package syncer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/systems"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// reverseSpec is iPaaS.com → 99minds with one rule per required field.
func reverseSpec() v1alpha1.CustomerMappingSpec {
	return v1alpha1.CustomerMappingSpec{
		Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS, Endpoint: "http://127.0.0.1:1", CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "ipaas"}},
		Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds, Endpoint: "http://127.0.0.1:1", CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "nn"}},
		AddRules: []v1alpha1.Rule{
			{Type: v1alpha1.RuleField, SourceField: "email_address", Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldEmail}},
			{Type: v1alpha1.RuleField, SourceField: "first_name", Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldName}},
		},
	}
}

func build(spec v1alpha1.CustomerMappingSpec) (syncer.Flow, error) {
	return syncer.Build(syncer.Inputs{Spec: spec, Registry: connector.NewRegistry(), Secrets: map[string]map[string][]byte{
		"ipaas": {"apiKey": []byte("k")}, "nn": {"apiKey": []byte("k")}, "openai": {"apiKey": []byte("k")},
	}})
}

// unsupported asserts Build refused the spec as UnsupportedDirection,
// stalled, with a message naming want.
func unsupported(t *testing.T, err error, want ...string) {
	t.Helper()
	var p *syncer.Problem
	if !errors.As(err, &p) || p.Reason != v1alpha1.ReasonUnsupportedDirection || !p.Stalled {
		t.Fatalf("Build = %v, want a stalled UnsupportedDirection Problem", err)
	}
	for _, w := range want {
		if !strings.Contains(p.Message, w) {
			t.Errorf("message %q does not name %q", p.Message, w)
		}
	}
}

func TestReverseDirectionIsSupported(t *testing.T) {
	if _, err := build(reverseSpec()); err != nil {
		t.Fatalf("iPaaS.com → 99minds: %v", err)
	}
}

// The report: a 99minds destination that can find a record neither
// by link nor by natural key duplicated on every sync. The check reads only
// capabilities, so any system that lacks them is refused the same way.
func TestDestinationThatCannotFindWhatItWroteIsRefused(t *testing.T) {
	nn, _ := systems.Lookup(v1alpha1.SystemNinetyNineMinds)
	blind := *nn
	blind.Capabilities.FindByNaturalKey = false
	defer systems.ForceRegisterForTest(&blind)()
	_, err := build(reverseSpec())
	unsupported(t, err, "iPaaS.com → 99minds", "99minds cannot find a record it created before", "find by natural key")

	// The same destination behind a source that keeps no links either.
	ip, _ := systems.Lookup(v1alpha1.SystemIPaaS)
	noLinks := *ip
	noLinks.Capabilities.FindByLink = false
	defer systems.ForceRegisterForTest(&noLinks)()
	_, err = build(reverseSpec())
	unsupported(t, err, "neither system keeps external-id links")
}

func TestDestinationThatCannotUpdateIsRefused(t *testing.T) {
	nn, _ := systems.Lookup(v1alpha1.SystemNinetyNineMinds)
	writeOnce := *nn
	writeOnce.Capabilities.Update = false
	defer systems.ForceRegisterForTest(&writeOnce)()
	_, err := build(reverseSpec())
	unsupported(t, err, "99minds cannot update records")
}

// Asking a model about 99minds customers cannot work: the answer and its
// fingerprint are written back to the source, and 99minds has no custom
// fields.
func TestEnrichingASourceWithoutCustomFieldsIsRefused(t *testing.T) {
	spec := v1alpha1.CustomerMappingSpec{
		Source:             v1alpha1.SystemEndpoint{System: v1alpha1.SystemNinetyNineMinds, Endpoint: "http://127.0.0.1:1", CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "nn"}},
		Destination:        v1alpha1.SystemEndpoint{System: v1alpha1.SystemOpenAI, CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "openai"}},
		OpenAI:             &v1alpha1.OpenAISettings{Model: "gpt-4o-mini", ResponseFields: []v1alpha1.ResponseField{{Name: "Comment"}}},
		ResponseMappingRef: &v1alpha1.LocalObjectReference{Name: "answer"},
		AddRules: []v1alpha1.Rule{
			{Type: v1alpha1.RuleStatic, Value: ptr("Summarize."), Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldPromptText}},
			{Type: v1alpha1.RuleField, SourceField: "id", Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldCustomerNumber}},
		},
	}
	_, err := build(spec)
	unsupported(t, err, "99minds → OpenAI", "custom fields")
}

// A response mapping is refused as a sync request's mapping, and says which
// mapping to use instead.
func TestResponseMappingIsNotSyncable(t *testing.T) {
	spec := v1alpha1.CustomerMappingSpec{
		Source:      v1alpha1.SystemEndpoint{System: v1alpha1.SystemOpenAI},
		Destination: v1alpha1.SystemEndpoint{System: v1alpha1.SystemIPaaS, Endpoint: "http://127.0.0.1:1", CredentialsSecretRef: &v1alpha1.LocalObjectReference{Name: "ipaas"}},
		AddRules:    []v1alpha1.Rule{{Type: v1alpha1.RuleField, SourceField: "Comment", Destination: v1alpha1.RuleDestination{Field: v1alpha1.FieldComment}}},
	}
	flow, err := build(spec)
	if err != nil {
		t.Fatal(err)
	}
	var p *syncer.Problem
	if !errors.As(flow.Syncable(), &p) || p.Reason != v1alpha1.ReasonMappingNotSyncable {
		t.Fatalf("Syncable = %v", flow.Syncable())
	}
	if out := flow.Sync(context.Background(), "x", syncer.Options{}); out.Action != v1alpha1.ActionFailed || out.Reason != v1alpha1.ReasonMappingNotSyncable {
		t.Errorf("Sync = %+v", out)
	}
}

func ptr(s string) *string { return &s }
