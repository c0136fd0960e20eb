// Package v1alpha1 contains the API of customer-sync-operator: CustomerMapping,
// a mapping collection that turns a source system's customer into a
// destination system's customer, and CustomerSyncRequest, one sync job that
// moves a set of customers with a mapping.
//
// +kubebuilder:object:generate=true
// +groupName=sync.customersync.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "sync.customersync.io", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
