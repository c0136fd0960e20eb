package install_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kustomizeNamespace is the namespace config/default installs into.
const kustomizeNamespace = "customer-sync-system"

// renderKustomize renders config/default as `kubectl apply -k` would.
func renderKustomize(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return decode(t, kubectl(t, "kustomize", "config/default"))
}

// TestKustomizeDryRun applies `kubectl kustomize config/default` to the API
// server with server-side dry run, after creating its Namespace for real.
func TestKustomizeDryRun(t *testing.T) {
	e := apiServer(t)
	objs := renderKustomize(t)

	nsObj := only(t, objs, "Namespace")
	if nsObj.GetName() != kustomizeNamespace {
		t.Fatalf("config/default installs into %q, want %q", nsObj.GetName(), kustomizeNamespace)
	}
	var ns corev1.Namespace
	convert(t, nsObj, &ns)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s does not enforce the restricted Pod Security Standard: %v", ns.Name, ns.Labels)
	}
	// The namespace must exist for the dry run of what goes in it; it is
	// created as rendered, so its Pod Security labels apply below.
	if err := e.Client.Create(t.Context(), nsObj.DeepCopy()); err != nil {
		t.Fatalf("creating namespace %s: %v", ns.Name, err)
	}

	dryRunApply(t, e.Client, objs, kustomizeNamespace)

	d := &appsv1.Deployment{}
	convert(t, only(t, objs, "Deployment"), d)
	assertHardened(t, d)
	assertPodAdmitted(t, e.Client, kustomizeNamespace, d)
	assertLeastPrivilege(t, objs, kustomizeNamespace)
}
