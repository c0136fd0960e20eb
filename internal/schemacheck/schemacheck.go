// Package schemacheck checks a manifest offline as the API server's
// admission would: defaults, unknown fields, the OpenAPI schema and the
// CEL rules of the operator's CRDs.
package schemacheck

import (
	"context"
	"fmt"
	"io/fs"
	"sync"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/customersync/customer-sync-operator/config/crd"
)

// version is one served version's schema, ready to check objects with.
type version struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
	cel        *cel.Validator
}

var (
	loadOnce sync.Once
	versions map[schema.GroupVersionKind]*version
	loadErr  error
)

// Knows reports whether gvk is one of the operator's kinds.
func Knows(gvk schema.GroupVersionKind) bool {
	if err := load(); err != nil {
		return false
	}
	return versions[gvk] != nil
}

// Check defaults obj in place and returns what admission would refuse:
// unknown fields, schema violations and failed CEL rules, each with its
// field path. obj is the manifest as decoded from JSON or YAML.
func Check(gvk schema.GroupVersionKind, obj map[string]any) (field.ErrorList, error) {
	if err := load(); err != nil {
		return nil, err
	}
	v := versions[gvk]
	if v == nil {
		return nil, fmt.Errorf("%s is not a kind of this operator", gvk)
	}
	var errs field.ErrorList
	unknown := pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		errs = append(errs, field.NotSupported[string](field.NewPath(p), "", nil))
	}
	defaulting.Default(obj, v.structural)
	errs = append(errs, validation.ValidateCustomResource(nil, obj, v.validator)...)
	celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...), nil
}

func load() error {
	loadOnce.Do(func() { versions, loadErr = loadCRDs(crd.Bases) })
	return loadErr
}

func loadCRDs(fsys fs.FS) (map[schema.GroupVersionKind]*version, error) {
	files, err := fs.Glob(fsys, "bases/*.yaml")
	if err != nil {
		return nil, err
	}
	out := map[schema.GroupVersionKind]*version{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var c apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(data, &c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, ver := range c.Spec.Versions {
			if ver.Schema == nil || ver.Schema.OpenAPIV3Schema == nil {
				continue
			}
			internal := &apiextensions.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(ver.Schema.OpenAPIV3Schema, internal, nil); err != nil {
				return nil, fmt.Errorf("%s %s: %w", f, ver.Name, err)
			}
			s, err := structuralschema.NewStructural(internal)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", f, ver.Name, err)
			}
			validator, _, err := validation.NewSchemaValidator(internal)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", f, ver.Name, err)
			}
			gvk := schema.GroupVersionKind{Group: c.Spec.Group, Version: ver.Name, Kind: c.Spec.Names.Kind}
			out[gvk] = &version{structural: s, validator: validator, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
		}
	}
	return out, nil
}
