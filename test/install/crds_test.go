package install_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// configCRDs reads the CRDs controller-gen generated.
func configCRDs(t *testing.T) []*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if len(paths) == 0 {
		t.Fatal("no CRDs in config/crd/bases")
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		crds = append(crds, crd)
	}
	return crds
}

// TestChartCRDsMatchConfig: the chart's CRD templates render exactly the
// generated CRDs (make manifests writes them), plus the keep policy, and
// crds.install and crds.keep turn each off. No crds/ directory: Helm would
// install it before the templates and never upgrade it.
func TestChartCRDsMatchConfig(t *testing.T) {
	if files, _ := filepath.Glob(filepath.Join(chartDir, "crds", "*")); len(files) > 0 {
		t.Errorf("the chart has a crds/ directory %v; the CRDs belong in templates/crds", files)
	}
	rendered := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, o := range find(renderChart(t, "csync", "crds", ""), "CustomResourceDefinition") {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		convert(t, o, crd)
		rendered[crd.Name] = crd
	}
	want := configCRDs(t)
	if len(rendered) != len(want) {
		t.Fatalf("the chart renders %d CRDs, config/crd/bases has %d: run make manifests", len(rendered), len(want))
	}
	for _, w := range want {
		got := rendered[w.Name]
		if got == nil {
			t.Errorf("the chart does not render CRD %s: run make manifests", w.Name)
			continue
		}
		if got.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s annotations %v, want helm.sh/resource-policy: keep by default", w.Name, got.Annotations)
		}
		delete(got.Annotations, "helm.sh/resource-policy")
		if !reflect.DeepEqual(got, w) {
			t.Errorf("CRD %s in the chart differs from config/crd/bases: run make manifests", w.Name)
		}
	}

	if n := len(find(renderChart(t, "csync", "crds", "", "--set", "crds.install=false"), "CustomResourceDefinition")); n != 0 {
		t.Errorf("crds.install=false renders %d CRDs", n)
	}
	for _, o := range find(renderChart(t, "csync", "crds", "", "--set", "crds.keep=false"), "CustomResourceDefinition") {
		if _, ok := o.GetAnnotations()["helm.sh/resource-policy"]; ok {
			t.Errorf("crds.keep=false: CRD %s still has the keep policy", o.GetName())
		}
	}
}

// adoptCRDs marks the CRDs envtest installed as the release's, as
// docs/install.md tells users to do with CRDs a chart installed from crds/
// (Helm refuses to take over objects without this).
func adoptCRDs(t *testing.T, c client.Client, release, namespace string) {
	t.Helper()
	for _, w := range configCRDs(t) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(t.Context(), client.ObjectKey{Name: w.Name}, crd); err != nil {
			t.Fatal(err)
		}
		crd.Labels = map[string]string{"app.kubernetes.io/managed-by": "Helm"}
		crd.Annotations["meta.helm.sh/release-name"] = release
		crd.Annotations["meta.helm.sh/release-namespace"] = namespace
		if err := c.Update(t.Context(), crd); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHelmUpgradeUpdatesCRDs: `helm upgrade` applies the chart's CRDs over
// an older release's (the point of CRDs as templates), and `helm uninstall`
// leaves them, with every object, because of crds.keep.
func TestHelmUpgradeUpdatesCRDs(t *testing.T) {
	e := apiServer(t)
	kc := kubeconfig(t)
	ns, release := "helm-crds", "crds"
	createNamespace(t, e.Client, ns)
	adoptCRDs(t, e.Client, release, ns)
	common := []string{"--kubeconfig", kc, "--namespace", ns}

	// The "previous chart version": this chart with one more category on
	// each CRD.
	old := filepath.Join(t.TempDir(), "customer-sync-operator")
	if err := os.CopyFS(old, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	templates, _ := filepath.Glob(filepath.Join(old, "templates", "crds", "*.yaml"))
	for _, p := range templates {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if strings.Count(s, "\n    categories:\n") != 1 {
			t.Fatalf("%s: cannot find the one categories: list to change", p)
		}
		s = strings.Replace(s, "\n    categories:\n", "\n    categories:\n    - customersync-old\n", 1)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	categories := func() map[string][]string {
		out := map[string][]string{}
		for _, w := range configCRDs(t) {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := e.Client.Get(t.Context(), client.ObjectKey{Name: w.Name}, crd); err != nil {
				t.Fatalf("CRD %s: %v", w.Name, err)
			}
			out[w.Name] = crd.Spec.Names.Categories
		}
		return out
	}

	if out, err := runHelm(t, append([]string{"install", release, old}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for name, c := range categories() {
		if !slices.Contains(c, "customersync-old") {
			t.Errorf("after installing the old chart, CRD %s categories %v", name, c)
		}
	}

	if out, err := runHelm(t, append([]string{"upgrade", release, chartDir}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, w := range configCRDs(t) {
		if got := categories()[w.Name]; !slices.Equal(got, w.Spec.Names.Categories) {
			t.Errorf("after the upgrade CRD %s categories %v, want the chart's %v", w.Name, got, w.Spec.Names.Categories)
		}
	}

	if out, err := runHelm(t, append([]string{"uninstall", release}, common...)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	categories() // fails if crds.keep did not keep them
}
