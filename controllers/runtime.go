package controllers

import (
	"context"
	"fmt"
	"sort"
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

	mu      sync.Mutex
	entries map[types.NamespacedName]runtimeEntry
}

type runtimeEntry struct {
	key    string
	syncer *syncer.Syncer
}

// ReferenceError is a referenced Secret, Secret key or ConfigMap that is
// missing; the message names it and says what to do, never a value.
type ReferenceError struct {
	Reason  string
	Message string
}

func (e *ReferenceError) Error() string { return e.Message }

// Get returns the mapping's Syncer, building it if anything it depends on
// changed since the last call.
func (r *Runtimes) Get(ctx context.Context, m *v1alpha1.CustomerMapping) (*syncer.Syncer, error) {
	in, key, err := r.inputs(ctx, m)
	if err != nil {
		return nil, err
	}
	name := types.NamespacedName{Namespace: m.Namespace, Name: m.Name}
	r.mu.Lock()
	if e, ok := r.entries[name]; ok && e.key == key {
		r.mu.Unlock()
		return e.syncer, nil
	}
	r.mu.Unlock()

	s, err := syncer.Build(in)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = map[types.NamespacedName]runtimeEntry{}
	}
	r.entries[name] = runtimeEntry{key: key, syncer: s}
	return s, nil
}

// Forget drops a deleted mapping's entry.
func (r *Runtimes) Forget(name types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.entries, name)
}

// inputs reads what the mapping references and computes the cache key from
// the resource versions of all of it.
func (r *Runtimes) inputs(ctx context.Context, m *v1alpha1.CustomerMapping) (syncer.Inputs, string, error) {
	in := syncer.Inputs{
		Spec: m.Spec, Concurrency: r.Concurrency, Logger: r.Logger, Registry: r.Registry,
		ConfigMaps: map[string]map[string]string{},
	}
	key := []string{string(m.UID), fmt.Sprint(m.Generation)}
	var err error
	if ref := m.Spec.Source.CredentialsSecretRef; ref != nil && m.Spec.Source.System != v1alpha1.SystemOpenAI {
		var rv string
		if in.SourceCredentials, rv, err = r.secret(ctx, m.Namespace, ref.Name, "spec.source.credentialsSecretRef"); err != nil {
			return in, "", err
		}
		key = append(key, "s:"+rv)
	}
	if ref := m.Spec.Destination.CredentialsSecretRef; ref != nil {
		var rv string
		if in.DestinationCredentials, rv, err = r.secret(ctx, m.Namespace, ref.Name, "spec.destination.credentialsSecretRef"); err != nil {
			return in, "", err
		}
		key = append(key, "d:"+rv)
	}
	if m.Spec.Destination.System == v1alpha1.SystemOpenAI && m.Spec.ResponseMappingRef != nil {
		resp, rv, err := r.responseMapping(ctx, m)
		if err != nil {
			return in, "", err
		}
		in.Response = &resp.Spec
		key = append(key, "r:"+string(resp.UID)+":"+fmt.Sprint(resp.Generation))
		if ref := resp.Spec.Destination.CredentialsSecretRef; ref != nil {
			if in.ResponseCredentials, rv, err = r.secret(ctx, m.Namespace, ref.Name, "the response mapping's spec.destination.credentialsSecretRef"); err != nil {
				return in, "", err
			}
			key = append(key, "rs:"+rv)
		}
	}
	names := mapping.ConfigMapNames(m.Spec)
	sort.Strings(names)
	for _, name := range names {
		cm := &corev1.ConfigMap{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: m.Namespace, Name: name}, cm); err != nil {
			if apierrors.IsNotFound(err) {
				return in, "", &ReferenceError{Reason: ReasonLookupTableNotFound,
					Message: fmt.Sprintf("ConfigMap %q named by a lookupTranslation.configMapRef does not exist in namespace %q; create it or fix the name", name, m.Namespace)}
			}
			return in, "", err
		}
		in.ConfigMaps[name] = cm.Data
		key = append(key, "c:"+name+":"+cm.ResourceVersion)
	}
	return in, strings.Join(key, "/"), nil
}

// responseMapping reads and checks the mapping that writes the model's
// answer back.
func (r *Runtimes) responseMapping(ctx context.Context, m *v1alpha1.CustomerMapping) (*v1alpha1.CustomerMapping, string, error) {
	name := m.Spec.ResponseMappingRef.Name
	resp := &v1alpha1.CustomerMapping{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: m.Namespace, Name: name}, resp); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", &ReferenceError{Reason: v1alpha1.ReasonResponseMappingInvalid,
				Message: fmt.Sprintf("CustomerMapping %q named by spec.responseMappingRef does not exist in namespace %q; create it (source OpenAI, destination IPaaS)", name, m.Namespace)}
		}
		return nil, "", err
	}
	if resp.Spec.Source.System != v1alpha1.SystemOpenAI || resp.Spec.Destination.System != v1alpha1.SystemIPaaS {
		return nil, "", &ReferenceError{Reason: v1alpha1.ReasonResponseMappingInvalid,
			Message: fmt.Sprintf("CustomerMapping %q named by spec.responseMappingRef must have source OpenAI and destination IPaaS, not %s and %s",
				name, resp.Spec.Source.System, resp.Spec.Destination.System)}
	}
	return resp, resp.ResourceVersion, nil
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

// ReasonLookupTableNotFound: a lookup table's ConfigMap is missing.
const ReasonLookupTableNotFound = "LookupTableNotFound"
