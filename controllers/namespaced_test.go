package controllers_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

// A namespaced install: the operator's identity has the manager's rules and
// the leader election rules as Roles in one namespace, nothing at the
// cluster scope. With --watch-namespaces it reconciles there, logs no
// forbidden error, and stops on the first SIGTERM.
func TestNamespacedInstallWithRolesOnly(t *testing.T) {
	bin := buildManager(t)
	w := newWorld(t, seedData())
	const user = "namespaced-operator"
	for i, file := range []string{"role.yaml", "leader_election_role.yaml"} {
		raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", file))
		if err != nil {
			t.Fatal(err)
		}
		var src struct {
			Rules []rbacv1.PolicyRule `json:"rules"`
		}
		if err := yaml.Unmarshal(raw, &src); err != nil {
			t.Fatal(err)
		}
		name := []string{"manager", "leader-election"}[i]
		w.create(&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, Rules: src.Rules})
		w.create(&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}}})
	}
	kc, err := env.KubeConfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	p := runManagerAs(t, bin, kc, "--watch-namespaces="+w.ns, "--leader-elect", "--leader-elect-namespace="+w.ns,
		"--webhook-bind-address="+freePort(t), "--graceful-shutdown-timeout=3s")
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("namespaced", mapping, janeID))
	if csr := w.finished("namespaced", time.Minute); csr.Status.Succeeded != 1 {
		t.Fatalf("status %+v", csr.Status)
	}
	if p.said("forbidden") {
		t.Error("the namespaced manager hit a forbidden call")
	}
	stopsOnSIGTERM(t, p)
}
