package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/cli"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

// reconcile waits for the operator's echo and reports Ready; a mapping
// whose Secret went missing is reported not Ready, exit code 1.
func TestReconcile(t *testing.T) {
	w := newWorld(t, nil)
	r := w.run("", "reconcile", mappingName)
	if r.code != 0 || !strings.Contains(r.out, "customermapping/"+mappingName+" reconciled: Ready (Validated)") {
		t.Fatalf("exit %d", r.code)
	}
	m := &v1alpha1.CustomerMapping{}
	if err := w.c.Get(t.Context(), client.ObjectKey{Namespace: w.ns, Name: mappingName}, m); err != nil {
		t.Fatal(err)
	}
	at := m.Annotations[v1alpha1.AnnotationRequestedAt]
	if at == "" || m.Status.LastHandledReconcileAt != at {
		t.Errorf("annotation %q, handled %q", at, m.Status.LastHandledReconcileAt)
	}

	if err := w.c.Delete(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: "ipaas"}}); err != nil {
		t.Fatal(err)
	}
	r = w.run("", "reconcile", mappingName)
	if r.code != cli.ExitFailed || !strings.Contains(r.errOut, "is not Ready ("+v1alpha1.ReasonCredentialsNotFound+")") {
		t.Errorf("exit %d, want 1 naming CredentialsNotFound", r.code)
	}
}

// Shell completion: cobra's scripts, and names read from the cluster.
func TestCompletion(t *testing.T) {
	w := newWorld(t, nil)
	r := w.run("", "__complete", "sync", "")
	if r.code != 0 || !strings.Contains(r.out, mappingName+"\n") {
		t.Errorf("completing a mapping: exit %d", r.code)
	}
	r = w.run("", "sync", mappingName, janeID)
	name := created(r.out)[0]
	r = w.run("", "__complete", "status", "")
	if !strings.Contains(r.out, name+"\n") {
		t.Errorf("completing a request does not offer %s", name)
	}
	r = w.run("", "completion", "bash")
	if r.code != 0 || !strings.Contains(r.out, "__start_kubectl-customersync") {
		t.Errorf("completion bash: exit %d", r.code)
	}
}

// The binary works as a kubectl plugin: kubectl finds kubectl-customersync
// on PATH, and the process's exit code is the command's.
func TestKubectlPlugin(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-customersync"), "./cmd/kubectl-customersync")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	w := newWorld(t, nil)
	run := func(args ...string) (string, int) {
		// kubectl takes no flags before a plugin's name; they go to the plugin.
		cmd := exec.Command(kubectl, append([]string{"customersync", "--kubeconfig", kubeconfig, "-n", w.ns}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := run("sync", mappingName, janeID, noMailID, "--wait"); code != cli.ExitPartial || !strings.Contains(out, "Partially succeeded") {
		t.Errorf("kubectl customersync sync: exit %d\n%s", code, out)
	}
	if out, code := run("validate", filepath.Join(testenv.RepoRoot(), "internal", "cli", "testdata", "broken.yaml")); code != cli.ExitFailed || !strings.Contains(out, "9 errors") {
		t.Errorf("kubectl customersync validate: exit %d\n%s", code, out)
	}
}
