package main

import (
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestFreePortsAreDistinctAndBindable(t *testing.T) {
	ports, err := freePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Fatalf("port %d handed out twice: %v", p, ports)
		}
		seen[p] = true
		l, err := net.Listen("tcp", loopback(p))
		if err != nil {
			t.Fatalf("port %d is not free after freePorts returned: %v", p, err)
		}
		l.Close()
	}
}

var (
	ep = endpoints{nn: "http://127.0.0.1:1001", ipaas: "http://127.0.0.1:1002", openai: "http://127.0.0.1:1003"}
	ks = keys{nn: "k-99", ipaas: "k-ipaas", openai: "k-openai"}
)

// samples loads config/samples as the demo applies them.
func samples(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objs, err := loadSamples(filepath.Join("..", "..", "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pointAtSimulators(objs, "demo", ep, ks); err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestSamplesPointOnlyAtTheSimulators(t *testing.T) {
	objs := samples(t)
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetKind()]++
		if o.GetNamespace() != "demo" {
			t.Errorf("%s %s is in namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
		}
		b, _ := yaml.Marshal(o.Object)
		if strings.Contains(string(b), "replace-with") || strings.Contains(string(b), "https://") {
			t.Errorf("%s %s still has a placeholder or a real service:\n%s", o.GetKind(), o.GetName(), b)
		}
	}
	if kinds["CustomerMapping"] < 4 || kinds["CustomerSyncRequest"] < 5 || kinds["Secret"] < 3 {
		t.Fatalf("loaded %v; kustomization.yaml lists 3 Secrets, 4 mappings and 5 requests", kinds)
	}

	byName := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		byName[o.GetKind()+"/"+o.GetName()] = o
	}
	endpoint := func(mapping, side string) string {
		v, _, _ := unstructured.NestedString(byName["CustomerMapping/"+mapping].Object, "spec", side, "endpoint")
		return v
	}
	for _, c := range []struct{ mapping, side, want string }{
		{"ninetynineminds-to-ipaas", "source", ep.nn},
		{"ninetynineminds-to-ipaas", "destination", ep.ipaas},
		{"ipaas-to-openai", "source", ep.ipaas},
		{"ipaas-to-openai", "destination", ep.openai + "/v1"},
		{"openai-to-ipaas", "source", ""}, // the answer, not a service
		{"openai-to-ipaas", "destination", ep.ipaas},
		{"ipaas-to-ninetynineminds", "source", ep.ipaas},
		{"ipaas-to-ninetynineminds", "destination", ep.nn},
	} {
		if got := endpoint(c.mapping, c.side); got != c.want {
			t.Errorf("%s %s endpoint = %q, want %q", c.mapping, c.side, got, c.want)
		}
	}
	for name, want := range map[string]string{"ninetynineminds": ks.nn, "ipaas": ks.ipaas, "openai": ks.openai} {
		s := byName["Secret/"+name]
		if s == nil {
			t.Fatalf("no Secret %s", name)
		}
		data, _, _ := unstructured.NestedStringMap(s.Object, "stringData")
		if len(data) != 1 || data["apiKey"] != want {
			t.Errorf("Secret %s stringData = %v, want apiKey %q only", name, data, want)
		}
	}
}

// The sample requests name customers; the simulators must hold them, or
// the demo would show SourceRecordNotFound instead of a sync.
func TestSimulatorDataHoldsEverySampleCustomer(t *testing.T) {
	objs := samples(t)
	source := map[string]string{}
	for _, o := range objs {
		if o.GetKind() == "CustomerMapping" {
			s, _, _ := unstructured.NestedString(o.Object, "spec", "source", "system")
			source[o.GetName()] = s
		}
	}
	var nn, ip []string
	for _, c := range ninetyNineMindsData().Customers {
		nn = append(nn, c.ID)
	}
	for _, c := range ipaasData().Customers {
		ip = append(ip, c.CustomerNumber) // the OpenAI flow's identifier
		if c.ID != "" {
			ip = append(ip, c.ID) // the reverse flow's
		}
	}
	for _, o := range objs {
		if o.GetKind() != "CustomerSyncRequest" {
			continue
		}
		m, _, _ := unstructured.NestedString(o.Object, "spec", "mappingRef", "name")
		ids, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "customerIDs")
		for _, id := range ids {
			var have []string
			switch v1alpha1.SystemType(source[m]) {
			case v1alpha1.SystemNinetyNineMinds:
				have = nn
			case v1alpha1.SystemIPaaS:
				have = ip
			default:
				t.Fatalf("request %s: mapping %q has source %q", o.GetName(), m, source[m])
			}
			if !slices.Contains(have, id) {
				t.Errorf("request %s syncs %s, which the %s simulator data lacks", o.GetName(), id, source[m])
			}
		}
	}
}

func TestPointAtSimulatorsRejectsAMissingSecret(t *testing.T) {
	m := &unstructured.Unstructured{Object: map[string]any{
		"kind": "CustomerMapping", "metadata": map[string]any{"name": "m"},
		"spec": map[string]any{
			"source":      map[string]any{"system": "IPaaS", "credentialsSecretRef": map[string]any{"name": "nowhere"}},
			"destination": map[string]any{"system": "OpenAI"},
		},
	}}
	if err := pointAtSimulators([]*unstructured.Unstructured{m}, "demo", ep, ks); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("err = %v, want one naming the missing Secret", err)
	}
}
