package install_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// valuesCases are the values files every chart test renders: the defaults,
// every feature on, every optional feature off.
var valuesCases = []struct {
	name   string
	values string // under testdata; "" for the chart's defaults
	// kinds is how many objects of each kind the chart renders (without
	// CRDs).
	kinds map[string]int
	// watched are the namespaces the values name, besides the release's.
	watched []string
}{
	{"default", "", map[string]int{
		"ServiceAccount": 1, "ClusterRole": 5, "ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1,
		"Service": 2, "Deployment": 1,
	}, nil},
	{"all", "values-all.yaml", map[string]int{
		"ServiceAccount": 1, "ClusterRole": 5, "ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1,
		"Service": 2, "Deployment": 1, "ServiceMonitor": 1, "PodDisruptionBudget": 1, "NetworkPolicy": 1,
	}, nil},
	{"minimal", "values-minimal.yaml", map[string]int{
		"ClusterRole": 1, "ClusterRoleBinding": 1, "Deployment": 1,
	}, nil},
	// The manager's ClusterRole and its binding become a Role and a
	// RoleBinding in each watched namespace.
	{"namespaced", "values-namespaced.yaml", map[string]int{
		"ServiceAccount": 1, "ClusterRole": 4, "ClusterRoleBinding": 1, "Role": 3, "RoleBinding": 3,
		"Service": 2, "Deployment": 1,
	}, []string{"team-a", "team-b"}},
	// Two shards and the unsharded rest: a Deployment, a webhook Service
	// and a PodDisruptionBudget each.
	{"sharded", "values-sharded.yaml", map[string]int{
		"ServiceAccount": 1, "ClusterRole": 5, "ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1,
		"Service": 4, "Deployment": 3, "PodDisruptionBudget": 3,
	}, nil},
}

// renderChart runs helm template and returns the objects.
func renderChart(t *testing.T, release, namespace, values string, extra ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", release, chartDir, "--namespace", namespace}
	if values != "" {
		args = append(args, "--values", filepath.Join("testdata", values))
	}
	out, err := runHelm(t, append(args, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, out)
}

func TestHelmLint(t *testing.T) {
	for _, tc := range valuesCases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"lint", "--strict", chartDir}
			if tc.values != "" {
				args = append(args, "--values", filepath.Join("testdata", tc.values))
			}
			out, err := runHelm(t, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if strings.Contains(out, "[ERROR]") || strings.Contains(out, "[WARNING]") {
				t.Fatalf("helm lint reported problems:\n%s", out)
			}
		})
	}
}

// TestChartDryRun applies everything the chart renders, CRDs included, to
// the API server with server-side dry run, and checks each Deployment's pod
// against the restricted Pod Security Standard.
func TestChartDryRun(t *testing.T) {
	e := apiServer(t)
	for _, tc := range valuesCases {
		t.Run(tc.name, func(t *testing.T) {
			ns := "chart-" + tc.name
			for _, n := range append([]string{ns}, tc.watched...) {
				createNamespace(t, e.Client, n)
			}
			if tc.kinds["ServiceMonitor"] > 0 {
				installCRD(t, e.Client, filepath.Join("testdata", "servicemonitor-crd.yaml"))
			}
			objs := renderChart(t, "csync-"+tc.name, ns, tc.values)

			got := map[string]int{}
			for _, o := range objs {
				if o.GetKind() != "CustomResourceDefinition" {
					got[o.GetKind()]++
				}
			}
			if !reflect.DeepEqual(got, tc.kinds) {
				t.Errorf("rendered kinds: got %v, want %v", got, tc.kinds)
			}
			if n := len(find(objs, "CustomResourceDefinition")); n != 2 {
				t.Errorf("rendered %d CRDs, want 2", n)
			}

			dryRunApply(t, e.Client, objs, append([]string{ns}, tc.watched...)...)

			for _, o := range find(objs, "Deployment") {
				d := &appsv1.Deployment{}
				convert(t, o, d)
				assertHardened(t, d)
				assertPodAdmitted(t, e.Client, ns, d)
			}
			assertLeastPrivilege(t, objs, ns)
		})
	}
}

