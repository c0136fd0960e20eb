package syncer

import (
	"fmt"
	"strings"

	"github.com/go-logr/logr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/systems"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Inputs are everything a Flow is built from: the mapping's spec and the
// data of the objects it and its flow reference, already read by the caller.
type Inputs struct {
	Spec v1alpha1.CustomerMappingSpec
	// Secrets are the data of the credentials Secrets that the mapping and
	// the mappings in Mappings name, by Secret name.
	Secrets map[string]map[string][]byte
	// Mappings are the specs of the mappings References lists, by name.
	Mappings map[string]*v1alpha1.CustomerMappingSpec
	// ConfigMaps are the lookup tables' ConfigMaps' data by name.
	ConfigMaps map[string]map[string]string
	// Concurrency is how many records are synced at once; it sizes the
	// connection pools.
	Concurrency int
	// QuickRetries is how many times Sync retries a brief transient
	// failure at once, inside one attempt.
	QuickRetries int
	// Fingerprints keeps the enrich flow's fingerprints where the source
	// has no custom field for them; nil requires the custom field.
	Fingerprints FingerprintStore
	Logger       logr.Logger
	Registry     *connector.Registry
}

// Reference is another CustomerMapping a flow uses: the enrich flow's
// response mapping.
type Reference struct {
	Name string
	// Field is where the spec names it, for messages.
	Field string
	// Reason is the Ready reason when it is missing or unusable.
	Reason string
}

// References lists the mappings the spec's flow uses, so the caller reads
// them (and the Secrets they name) into Inputs and watches them.
func References(spec v1alpha1.CustomerMappingSpec) []Reference {
	dst, err := systems.Lookup(spec.Destination.System)
	if err != nil || !dst.Capabilities.Model || spec.ResponseMappingRef == nil {
		return nil
	}
	return []Reference{{Name: spec.ResponseMappingRef.Name, Field: "spec.responseMappingRef", Reason: v1alpha1.ReasonResponseMappingInvalid}}
}

// Build checks the mapping against its systems' capabilities, compiles its
// rules and builds its connectors. A compile error is returned as is
// (mapping.CompileErrors lists its parts); a mapping its systems cannot run
// is a *Problem; a connector configuration error is a *connector.Error of
// kind InvalidConfig.
func Build(in Inputs) (Flow, error) {
	sys, err := lookup(in.Spec)
	if err != nil {
		return nil, err
	}
	kind := flowOf(sys)
	if err := kind.check(sys); err != nil {
		return nil, err
	}
	prog, err := mapping.Compile(in.Spec, sys, mapping.WithConfigMaps(in.ConfigMaps))
	if err != nil {
		return nil, err
	}
	switch kind {
	case flowEnrich:
		return buildEnrich(in, sys, prog)
	case flowWriteBack:
		return buildWriteBack(in, sys, prog)
	default:
		return buildTransfer(in, sys, prog)
	}
}

// Check refuses, from the spec alone, a mapping its systems cannot run, so
// the caller can say so before reading anything the mapping names.
func Check(spec v1alpha1.CustomerMappingSpec) error {
	sys, err := lookup(spec)
	if err != nil {
		return err
	}
	return flowOf(sys).check(sys)
}

// Compile checks the mapping against its systems and compiles its rules,
// building no connector and reading no Secret: what can be known of a
// mapping offline (kubectl customersync validate). configMaps are the
// lookup tables' data by ConfigMap name.
func Compile(spec v1alpha1.CustomerMappingSpec, configMaps map[string]map[string]string) error {
	if err := Check(spec); err != nil {
		return err
	}
	sys, _ := lookup(spec)
	_, err := mapping.Compile(spec, sys, mapping.WithConfigMaps(configMaps))
	return err
}

// flowKind is the flow a mapping runs, chosen from its systems.
type flowKind int

const (
	// flowTransfer moves records from the source to the destination.
	flowTransfer flowKind = iota
	// flowEnrich asks a model about a record and writes the answer back.
	flowEnrich
	// flowWriteBack is a response mapping: the enrich flow's second half.
	flowWriteBack
)

func flowOf(sys mapping.Systems) flowKind {
	switch {
	case sys.Destination.Capabilities.Model:
		return flowEnrich
	case !sys.Source.Capabilities.ReadByID:
		return flowWriteBack
	}
	return flowTransfer
}

func (k flowKind) check(sys mapping.Systems) error {
	switch k {
	case flowEnrich:
		return checkEnrich(sys)
	case flowWriteBack:
		return checkWriteBack(sys)
	}
	return checkTransfer(sys)
}

func lookup(spec v1alpha1.CustomerMappingSpec) (mapping.Systems, error) {
	src, err := systems.Lookup(spec.Source.System)
	if err != nil {
		return mapping.Systems{}, unsupported("spec.source.system: %v", err)
	}
	dst, err := systems.Lookup(spec.Destination.System)
	if err != nil {
		return mapping.Systems{}, unsupported("spec.destination.system: %v", err)
	}
	return mapping.Systems{Source: src, Destination: dst}, nil
}

// unsupported is the Problem of a mapping its systems cannot run.
func unsupported(format string, args ...any) *Problem {
	return &Problem{Reason: v1alpha1.ReasonUnsupportedDirection, Message: fmt.Sprintf(format, args...), Stalled: true}
}

// checkTransfer refuses a direction that cannot move every record exactly
// once. It reads only capabilities, so every pair of systems, and every
// future connector, gets the same check.
func checkTransfer(sys mapping.Systems) error {
	src, dst := sys.Source.Capabilities, sys.Destination.Capabilities
	dir := sys.Source.Name + " → " + sys.Destination.Name
	var lacks []string
	if !dst.Create {
		lacks = append(lacks, "create")
	}
	if !dst.Update {
		lacks = append(lacks, "update")
	}
	if len(lacks) > 0 {
		return unsupported("%s: %s cannot %s records; choose a destination that stores customers",
			dir, sys.Destination.Name, strings.Join(lacks, " or "))
	}
	if !dst.FindByNaturalKey {
		links := "neither system keeps external-id links and"
		if src.FindByLink || dst.FindByLink {
			links = "a link is written only after the create, and"
		}
		return unsupported("%s: %s cannot find a record it created before: %s %s has no find by natural key, "+
			"so a sync (or a retry after a crash) would create the customer again; this direction is not supported",
			dir, sys.Destination.Name, links, sys.Destination.Name)
	}
	return nil
}

// connect builds the connector of one end of a mapping and checks that it
// implements what its descriptor promises.
func connect(d *connector.Descriptor, ep v1alpha1.SystemEndpoint, spec *v1alpha1.CustomerMappingSpec, in Inputs) (connector.Validator, error) {
	var creds map[string][]byte
	if ep.CredentialsSecretRef != nil {
		creds = in.Secrets[ep.CredentialsSecretRef.Name]
	}
	cfg := connector.ConfigFromEndpoint(ep, creds)
	cfg.Concurrency, cfg.Logger, cfg.Registry = in.Concurrency, in.Logger, in.Registry
	return d.New(cfg, spec)
}

// as returns the connector as the interface a capability needs.
func as[T any](d *connector.Descriptor, c connector.Validator, what string) (T, error) {
	t, ok := c.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("the %s connector does not implement %s, which its descriptor promises", d.Name, what)
	}
	return t, nil
}

// target identifies a destination (system and endpoint), so that transfers
// of one record to one destination never run at once.
func target(d *connector.Descriptor, ep v1alpha1.SystemEndpoint) string {
	return d.Name + " " + strings.TrimRight(ep.Endpoint, "/")
}
