package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Scope is what one manager serves.
type Scope struct {
	// Namespaces, when any, are the only namespaces watched
	// (--watch-namespaces): a namespaced install, whose rights are Roles in
	// those namespaces, lists and watches nothing at the cluster scope.
	Namespaces []string
	// Selector, when set, selects the mappings and requests of this shard
	// (--watch-label-selector, on the LabelShard label): other shards'
	// objects are neither cached nor touched.
	Selector labels.Selector
}

// ClientOptions are the options the manager's client needs: Secrets and
// ConfigMaps are never read from the cache, so only the ones mappings name
// are read (when they are needed) and none is held in memory; their watches
// are metadata-only.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}}
}

// CacheOptions are the options the manager's cache needs: sync requests
// are kept without their per-record results and managed fields, so the
// operator's memory does not grow with the history of finished requests
// (up to 256 KiB of results each). Nothing reads results from the cache:
// the request reconciler reads requests uncached.
//
// The scope narrows what the manager serves.
func CacheOptions(s Scope) cache.Options {
	o := cache.Options{ByObject: map[client.Object]cache.ByObject{
		&v1alpha1.CustomerSyncRequest{}: {Transform: trimRequest, Label: s.Selector},
		&v1alpha1.CustomerMapping{}:     {Label: s.Selector},
	}}
	for _, ns := range s.Namespaces {
		if o.DefaultNamespaces == nil {
			o.DefaultNamespaces = map[string]cache.Config{}
		}
		o.DefaultNamespaces[ns] = cache.Config{}
	}
	return o
}

func trimRequest(obj any) (any, error) {
	if csr, ok := obj.(*v1alpha1.CustomerSyncRequest); ok {
		csr.Status.Results = nil
		csr.ManagedFields = nil
	}
	return obj, nil
}
