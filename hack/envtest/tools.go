//go:build tools

// Package tools pins the API server and etcd that the envtest suites run
// against. It is never compiled into the operator: hack/envtest/build.sh
// builds the binaries (and kubectl, for tests and the demo) from this module into a cache outside the checkout.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