// TestChartValuesReachTheManager checks that values become the flags and
// ports they stand for.
func TestChartValuesReachTheManager(t *testing.T) {
	objs := renderChart(t, "csync", "values", "values-all.yaml")
	d := &appsv1.Deployment{}
	convert(t, only(t, objs, "Deployment"), d)
	c := d.Spec.Template.Spec.Containers[0]
	for _, want := range []string{
		"--leader-elect", "--metrics-bind-address=:8443", "--metrics-secure",
		"--health-probe-bind-address=:8082", "--webhook-bind-address=:9393",
		"--max-concurrent-reconciles=8", "--record-parallelism=16", "--progress-interval=3s",
		"--retry-base-delay=2s", "--retry-max-delay=10m", "--quick-retries=3",
		"--poll-overlap=15s", "--mapping-retry-interval=1m", "--zap-log-level=debug",
	} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args %v lack %s", c.Args, want)
		}
	}
	if last := c.Args[len(c.Args)-1]; last != "--enable-http2=false" {
		t.Errorf("extraArgs must come last so that they win; last arg is %q", last)
	}
	if c.Image != "registry.example.com/customer-sync-operator:1.2.3" {
		t.Errorf("image %q", c.Image)
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
	// What an operator of the operator sets first: a proxy, a CA bundle,
	// spread and a disruption budget, rollbacks.
	if len(c.Env) != 2 || c.Env[1].Name != "HTTPS_PROXY" || len(c.VolumeMounts) != 1 || len(d.Spec.Template.Spec.Volumes) != 1 {
		t.Errorf("env %v, mounts %v, volumes %v", c.Env, c.VolumeMounts, d.Spec.Template.Spec.Volumes)
	}
	// GOMAXPROCS follows the CPU limit, before extraEnv so that a value there wins.
	if e := c.Env[0]; e.Name != "GOMAXPROCS" || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil ||
		e.ValueFrom.ResourceFieldRef.Resource != "limits.cpu" || e.ValueFrom.ResourceFieldRef.Divisor.String() != "1" {
		t.Errorf("first env %+v, want GOMAXPROCS from limits.cpu", e)
	}
	if len(d.Spec.Template.Spec.TopologySpreadConstraints) != 1 || *d.Spec.RevisionHistoryLimit != 3 {
		t.Errorf("topologySpreadConstraints %v, revisionHistoryLimit %d", d.Spec.Template.Spec.TopologySpreadConstraints, *d.Spec.RevisionHistoryLimit)
	}
	if sc := d.Spec.Template.Spec.SecurityContext; sc.RunAsUser == nil || *sc.RunAsUser != 65532 || sc.RunAsGroup == nil || *sc.RunAsGroup != 65532 {
		t.Errorf("pod securityContext %+v, want the nonroot user and group stated", sc)
	}
	pdb := only(t, objs, "PodDisruptionBudget")
	if v, _, _ := unstructured.NestedFieldNoCopy(pdb.Object, "spec", "minAvailable"); fmt.Sprint(v) != "1" {
		t.Errorf("PodDisruptionBudget %v", pdb.Object["spec"])
	}
	sm := only(t, objs, "ServiceMonitor")
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 || eps[0].(map[string]any)["honorLabels"] != true {
		t.Errorf("ServiceMonitor endpoints %v, want honorLabels so the namespace label is not renamed", eps)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if want := map[string]int32{"metrics": 8443, "probes": 8082, "webhook": 9393}; !reflect.DeepEqual(ports, want) {
		t.Errorf("container ports %v, want %v", ports, want)
	}
	for _, svc := range find(objs, "Service") {
		if svc.GetNamespace() != "values" {
			t.Errorf("Service %s in namespace %q", svc.GetName(), svc.GetNamespace())
		}
		sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
		for k, v := range sel {
			if d.Spec.Template.Labels[k] != v {
				t.Errorf("Service %s selects %s=%s, which the pod does not have", svc.GetName(), k, v)
			}
		}
	}
}

// TestChartRulesMatchGeneratedRole: the manager's ClusterRole in the chart
// grants exactly what controller-gen derived from the RBAC markers.
func TestChartRulesMatchGeneratedRole(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var generated rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &generated); err != nil {
		t.Fatalf("config/rbac/role.yaml: %v", err)
	}
	if len(generated.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	objs := renderChart(t, "csync", "rbac", "")
	var manager *rbacv1.ClusterRole
	for _, o := range find(objs, "ClusterRole") {
		if strings.HasSuffix(o.GetName(), "-manager") {
			manager = &rbacv1.ClusterRole{}
			convert(t, o, manager)
		}
	}
	if manager == nil {
		t.Fatal("the chart renders no manager ClusterRole")
	}
	if !reflect.DeepEqual(manager.Rules, generated.Rules) {
		t.Errorf("chart ClusterRole rules differ from config/rbac/role.yaml (run make manifests):\nchart: %+v\nrole.yaml: %+v",
			manager.Rules, generated.Rules)
	}
}

// assertLeastPrivilege: no wildcard anywhere, Roles (not ClusterRoles) for
// namespaced permissions, and everything bound to the chart's
// ServiceAccount only.
func assertLeastPrivilege(t *testing.T, objs []*unstructured.Unstructured, namespace string) {
	t.Helper()
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, o := range find(objs, kind) {
			var role rbacv1.ClusterRole // Role and ClusterRole rules share a shape
			convert(t, o, &role)
			for _, r := range role.Rules {
				for _, list := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.NonResourceURLs} {
					if slices.Contains(list, "*") {
						t.Errorf("%s %s has a wildcard rule: %+v", kind, o.GetName(), r)
					}
				}
				if slices.Contains(r.Resources, "leases") && kind != "Role" {
					t.Errorf("%s %s grants leases cluster-wide; leader election needs its own namespace only", kind, o.GetName())
				}
			}
		}
	}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, o := range find(objs, kind) {
			var b rbacv1.ClusterRoleBinding
			convert(t, o, &b)
			for _, s := range b.Subjects {
				if s.Kind != rbacv1.ServiceAccountKind || s.Namespace != namespace {
					t.Errorf("%s %s binds %+v, want only the release's ServiceAccount", kind, o.GetName(), s)
				}
			}
		}
	}
}

