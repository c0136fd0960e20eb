package syncer

import (
	"fmt"
	"strings"

	"github.com/go-logr/logr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	"github.com/customersync/customer-sync-operator/internal/connector/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Inputs are everything a Syncer is built from: the mapping's spec and the
// data of the objects it references, already read by the caller.
type Inputs struct {
	Spec v1alpha1.CustomerMappingSpec
	// SourceCredentials and DestinationCredentials are the referenced
	// Secrets' data.
	SourceCredentials      map[string][]byte
	DestinationCredentials map[string][]byte
	// Response is the response mapping's spec, for a mapping whose
	// destination is OpenAI, and ResponseCredentials its destination's Secret.
	Response            *v1alpha1.CustomerMappingSpec
	ResponseCredentials map[string][]byte
	// ConfigMaps are the lookup tables' ConfigMaps' data by name.
	ConfigMaps map[string]map[string]string
	// Concurrency is how many records are synced at once; it sizes the
	// connection pools.
	Concurrency int
	Logger      logr.Logger
	Registry    *connector.Registry
}

// Build compiles the mapping and builds its connectors. A compile error is
// returned as is (mapping.CompileErrors lists its parts); a connector
// configuration error is a *connector.Error of kind InvalidConfig.
func Build(in Inputs) (*Syncer, error) {
	prog, err := mapping.Compile(in.Spec, mapping.WithConfigMaps(in.ConfigMaps))
	if err != nil {
		return nil, err
	}
	s := &Syncer{
		Program:           prog,
		SourceSystem:      in.Spec.Source.System,
		DestinationSystem: in.Spec.Destination.System,
		Collision:         in.Spec.CollisionHandling,
		Target:            string(in.Spec.Destination.System) + " " + strings.TrimRight(in.Spec.Destination.Endpoint, "/"),
	}
	if s.Collision == "" {
		s.Collision = v1alpha1.CollisionUpdateAndLink
	}
	if s.SourceSystem != v1alpha1.SystemOpenAI {
		src, err := newConnector(in.Spec.Source, in.SourceCredentials, in)
		if err != nil {
			return nil, err
		}
		s.Source = src
	}
	if s.DestinationSystem == v1alpha1.SystemOpenAI {
		e, err := buildEnrichment(in, s.Source)
		if err != nil {
			return nil, err
		}
		s.Enrichment = e
		return s, nil
	}
	dst, err := newConnector(in.Spec.Destination, in.DestinationCredentials, in)
	if err != nil {
		return nil, err
	}
	s.Destination = dst
	return s, nil
}

// DefaultFingerprintField is used when the mapping names none.
const DefaultFingerprintField = "OpenAI Request Fingerprint"

// buildEnrichment builds the model client, compiles the response mapping
// and builds the connector that writes the answer back.
func buildEnrichment(in Inputs, source connector.Source) (*Enrichment, error) {
	settings := in.Spec.OpenAI
	if settings == nil || in.Response == nil {
		return nil, connector.InvalidConfig(openai.System, "a mapping to OpenAI needs spec.openAI and a response mapping")
	}
	store, ok := source.(connector.Destination)
	if !ok || in.Spec.Source.System != v1alpha1.SystemIPaaS {
		return nil, connector.InvalidConfig(openai.System, "a mapping to OpenAI reads its customers from IPaaS")
	}
	base := connector.ConfigFromEndpoint(in.Spec.Destination, in.DestinationCredentials)
	base.Concurrency, base.Logger, base.Registry = in.Concurrency, in.Logger, in.Registry
	model, err := openai.New(openai.ConfigFrom(base, *settings))
	if err != nil {
		return nil, err
	}
	resp, err := mapping.Compile(*in.Response, mapping.WithConfigMaps(in.ConfigMaps))
	if err != nil {
		return nil, fmt.Errorf("response mapping: %w", err)
	}
	writer, err := newConnector(in.Response.Destination, in.ResponseCredentials, in)
	if err != nil {
		return nil, err
	}
	e := &Enrichment{
		Model: model, Response: resp, ResponseFields: settings.ResponseFields,
		FingerprintField: settings.FingerprintField, Store: store, Writer: writer,
	}
	if e.FingerprintField == "" {
		e.FingerprintField = DefaultFingerprintField
	}
	for _, r := range in.Spec.AddRules {
		if r.Destination.Field != "" {
			e.FieldOrder = append(e.FieldOrder, string(r.Destination.Field))
		} else {
			e.FieldOrder = append(e.FieldOrder, r.Destination.CustomField)
		}
	}
	return e, nil
}

// both is a connector that reads and writes.
type both interface {
	connector.Source
	connector.Destination
}

// newConnector builds the connector of one end of a mapping.
func newConnector(ep v1alpha1.SystemEndpoint, creds map[string][]byte, in Inputs) (both, error) {
	cfg := connector.ConfigFromEndpoint(ep, creds)
	cfg.Concurrency, cfg.Logger, cfg.Registry = in.Concurrency, in.Logger, in.Registry
	switch ep.System {
	case v1alpha1.SystemNinetyNineMinds:
		return ninetynineminds.New(ninetynineminds.Config{Config: cfg})
	case v1alpha1.SystemIPaaS:
		return ipaas.New(ipaas.Config{Config: cfg})
	default:
		return nil, connector.InvalidConfig(string(ep.System), fmt.Sprintf("system %s cannot be read or written record by record", ep.System))
	}
}
