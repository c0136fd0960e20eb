// Package install_test checks what installs the operator: the Helm chart in
// charts/, the kustomize configuration in config/ and the static binary the
// Dockerfile builds. Rendered manifests go through a real API server
// (internal/testenv) with server-side dry run, so the API server's own
// validation, not a schema copy, decides whether they are valid.
//
// helm comes from $HELM (the Makefile sets it) or is built once by
// hack/tools/helm.sh; kubectl comes from KUBEBUILDER_ASSETS.
package install_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/customersync/customer-sync-operator/internal/testenv"
)

var (
	root     = testenv.RepoRoot()
	chartDir = filepath.Join(root, "charts", "customer-sync-operator")

	envOnce sync.Once
	env     *testenv.Env
	envErr  error

	helmOnce sync.Once
	helmPath string
	helmErr  error

	kubeconfigOnce sync.Once
	kubeconfigPath string
	kubeconfigErr  error
	kubeconfigDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env != nil {
		_ = env.Stop()
	}
	if kubeconfigDir != "" {
		_ = os.RemoveAll(kubeconfigDir)
	}
	if managerDir != "" {
		_ = os.RemoveAll(managerDir)
	}
	os.Exit(code)
}

// apiServer starts the test API server on first use, so that the tests
// that need only helm or go do not wait for it.
func apiServer(t *testing.T) *testenv.Env {
	t.Helper()
	envOnce.Do(func() { env, envErr = testenv.Start() })
	if envErr != nil {
		t.Fatalf("starting the test API server: %v", envErr)
	}
	return env
}

// helm returns the helm binary: $HELM, else the one hack/tools/helm.sh
// builds (a few minutes the first time, cached afterwards). A missing helm
// fails the test: skipping would let a broken chart pass CI.
func helm(t *testing.T) string {
	t.Helper()
	helmOnce.Do(func() {
		if p := os.Getenv("HELM"); p != "" {
			if _, err := exec.LookPath(p); err != nil {
				helmErr = fmt.Errorf("HELM=%s is not an executable: %w", p, err)
				return
			}
			helmPath = p
			return
		}
		cmd := exec.Command(filepath.Join(root, "hack", "tools", "helm.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			helmErr = fmt.Errorf("hack/tools/helm.sh: %w\n%s", err, stderr.String())
			return
		}
		helmPath = strings.TrimSpace(string(out))
	})
	if helmErr != nil {
		t.Fatalf("helm is required for the chart tests and could not be found or built "+
			"(run `make helm`, or set HELM to a helm v3 binary): %v", helmErr)
	}
	return helmPath
}

// runHelm runs helm with its caches and config in a temporary directory, so
// that the tests neither read nor write the user's helm setup.
func runHelm(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(helm(t), args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// kubectl runs the kubectl that hack/envtest/build.sh builds next to the
// API server.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test`, or set it to the directory hack/envtest/build.sh prints")
	}
	cmd := exec.Command(filepath.Join(dir, "kubectl"), args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// kubeconfig writes a kubeconfig for the test API server, for helm.
func kubeconfig(t *testing.T) string {
	t.Helper()
	e := apiServer(t)
	kubeconfigOnce.Do(func() {
		var data []byte
		if data, kubeconfigErr = e.KubeConfig(); kubeconfigErr != nil {
			return
		}
		if kubeconfigDir, kubeconfigErr = os.MkdirTemp("", "install-test-"); kubeconfigErr != nil {
			return
		}
		kubeconfigPath = filepath.Join(kubeconfigDir, "kubeconfig")
		kubeconfigErr = os.WriteFile(kubeconfigPath, data, 0o600)
	})
	if kubeconfigErr != nil {
		t.Fatalf("writing a kubeconfig for the test API server: %v", kubeconfigErr)
	}
	return kubeconfigPath
}

// decode splits a multi-document YAML stream into objects, dropping empty
// documents (templates that render nothing).
func decode(t *testing.T, manifests string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifests)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("reading manifests: %v", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("parsing manifest: %v\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// find returns the rendered objects of one kind.
func find(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// only returns the one rendered object of a kind, failing if there is not
// exactly one.
func only(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	found := find(objs, kind)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, got %d", kind, len(found))
	}
	return found[0]
}

// convert turns a rendered object into its typed form.
func convert(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

// createNamespace creates (for real) the namespace objects are dry-run in,
// enforcing the restricted Pod Security Standard so that the pod check
// below is meaningful.
func createNamespace(t *testing.T, c client.Client, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
	}}}
	if err := c.Create(t.Context(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// dryRunApply server-side applies every object with dryRun=All. Apply
// requests are validated strictly (unknown or duplicate fields fail), then
// go through defaulting, admission and the CRD schemas, without being
// stored. Namespaced objects must name one of the namespaces given (the
// release's first): the chart's output is also applied with
// `kubectl apply -f`, which would otherwise put them in the current
// namespace.
func dryRunApply(t *testing.T, c client.Client, objs []*unstructured.Unstructured, namespaces ...string) {
	t.Helper()
	if len(objs) == 0 {
		t.Fatal("nothing to apply")
	}
	for _, o := range objs {
		id := fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
		namespaced, err := c.IsObjectNamespaced(o)
		if err != nil {
			t.Errorf("%s: unknown kind: %v", id, err)
			continue
		}
		switch {
		case namespaced && !slices.Contains(namespaces, o.GetNamespace()):
			t.Errorf("%s: namespaced object must be in one of the namespaces %q", id, namespaces)
			continue
		case !namespaced && o.GetNamespace() != "":
			t.Errorf("%s: cluster-scoped object has a namespace", id)
			continue
		}
		err = c.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
			client.FieldOwner("install-test"), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			t.Errorf("%s: server-side dry run: %v", id, err)
		}
	}
}

// installCRD creates a CRD for real and waits until it is served.
func installCRD(t *testing.T, c client.Client, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := c.Create(t.Context(), crd); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating CRD %s: %v", crd.Name, err)
	}
	err = wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			if err := c.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
				return false, err
			}
			for _, cond := range crd.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
	if err != nil {
		t.Fatalf("CRD %s not established: %v", crd.Name, err)
	}
}