// TestValuesSchemaRejects: values.schema.json (or a template's own check)
// turns bad values into a failed render instead of a broken Deployment.
func TestValuesSchemaRejects(t *testing.T) {
	const bySchema = "don't meet the specifications of the schema"
	for _, tc := range []struct {
		name string
		args []string
		want []string // all in helm's error
	}{
		{"replicaCount not a number", []string{"--set", "replicaCount=two"}, []string{bySchema, "/replicaCount"}},
		{"unknown key", []string{"--set", "replicas=2"}, []string{bySchema, "'replicas' not allowed"}},
		{"unknown nested key", []string{"--set", "metrics.tls=true"}, []string{bySchema, "'tls' not allowed"}},
		{"bad duration", []string{"--set", "manager.retryBaseDelay=soon"}, []string{bySchema, "/manager/retryBaseDelay"}},
		{"zero parallelism", []string{"--set", "manager.recordParallelism=0"}, []string{bySchema, "/manager/recordParallelism"}},
		{"bad pull policy", []string{"--set", "image.pullPolicy=Sometimes"}, []string{bySchema, "/image/pullPolicy"}},
		{"bad log level", []string{"--set", "logLevel=verbose"}, []string{bySchema, "/logLevel"}},
		{"bad port", []string{"--set", "webhook.port=70000"}, []string{bySchema, "/webhook/port"}},
		{"bad quantity", []string{"--set", "resources.limits.memory=lots"}, []string{bySchema, "/resources/limits/memory"}},
		{"unknown service type", []string{"--set", "webhook.service.type=External"}, []string{bySchema, "/webhook/service/type"}},
		{"unknown RBAC scope", []string{"--set", "rbac.scope=cluster-wide"}, []string{bySchema, "/rbac/scope"}},
		{"bad namespace", []string{"--set", "watchNamespaces={Team_A}"}, []string{bySchema, "/watchNamespaces/0"}},
		{"bad shard name", []string{"--set", "sharding.shards={Shard_1}"}, []string{bySchema, "/sharding/shards/0"}},
		{"same shard twice", []string{"--set", "sharding.shards={a,a}"}, []string{bySchema, "/sharding/shards"}},
		// Checks the schema cannot express, done by the templates.
		{"replicas without leader election", []string{"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"}, []string{"leaderElection.enabled"}},
		{"ServiceMonitor without metrics", []string{"--set", "serviceMonitor.enabled=true", "--set", "metrics.enabled=false"}, []string{"metrics.enabled"}},
		{"no ServiceAccount name", []string{"--set", "serviceAccount.create=false"}, []string{"serviceAccount.name is required"}},
		{"namespaced without namespaces", []string{"--set", "rbac.scope=namespaced"}, []string{"rbac.scope=namespaced needs watchNamespaces"}},
		{"one nodePort for every shard", []string{"--set", "sharding.shards={a,b}", "--set", "webhook.service.type=NodePort",
			"--set", "webhook.service.nodePort=30080"}, []string{"webhook.service.nodePort"}},
		{"shard name too long", []string{"--set", "fullnameOverride=" + strings.Repeat("n", 40), "--set", "sharding.shards={" + strings.Repeat("s", 20) + "}"},
			[]string{"longer than 63 characters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runHelm(t, append([]string{"template", "csync", chartDir}, tc.args...)...)
			if err == nil {
				t.Fatalf("helm template accepted %v:\n%s", tc.args, out)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q: %v", want, err)
				}
			}
		})
	}
}

