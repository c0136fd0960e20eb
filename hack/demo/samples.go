package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// keys are the simulators' API keys, which the sample Secrets get instead
// of their placeholders.
type keys struct{ nn, ipaas, openai string }

// endpoints are the simulators' base URLs.
type endpoints struct{ nn, ipaas, openai string }

// loadSamples reads the objects config/samples/kustomization.yaml lists, in
// its order, so the demo applies exactly what `kubectl apply -k` would.
func loadSamples(dir string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s/kustomization.yaml: %w", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range k.Resources {
		data, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", r, err)
			}
			if len(u.Object) == 0 { // an empty document between two ---
				continue
			}
			objs = append(objs, u)
		}
	}
	return objs, nil
}

// pointAtSimulators rewrites the samples for the demo namespace: every
// mapping's endpoints go to the simulators (OpenAI's with /v1, as the
// OpenAI API has it), and each Secret a mapping references gets the key of
// the system it authenticates to. It fails when a sample would still reach
// a real service or carry a placeholder key.
func pointAtSimulators(objs []*unstructured.Unstructured, ns string, ep endpoints, k keys) error {
	secretSystem := map[string]string{}
	secretNames := map[string]bool{}
	for _, o := range objs {
		o.SetNamespace(ns)
		switch o.GetKind() {
		case "Secret":
			secretNames[o.GetName()] = true
		case "CustomerMapping":
			for _, side := range []string{"source", "destination"} {
				system, _, _ := unstructured.NestedString(o.Object, "spec", side, "system")
				ref, hasRef, _ := unstructured.NestedString(o.Object, "spec", side, "credentialsSecretRef", "name")
				var url string
				switch v1alpha1.SystemType(system) {
				case v1alpha1.SystemNinetyNineMinds:
					url = ep.nn
				case v1alpha1.SystemIPaaS:
					url = ep.ipaas
				case v1alpha1.SystemOpenAI:
					// A response mapping's OpenAI source is the answer
					// handed over by the request mapping: nothing to call.
					if hasRef {
						url = ep.openai + "/v1"
					}
				default:
					return fmt.Errorf("mapping %s: %s system %q is not one the simulators serve", o.GetName(), side, system)
				}
				if url != "" {
					if err := unstructured.SetNestedField(o.Object, url, "spec", side, "endpoint"); err != nil {
						return fmt.Errorf("mapping %s: %w", o.GetName(), err)
					}
				}
				if hasRef {
					if prev, ok := secretSystem[ref]; ok && prev != system {
						return fmt.Errorf("Secret %s is used for both %s and %s", ref, prev, system)
					}
					secretSystem[ref] = system
				}
			}
		}
	}
	for ref := range secretSystem {
		if !secretNames[ref] {
			return fmt.Errorf("a sample mapping references Secret %q, which config/samples does not define", ref)
		}
	}
	for _, o := range objs {
		if o.GetKind() != "Secret" {
			continue
		}
		system, ok := secretSystem[o.GetName()]
		if !ok {
			continue
		}
		key := map[v1alpha1.SystemType]string{
			v1alpha1.SystemNinetyNineMinds: k.nn, v1alpha1.SystemIPaaS: k.ipaas, v1alpha1.SystemOpenAI: k.openai,
		}[v1alpha1.SystemType(system)]
		// Only apiKey: the simulators are set up for API keys, not sign-in.
		unstructured.RemoveNestedField(o.Object, "data")
		if err := unstructured.SetNestedStringMap(o.Object, map[string]string{"apiKey": key}, "stringData"); err != nil {
			return err
		}
	}
	return nil
}
