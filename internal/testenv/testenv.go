// Package testenv starts a real Kubernetes API server (envtest: kube-apiserver
// and etcd built from source by hack/envtest/build.sh) with this project's
// CRDs installed, for the tests of the API and of the controllers.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	syncv1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Env is a running API server and a client for it.
type Env struct {
	Config *rest.Config
	Client client.Client
	Scheme *kruntime.Scheme
	env    *envtest.Environment
}

// RepoRoot is the module root, found from this file's location so tests in
// any package resolve config/ the same way.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Scheme returns a scheme with the built-in kinds and this project's kinds.
func Scheme() *kruntime.Scheme {
	s := kruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(syncv1alpha1.AddToScheme(s))
	return s
}

// assetsDir finds the envtest binaries: KUBEBUILDER_ASSETS when set (the
// Makefile sets it), else the cache hack/envtest/build.sh fills.
func assetsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache")
	}
	matches, _ := filepath.Glob(filepath.Join(cache, "customer-sync-operator", "envtest", "*", "kube-apiserver"))
	if len(matches) == 0 {
		return "", fmt.Errorf("no envtest binaries: run `make test` (or `make envtest`), which builds them once")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start starts an API server with the CRDs installed. Call Stop when done;
// TestMain is the usual place, since a start costs a few seconds.
func Start() (*Env, error) {
	dir, err := assetsDir()
	if err != nil {
		return nil, err
	}
	scheme := Scheme()
	env := &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    dir,
		Scheme:                   scheme,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest from %s: %w", dir, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Env{Config: cfg, Client: c, Scheme: scheme, env: env}, nil
}

// Stop stops the API server.
func (e *Env) Stop() error { return e.env.Stop() }

// CRDs are the CRDs envtest installed.
func (e *Env) CRDs() []*apiextensionsv1.CustomResourceDefinition { return e.env.CRDs }

// KubeConfig returns a kubeconfig for the API server, for tools such as
// kubectl.
func (e *Env) KubeConfig() ([]byte, error) {
	return e.KubeConfigFor("test-admin", "system:masters")
}

// KubeConfigFor returns a kubeconfig for a user in groups, with only the
// permissions RBAC grants them (none unless a test binds some).
func (e *Env) KubeConfigFor(name string, groups ...string) ([]byte, error) {
	user, err := e.env.ControlPlane.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, err
	}
	return user.KubeConfig()
}

// Namespace creates a namespace with a generated name for one test and
// returns its name.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := e.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	return ns.Name
}

// SampleMapping reads a CustomerMapping from config/samples, strictly, so
// tests exercise exactly what users apply (pointing it at the simulators
// is the caller's).
func SampleMapping(t testing.TB, file string) *syncv1alpha1.CustomerMapping {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "config", "samples", file))
	if err != nil {
		t.Fatal(err)
	}
	m := &syncv1alpha1.CustomerMapping{}
	if err := yaml.UnmarshalStrict(data, m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}