// TestHelmInstallUpgradeUninstall runs the real release lifecycle against
// the API server: install with the defaults, upgrade with everything on,
// uninstall. It covers what template cannot: NOTES.txt, upgrades over
// existing objects, CRDs kept on uninstall.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	e := apiServer(t)
	kc := kubeconfig(t)
	ns := "helm-lifecycle"
	release := "lifecycle"
	createNamespace(t, e.Client, ns)
	installCRD(t, e.Client, filepath.Join("testdata", "servicemonitor-crd.yaml"))
	adoptCRDs(t, e.Client, release, ns)
	common := []string{"--kubeconfig", kc, "--namespace", ns}

	out, err := runHelm(t, append([]string{"install", release, chartDir}, common...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"STATUS: deployed",
		"rollout status deployment/lifecycle-customer-sync-operator",
		"http://lifecycle-customer-sync-operator-webhook.helm-lifecycle.svc:80/hooks/<namespace>/<mapping>",
		"--clusterrole=lifecycle-customer-sync-operator-metrics-reader",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	d := &appsv1.Deployment{}
	key := client.ObjectKey{Namespace: ns, Name: "lifecycle-customer-sync-operator"}
	if err := e.Client.Get(t.Context(), key, d); err != nil {
		t.Fatalf("after install: %v", err)
	}

	// values-all.yaml sets fullnameOverride: every object is renamed, so the
	// upgrade also exercises deleting the old ones.
	out, err = runHelm(t, append([]string{"upgrade", release, chartDir,
		"--values", filepath.Join("testdata", "values-all.yaml")}, common...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "STATUS: deployed") || !strings.Contains(out, "REVISION: 2") {
		t.Errorf("upgrade output:\n%s", out)
	}
	if err := e.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "csync"}, d); err != nil {
		t.Fatalf("after upgrade: %v", err)
	}
	if err := e.Client.Get(t.Context(), key, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Deployment renamed by the upgrade is still there: %v", err)
	}

	if _, err := runHelm(t, append([]string{"uninstall", release}, common...)...); err != nil {
		t.Fatal(err)
	}
	if err := e.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "csync"}, d); !apierrors.IsNotFound(err) {
		t.Errorf("after uninstall the Deployment is still there: %v", err)
	}
	// crds.keep leaves the CRDs (and so every CustomerMapping) on uninstall.
	for _, p := range []string{"customermappings", "customersyncrequests"} {
		crd := &unstructured.Unstructured{}
		crd.SetAPIVersion("apiextensions.k8s.io/v1")
		crd.SetKind("CustomResourceDefinition")
		if err := e.Client.Get(t.Context(), client.ObjectKey{Name: p + ".sync.customersync.io"}, crd); err != nil {
			t.Errorf("CRD %s gone after uninstall: %v", p, err)
		}
	}
}

// The alerts and the dashboard ship verbatim: the PrometheusRule holds the
// groups of files/alerts.yaml (their {{ $labels }} untouched by helm), and
// the ConfigMap a dashboard Grafana's sidecar loads.
func TestChartShipsAlertsAndDashboard(t *testing.T) {
	objs := renderChart(t, "customer-sync-operator", "monitoring", "",
		"--set", "prometheusRule.enabled=true", "--set", "grafanaDashboard.enabled=true")
	rule := only(t, objs, "PrometheusRule")
	groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
	if len(groups) != 1 {
		t.Fatalf("PrometheusRule groups %v", groups)
	}
	rules, _ := groups[0].(map[string]any)["rules"].([]any)
	if len(rules) < 5 {
		t.Fatalf("%d rules", len(rules))
	}
	ann, _ := rules[0].(map[string]any)["annotations"].(map[string]any)
	if s, _ := ann["summary"].(string); !strings.Contains(s, "{{ $labels.mapping }}") {
		t.Errorf("an alert's template was rendered by helm: %q", s)
	}
	cm := only(t, objs, "ConfigMap")
	if cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Errorf("dashboard ConfigMap labels %v", cm.GetLabels())
	}
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	var dash map[string]any
	if err := json.Unmarshal([]byte(data["customer-sync-operator.json"]), &dash); err != nil || dash["uid"] != "customer-sync-operator" {
		t.Errorf("dashboard JSON: %v", err)
	}
}
