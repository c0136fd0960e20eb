package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/mapping"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// Runtimes builds and caches the Syncer of each mapping, so that rules are
// compiled once per generation and connectors (with their token caches) are
// shared by every request. An entry is rebuilt when the mapping's generation
// or a referenced Secret or ConfigMap changes, which is how rotated
// credentials take effect without a restart.
type Runtimes struct {
	Client      client.Reader
	Registry    *connector.Registry
	Concurrency int
	Logger      logr.Logger
	// Build builds a flow from its inputs; nil is syncer.Build.
	Build func(syncer.Inputs) (syncer.Flow, error)
	// Quick is how many times a flow retries a brief transient failure
	// inside one attempt.
	Quick int
	// Fingerprints returns the store of a mapping's fingerprints; nil
	// leaves flows without one.
	Fingerprints func(*v1alpha1.CustomerMapping) syncer.FingerprintStore

	mu      sync.Mutex
	entries map[types.NamespacedName]runtimeEntry
}

type runtimeEntry struct {
	key  string
	flow syncer.Flow
}

// ReferenceError is a referenced Secret, Secret key or ConfigMap that is
// missing; the message names it and says what to do, never a value.
type ReferenceError struct {
	Reason  string
	Message string
}

func (e *ReferenceError) Error() string { return e.Message }

// Get returns the mapping's Flow, building it if anything it depends on
// changed since the last call.
func (r *Runtimes) Get(ctx context.Context, m *v1alpha1.CustomerMapping) (syncer.Flow, error) {
	if err := syncer.Check(m.Spec); err != nil {
		return nil, err // before any reference is read: nothing it names can help
	}
	in, key, err := r.inputs(ctx, m)
	if err != nil {
		return nil, err
	}
	name := types.NamespacedName{Namespace: m.Namespace, Name: m.Name}
	r.mu.Lock()
	if e, ok := r.entries[name]; ok && e.key == key {
		r.mu.Unlock()
		return e.flow, nil
	}
	r.mu.Unlock()

	build := r.Build
	if build == nil {
		build = syncer.Build
	}
	s, err := build(in)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = map[types.NamespacedName]runtimeEntry{}
	}
	r.entries[name] = runtimeEntry{key: key, flow: s}
	return s, nil
}

// Forget drops a deleted mapping's entry.
func (r *Runtimes) Forget(name types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, name)
}

// inputs reads what the mapping and its flow reference (the mappings
// syncer.References names, every credentials Secret, the lookup tables'
// ConfigMaps) and computes the cache key from their versions.
func (r *Runtimes) inputs(ctx context.Context, m *v1alpha1.CustomerMapping) (syncer.Inputs, string, error) {
	in := syncer.Inputs{
		Spec: m.Spec, Concurrency: r.Concurrency, QuickRetries: r.Quick, Logger: r.Logger, Registry: r.Registry,
		Secrets: map[string]map[string][]byte{}, Mappings: map[string]*v1alpha1.CustomerMappingSpec{},
		ConfigMaps: map[string]map[string]string{},
	}
	if r.Fingerprints != nil {
		in.Fingerprints = r.Fingerprints(m)
	}
	key := []string{string(m.UID), fmt.Sprint(m.Generation)}
	type named struct {
		prefix string // how messages name the spec: "spec", or the referenced mapping
		spec   *v1alpha1.CustomerMappingSpec
	}
	specs := []named{{"spec", &m.Spec}}
	for _, ref := range syncer.References(m.Spec) {
		other := &v1alpha1.CustomerMapping{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: m.Namespace, Name: ref.Name}, other); err != nil {
			if apierrors.IsNotFound(err) {
				return in, "", &ReferenceError{Reason: ref.Reason,
					Message: fmt.Sprintf("CustomerMapping %q named by %s does not exist in namespace %q; create it", ref.Name, ref.Field, m.Namespace)}
			}
			return in, "", err
		}
		in.Mappings[ref.Name] = &other.Spec
		key = append(key, "m:"+ref.Name+":"+string(other.UID)+":"+fmt.Sprint(other.Generation))
		specs = append(specs, named{fmt.Sprintf("the spec of CustomerMapping %q (%s)", ref.Name, ref.Field), &other.Spec})
	}
	for _, s := range specs {
		for _, ep := range []struct {
			field string
			ref   *v1alpha1.LocalObjectReference
		}{{".source.credentialsSecretRef", s.spec.Source.CredentialsSecretRef}, {".destination.credentialsSecretRef", s.spec.Destination.CredentialsSecretRef}} {
			if ep.ref == nil || in.Secrets[ep.ref.Name] != nil {
				continue
			}
			data, rv, err := r.secret(ctx, m.Namespace, ep.ref.Name, s.prefix+ep.field)
			if err != nil {
				return in, "", err
			}
			in.Secrets[ep.ref.Name] = data
			key = append(key, "s:"+ep.ref.Name+":"+rv)
		}
		for _, name := range mapping.ConfigMapNames(*s.spec) {
			if _, done := in.ConfigMaps[name]; done {
				continue
			}
			cm := &corev1.ConfigMap{}
			if err := r.Client.Get(ctx, types.NamespacedName{Namespace: m.Namespace, Name: name}, cm); err != nil {
				if apierrors.IsNotFound(err) {
					return in, "", &ReferenceError{Reason: v1alpha1.ReasonLookupTableNotFound,
						Message: fmt.Sprintf("ConfigMap %q named by a lookupTranslation.configMapRef does not exist in namespace %q; create it or fix the name", name, m.Namespace)}
				}
				return in, "", err
			}
			in.ConfigMaps[name] = cm.Data
			key = append(key, "c:"+name+":"+cm.ResourceVersion)
		}
	}
	return in, strings.Join(key, "/"), nil
}

// secret reads a credentials Secret's data.
func (r *Runtimes) secret(ctx context.Context, ns, name, field string) (map[string][]byte, string, error) {
	sec := &corev1.Secret{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", &ReferenceError{Reason: v1alpha1.ReasonCredentialsNotFound,
				Message: fmt.Sprintf("Secret %q named by %s does not exist in namespace %q; create it with the system's credential keys", name, field, ns)}
		}
		return nil, "", err
	}
	return sec.Data, sec.ResourceVersion, nil
}
