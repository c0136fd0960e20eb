package install_test

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// assertHardened checks a Deployment's pod against the restricted Pod
// Security Standard field by field, plus what the standard does not ask
// for but this project does: a read-only root filesystem, resource
// requests and limits, and health probes.
func assertHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	spec := d.Spec.Template.Spec
	pod := spec.SecurityContext
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: uses host namespaces", d.Name)
	}
	if len(spec.Containers) == 0 {
		t.Fatalf("%s: no containers", d.Name)
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s/%s: no securityContext", d.Name, c.Name)
			continue
		}
		// A container's setting wins over the pod's.
		nonRoot := pod.RunAsNonRoot
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		if nonRoot == nil || !*nonRoot {
			t.Errorf("%s/%s: runAsNonRoot is not true", d.Name, c.Name)
		}
		if (sc.RunAsUser != nil && *sc.RunAsUser == 0) || (pod.RunAsUser != nil && *pod.RunAsUser == 0) {
			t.Errorf("%s/%s: runs as UID 0", d.Name, c.Name)
		}
		seccomp := pod.SeccompProfile
		if sc.SeccompProfile != nil {
			seccomp = sc.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s/%s: seccompProfile is not RuntimeDefault: %+v", d.Name, c.Name, seccomp)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s/%s: allowPrivilegeEscalation is not false", d.Name, c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s/%s: privileged", d.Name, c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s: readOnlyRootFilesystem is not true", d.Name, c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s/%s: capabilities must drop ALL and add none: %+v", d.Name, c.Name, sc.Capabilities)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[res]; !ok {
				t.Errorf("%s/%s: no %s request", d.Name, c.Name, res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				t.Errorf("%s/%s: no %s limit", d.Name, c.Name, res)
			}
		}
	}
	manager := spec.Containers[0]
	for _, p := range []struct {
		probe *corev1.Probe
		path  string
	}{{manager.LivenessProbe, "/healthz"}, {manager.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s/%s: want an HTTP probe on %s, got %+v", d.Name, manager.Name, p.path, p.probe)
		}
	}
}

// assertPodAdmitted dry-run creates a Pod from the Deployment's template in
// a namespace that enforces the restricted Pod Security Standard: the
// API server's PodSecurity admission is the judge. (For a Deployment it
// would only warn; it rejects Pods.)
func assertPodAdmitted(t *testing.T, c client.Client, namespace string, d *appsv1.Deployment) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: d.Name + "-", Namespace: namespace, Labels: d.Spec.Template.Labels},
		Spec:       *d.Spec.Template.Spec.DeepCopy(),
	}
	if err := c.Create(t.Context(), pod, client.DryRunAll); err != nil {
		t.Errorf("the pod of Deployment %s is not admitted under the restricted Pod Security Standard: %v", d.Name, err)
	}
}

// TestPodSecurityAdmissionIsOn guards assertPodAdmitted: it would pass
// vacuously if the test API server did not enforce Pod Security.
func TestPodSecurityAdmissionIsOn(t *testing.T) {
	e := apiServer(t)
	ns := "pod-security-check"
	createNamespace(t, e.Client, ns)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "privileged", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "example",
			SecurityContext: &corev1.SecurityContext{Privileged: new(true)},
		}}},
	}
	if err := e.Client.Create(t.Context(), pod, client.DryRunAll); err == nil {
		t.Fatal("a privileged pod was admitted in a namespace enforcing the restricted Pod Security Standard")
	}
}
