package install_test

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// generatedRules are the manager's rules controller-gen derived.
func generatedRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &role); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	return role.Rules
}

// deployments returns the rendered Deployments by name.
func deployments(t *testing.T, objs []*unstructured.Unstructured) map[string]*appsv1.Deployment {
	t.Helper()
	out := map[string]*appsv1.Deployment{}
	for _, o := range find(objs, "Deployment") {
		d := &appsv1.Deployment{}
		convert(t, o, d)
		out[d.Name] = d
	}
	return out
}

// TestChartNamespacedScope: rbac.scope namespaced grants the manager's
// rules as a Role in each watched namespace and nothing cluster-wide, and
// the manager watches those namespaces only.
func TestChartNamespacedScope(t *testing.T) {
	objs := renderChart(t, "csync", "operators", "values-namespaced.yaml")
	const name = "csync-customer-sync-operator-manager"
	for _, kind := range []string{"ClusterRole", "ClusterRoleBinding"} {
		for _, o := range find(objs, kind) {
			if o.GetName() == name {
				t.Errorf("namespaced scope renders the manager's %s", kind)
			}
		}
	}
	rules := generatedRules(t)
	got := map[string]bool{}
	for _, o := range find(objs, "Role") {
		if o.GetName() != name {
			continue
		}
		var role rbacv1.Role
		convert(t, o, &role)
		if !reflect.DeepEqual(role.Rules, rules) {
			t.Errorf("Role %s/%s rules differ from config/rbac/role.yaml", role.Namespace, role.Name)
		}
		got["Role "+role.Namespace] = true
	}
	for _, o := range find(objs, "RoleBinding") {
		var b rbacv1.RoleBinding
		convert(t, o, &b)
		if b.RoleRef.Kind == "Role" && b.RoleRef.Name == name {
			got["RoleBinding "+b.Namespace] = true
		}
	}
	want := map[string]bool{"Role team-a": true, "Role team-b": true, "RoleBinding team-a": true, "RoleBinding team-b": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("manager Roles and RoleBindings %v, want %v", got, want)
	}
	for _, d := range deployments(t, objs) {
		if args := d.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--watch-namespaces=team-a,team-b") {
			t.Errorf("args %v lack --watch-namespaces=team-a,team-b", args)
		}
	}

	// The cluster scope may still watch some namespaces only.
	objs = renderChart(t, "csync", "operators", "", "--set", "watchNamespaces={team-a}")
	if n := len(find(objs, "Role")); n != 1 {
		t.Errorf("cluster scope renders %d Roles, want the leader election one", n)
	}
	for _, d := range deployments(t, objs) {
		if args := d.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--watch-namespaces=team-a") {
			t.Errorf("args %v lack --watch-namespaces=team-a", args)
		}
	}
}

// TestHelmInstallNamespaced installs the namespaced chart on the API server
// and asks the API server what its ServiceAccount may do: the manager's
// work in the watched namespaces, nothing elsewhere nor cluster-wide.
func TestHelmInstallNamespaced(t *testing.T) {
	e := apiServer(t)
	ns := "helm-namespaced"
	for _, n := range []string{ns, "team-a", "team-b", "team-c"} {
		createNamespace(t, e.Client, n)
	}
	// The CRDs belong to another release (and envtest installed them).
	out, err := runHelm(t, "install", "scoped", chartDir, "--kubeconfig", kubeconfig(t), "--namespace", ns,
		"--values", filepath.Join("testdata", "values-namespaced.yaml"), "--set", "crds.install=false")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "It serves the namespaces team-a, team-b, with Roles there only.") {
		t.Errorf("install output lacks the scope:\n%s", out)
	}

	sa := "system:serviceaccount:" + ns + ":scoped-customer-sync-operator"
	can := func(namespace, group, resource, verb string) bool {
		t.Helper()
		r := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   sa,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: namespace, Group: group, Resource: resource, Verb: verb,
			},
		}}
		if err := e.Client.Create(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		return r.Status.Allowed
	}
	for _, c := range []struct {
		namespace, group, resource, verb string
		want                             bool
	}{
		{"team-a", "sync.customersync.io", "customermappings", "watch", true},
		{"team-b", "sync.customersync.io", "customersyncrequests", "create", true},
		{"team-b", "", "secrets", "get", true},
		{ns, "coordination.k8s.io", "leases", "update", true},
		{"team-c", "sync.customersync.io", "customermappings", "list", false},
		{"team-c", "", "secrets", "get", false},
		{"", "sync.customersync.io", "customermappings", "list", false}, // all namespaces
		{"", "", "secrets", "list", false},
	} {
		if got := can(c.namespace, c.group, c.resource, c.verb); got != c.want {
			t.Errorf("%s %s.%s in %q: allowed %v, want %v", c.verb, c.resource, c.group, c.namespace, got, c.want)
		}
	}
	if out, err := runHelm(t, "uninstall", "scoped", "--kubeconfig", kubeconfig(t), "--namespace", ns); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestChartSharding: sharding.shards deploys one manager per shard, each
