package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// CacheOptions are the options the manager's cache needs: sync requests
// are kept without their per-record results and managed fields, so the
// operator's memory does not grow with the history of finished requests
// (up to 256 KiB of results each). Nothing reads results from the cache:
// the request reconciler reads requests uncached.
func CacheOptions() cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&v1alpha1.CustomerSyncRequest{}: {Transform: trimRequest},
	}}
}

func trimRequest(obj any) (any, error) {
	if csr, ok := obj.(*v1alpha1.CustomerSyncRequest); ok {
		csr.Status.Results = nil
		csr.ManagedFields = nil
	}
	return obj, nil
}
