// Package systems is the one list of the systems the operator supports.
// Adding a system is a connector package with a Descriptor and one line
// here; everything else (the mapping engine, the syncer, the receiver, the
// controllers) looks the descriptor up.
package systems

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	"github.com/customersync/customer-sync-operator/internal/connector/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
)

var (
	mu       sync.RWMutex
	registry = map[v1alpha1.SystemType]*connector.Descriptor{}
)

func init() {
	Register(ninetynineminds.Descriptor())
	Register(ipaas.Descriptor())
	Register(openai.Descriptor())
}

// Register adds a system. A second system of the same type is a
// programming error and panics, as external-secrets' provider registry does.
func Register(d *connector.Descriptor) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[d.Type]; dup {
		panic(fmt.Sprintf("systems: %s is registered twice", d.Type))
	}
	registry[d.Type] = d
}

// ForceRegisterForTest replaces (or adds) a system's descriptor until the
// returned function restores the previous one. Tests only.
func ForceRegisterForTest(d *connector.Descriptor) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	prev, had := registry[d.Type]
	registry[d.Type] = d
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if had {
			registry[d.Type] = prev
		} else {
			delete(registry, d.Type)
		}
	}
}

// Lookup returns a system's descriptor.
func Lookup(t v1alpha1.SystemType) (*connector.Descriptor, error) {
	mu.RLock()
	defer mu.RUnlock()
	if d, ok := registry[t]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown system %q; the operator supports %s", t, names())
}

// All returns every registered system, sorted by type.
func All() []*connector.Descriptor {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*connector.Descriptor, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func names() string {
	types := make([]string, 0, len(registry))
	for t := range registry {
		types = append(types, string(t))
	}
	sort.Strings(types)
	return strings.Join(types, ", ")
}