// serving its shard's label with its own Lease, plus the unsharded rest,
// and every PodDisruptionBudget and webhook Service selects the pods of one
// Deployment; without shards the chart renders the single manager as ever.
func TestChartSharding(t *testing.T) {
	const full = "csync-customer-sync-operator"
	single := deployments(t, renderChart(t, "csync", "shards", ""))
	if len(single) != 1 || single[full] == nil {
		t.Fatalf("without shards: Deployments %v, want just %s", slices.Sorted(maps.Keys(single)), full)
	}
	for _, a := range single[full].Spec.Template.Spec.Containers[0].Args {
		if strings.HasPrefix(a, "--watch-label-selector") || strings.HasPrefix(a, "--leader-elect-id") {
			t.Errorf("without shards the manager has %s", a)
		}
	}

	objs := renderChart(t, "csync", "shards", "values-sharded.yaml")
	ds := deployments(t, objs)
	want := map[string][]string{
		full:             {"--watch-label-selector=!sharding.customersync.io/key"},
		full + "-shard1": {"--watch-label-selector=sharding.customersync.io/key=shard1", "--leader-elect-id=customer-sync-operator-shard1.sync.customersync.io"},
		full + "-shard2": {"--watch-label-selector=sharding.customersync.io/key=shard2", "--leader-elect-id=customer-sync-operator-shard2.sync.customersync.io"},
	}
	if len(ds) != len(want) {
		t.Fatalf("Deployments %v, want %v", slices.Sorted(maps.Keys(ds)), slices.Sorted(maps.Keys(want)))
	}
	for name, args := range want {
		d := ds[name]
		if d == nil {
			t.Fatalf("no Deployment %s", name)
		}
		for _, a := range args {
			if !slices.Contains(d.Spec.Template.Spec.Containers[0].Args, a) {
				t.Errorf("Deployment %s args %v lack %s", name, d.Spec.Template.Spec.Containers[0].Args, a)
			}
		}
	}
	// Turning sharding on keeps the single manager's Deployment (a
	// Deployment's selector cannot change) and its Lease.
	if !reflect.DeepEqual(ds[full].Spec.Selector, single[full].Spec.Selector) {
		t.Errorf("the unsharded Deployment's selector %v differs from the single manager's %v", ds[full].Spec.Selector, single[full].Spec.Selector)
	}

	// selects names the Deployments whose pods a selector selects.
	selects := func(sel map[string]string) []string {
		var out []string
		for name, d := range ds {
			if labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	for name, d := range ds {
		if got := selects(d.Spec.Selector.MatchLabels); !slices.Equal(got, []string{name}) {
			t.Errorf("Deployment %s's selector selects the pods of %v", name, got)
		}
	}
	for _, o := range find(objs, "PodDisruptionBudget") {
		sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector", "matchLabels")
		if got := selects(sel); !slices.Equal(got, []string{o.GetName()}) {
			t.Errorf("PodDisruptionBudget %s selects the pods of %v, want its Deployment's only", o.GetName(), got)
		}
	}
	services := 0
	for _, o := range find(objs, "Service") {
		sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "selector")
		got := selects(sel)
		switch deployment, isWebhook := strings.CutSuffix(o.GetName(), "-webhook"); {
		case isWebhook:
			services++
			if !slices.Equal(got, []string{deployment}) {
				t.Errorf("webhook Service %s selects the pods of %v, want %s's only", o.GetName(), got, deployment)
			}
		case len(got) != len(ds):
			t.Errorf("Service %s selects the pods of %v, want every manager's", o.GetName(), got)
		}
	}
	if services != len(ds) {
		t.Errorf("%d webhook Services for %d managers", services, len(ds))
	}

	ds = deployments(t, renderChart(t, "csync", "shards", "values-sharded.yaml", "--set", "sharding.includeUnsharded=false"))
	if len(ds) != 2 || ds[full] != nil {
		t.Errorf("includeUnsharded=false: Deployments %v, want the two shards only", slices.Sorted(maps.Keys(ds)))
	}
}
