package v1alpha1_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/customersync/customer-sync-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// decodeAll reads every YAML document of a stream into unstructured objects.
func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decoding YAML: %v", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "config", "samples")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ns := env.Namespace(t)
	kinds := map[string]int{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range decodeAll(t, data) {
			obj.SetNamespace(ns)
			if err := env.Client.Create(t.Context(), obj); err != nil {
				t.Errorf("%s: %s %q rejected: %v", filepath.Base(f), obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	// The seeds' four collections live in three mappings (99minds → iPaaS.com
	// carries Add and Update); there is a request for one ID, several IDs and
	// a dry run, and the Secrets they reference.
	if kinds["CustomerMapping"] < 3 || kinds["CustomerSyncRequest"] < 3 || kinds["Secret"] < 3 {
		t.Errorf("samples are missing kinds: %v", kinds)
	}
}

const validMapping = `
apiVersion: sync.customersync.io/v1alpha1
kind: CustomerMapping
metadata: {name: m}
spec:
  source: {system: NinetyNineMinds, endpoint: "https://api.demo.giftcard.99minds.io", credentialsSecretRef: {name: ninetynineminds}}
  destination: {system: IPaaS, endpoint: "https://api.ipaas.com", credentialsSecretRef: {name: ipaas}, systemID: 4711}
  addRules:
  - {type: Static, value: "true", destination: {customField: "99minds Loyalty Points Synced"}}
  - {type: Field, sourceField: email, destination: {field: EmailAddress}}
`

const validOpenAIMapping = `
apiVersion: sync.customersync.io/v1alpha1
kind: CustomerMapping
metadata: {name: m}
spec:
  source: {system: IPaaS, endpoint: "https://api.ipaas.com", credentialsSecretRef: {name: ipaas}}
  destination: {system: OpenAI, credentialsSecretRef: {name: openai}}
  openAI: {responseFields: [{name: Comment}]}
  responseMappingRef: {name: openai-to-ipaas}
  addRules:
  - {type: Static, value: "Summarise", destination: {field: PromptText}}
  - {type: Field, sourceField: customer_number, destination: {field: Id}}
`

const validRequest = `
apiVersion: sync.customersync.io/v1alpha1
kind: CustomerSyncRequest
metadata: {name: r}
spec:
  mappingRef: {name: m}
  customerIDs: ["customer_35b4d7776af9ac875a"]
`

// edit parses a YAML document and applies a change to its map form.
func edit(t *testing.T, doc string, change func(spec map[string]any)) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(u.Object["spec"].(map[string]any))
	}
	return u
}

func rule(spec map[string]any, i int) map[string]any {
	return spec["addRules"].([]any)[i].(map[string]any)
}

func ids(n int, dup bool) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("customer_%018x", i)
	}
	if dup {
		out[n-1] = out[0]
	}
	return out
}

func TestInvalidObjectsAreRejected(t *testing.T) {
	cases := []struct {
		name string
		obj  *unstructured.Unstructured
		want []string // substrings of the API server's message: the field and the problem
	}{
		{"unknown rule type", edit(t, validMapping, func(s map[string]any) { rule(s, 0)["type"] = "Magic" }),
			[]string{"spec.addRules[0].type", "Unsupported value"}},
		{"two value keys on one rule", edit(t, validMapping, func(s map[string]any) { rule(s, 1)["formula"] = "source.email" }),
			[]string{"spec.addRules[1]", "set exactly one of value, sourceField, formula or lookupTranslation"}},
		{"DynamicFormula without formula", edit(t, validMapping, func(s map[string]any) { rule(s, 1)["type"] = "DynamicFormula" }),
			[]string{"spec.addRules[1].formula", "a DynamicFormula rule needs formula"}},
		{"Static without value", edit(t, validMapping, func(s map[string]any) {
			delete(rule(s, 0), "value")
			rule(s, 0)["sourceField"] = "email"
		}), []string{"spec.addRules[0].value", "a Static rule needs value"}},
		{"destination with field and customField", edit(t, validMapping, func(s map[string]any) {
			rule(s, 1)["destination"].(map[string]any)["customField"] = "X"
		}), []string{"spec.addRules[1].destination", "set exactly one of field or customField"}},
		{"unknown destination field", edit(t, validMapping, func(s map[string]any) {
			rule(s, 1)["destination"].(map[string]any)["field"] = "Birthday"
		}), []string{"spec.addRules[1].destination.field", "Unsupported value"}},
		{"no rules", edit(t, validMapping, func(s map[string]any) { s["addRules"] = []any{} }),
			[]string{"spec.addRules", "should have at least 1 items"}},
		{"bad system enum", edit(t, validMapping, func(s map[string]any) { s["source"].(map[string]any)["system"] = "Magento" }),
			[]string{"spec.source.system", "Unsupported value"}},
		{"bad collisionHandling enum", edit(t, validMapping, func(s map[string]any) { s["collisionHandling"] = "Overwrite" }),
			[]string{"spec.collisionHandling", "Unsupported value"}},
		{"missing systemID for 99minds to iPaaS", edit(t, validMapping, func(s map[string]any) {
			delete(s["destination"].(map[string]any), "systemID")
		}), []string{"spec.destination.systemID", "systemID"}},
		{"coalesceWindow over 10s", edit(t, validMapping, func(s map[string]any) {
			s["triggers"] = map[string]any{"events": []any{"Updated"}, "webhook": map[string]any{
				"tokenSecretRef": map[string]any{"name": "hook", "key": "token"}, "coalesceWindow": "1m"}}
		}), []string{"spec.triggers.webhook.coalesceWindow", "at most 10s"}},
		{"missing source systemID for iPaaS to 99minds", edit(t, validMapping, func(s map[string]any) {
			s["source"], s["destination"] = s["destination"], s["source"]
			delete(s["source"].(map[string]any), "systemID")
			rule(s, 1)["destination"].(map[string]any)["field"] = "Email"
			s["addRules"] = s["addRules"].([]any)[1:]
		}), []string{"spec.source.systemID", "external ids"}},
		{"lookup with table and configMapRef", edit(t, validMapping, func(s map[string]any) {
			r := rule(s, 1)
			delete(r, "sourceField")
			r["type"] = "LookupTranslation"
			r["lookupTranslation"] = map[string]any{"sourceField": "company", "table": map[string]any{"a": "b"}, "configMapRef": map[string]any{"name": "t"}}
		}), []string{"spec.addRules[1].lookupTranslation", "set exactly one of table or configMapRef"}},
		{"OpenAI mapping without prompt", edit(t, validOpenAIMapping, func(s map[string]any) {
			s["addRules"] = s["addRules"].([]any)[1:]
		}), []string{"spec.addRules", "PromptText"}},
		{"OpenAI mapping without responseMappingRef", edit(t, validOpenAIMapping, func(s map[string]any) { delete(s, "responseMappingRef") }),
			[]string{"spec.responseMappingRef", "responseMappingRef"}},
		{"openAI settings on a non-OpenAI mapping", edit(t, validMapping, func(s map[string]any) {
			s["openAI"] = map[string]any{"responseFields": []any{map[string]any{"name": "Comment"}}}
		}), []string{"responseMappingRef and openAI apply only"}},
		{"same source and destination system", edit(t, validMapping, func(s map[string]any) {
			s["source"].(map[string]any)["system"] = "IPaaS"
		}), []string{"source.system and destination.system must differ"}},
		{"endpoint that is not a URL", edit(t, validMapping, func(s map[string]any) { s["source"].(map[string]any)["endpoint"] = "api.99minds.io" }),
			[]string{"spec.source.endpoint", "should match"}},
		{"empty customerIDs", edit(t, validRequest, func(s map[string]any) { s["customerIDs"] = []any{} }),
			[]string{"spec.customerIDs", "should have at least 1 items"}},
		{"5,001 customerIDs", edit(t, validRequest, func(s map[string]any) { s["customerIDs"] = ids(5001, false) }),
			[]string{"spec.customerIDs", "must have at most 5000 items"}},
		{"duplicate customerIDs", edit(t, validRequest, func(s map[string]any) { s["customerIDs"] = ids(3, true) }),
			[]string{"spec.customerIDs[2]", "Duplicate value"}},
		{"both customerIDs and all", edit(t, validRequest, func(s map[string]any) { s["all"] = map[string]any{} }),
			[]string{"spec", "set exactly one of customerIDs or all"}},
		{"neither customerIDs nor all", edit(t, validRequest, func(s map[string]any) { delete(s, "customerIDs") }),
			[]string{"spec", "set exactly one of customerIDs or all"}},
		{"bad operation enum", edit(t, validRequest, func(s map[string]any) { s["operation"] = "Upsert" }),
			[]string{"spec.operation", "Unsupported value"}},
		{"negative backoffLimit", edit(t, validRequest, func(s map[string]any) { s["backoffLimit"] = int64(-1) }),
			[]string{"spec.backoffLimit", "should be greater than or equal to 0"}},
		{"no mappingRef", edit(t, validRequest, func(s map[string]any) { delete(s, "mappingRef") }),
			[]string{"spec.mappingRef", "Required value"}},
	}
	ns := env.Namespace(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.obj.SetNamespace(ns)
			err := env.Client.Create(t.Context(), tc.obj)
			if err == nil {
				t.Fatalf("accepted; want rejection mentioning %q", tc.want)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not mention %q", err.Error(), w)
				}
			}
		})
	}
}

func TestBaselinesAreValid(t *testing.T) {
	// The table above mutates these; they must themselves be accepted, or a
	// rejection there could come from the wrong field.
	ns := env.Namespace(t)
	for i, doc := range []string{validMapping, validOpenAIMapping, validRequest} {
		obj := edit(t, doc, nil)
		obj.SetNamespace(ns)
		obj.SetName(fmt.Sprintf("baseline-%d", i))
		if err := env.Client.Create(t.Context(), obj); err != nil {
			t.Errorf("baseline %d rejected: %v", i, err)
		}
	}
}

func TestSyncRequestSpecIsImmutable(t *testing.T) {
	ns := env.Namespace(t)
	obj := edit(t, validRequest, nil)
	obj.SetNamespace(ns)
	if err := env.Client.Create(t.Context(), obj); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(obj.Object, true, "spec", "dryRun"); err != nil {
		t.Fatal(err)
	}
	err := env.Client.Update(t.Context(), obj)
	if err == nil || !strings.Contains(err.Error(), "spec is immutable") {
		t.Fatalf("update of spec: want 'spec is immutable', got %v", err)
	}
	// Labels and annotations stay editable (triggers and users use them).
	obj.SetLabels(map[string]string{"team": "integrations"})
	unstructured.RemoveNestedField(obj.Object, "spec", "dryRun")
	if err := env.Client.Update(t.Context(), obj); err != nil {
		t.Fatalf("metadata update rejected: %v", err)
	}
}

func TestEverySchemaFieldHasADescription(t *testing.T) {
	for _, crd := range env.CRDs() {
		for _, v := range crd.Spec.Versions {
			props := v.Schema.OpenAPIV3Schema.Properties
			for _, top := range []string{"spec", "status"} {
				s, ok := props[top]
				if !ok {
					t.Errorf("%s: no %s", crd.Name, top)
					continue
				}
				checkDescriptions(t, crd.Name+"."+top, s)
			}
		}
	}
}

func checkDescriptions(t *testing.T, path string, s apiextensionsv1.JSONSchemaProps) {
	t.Helper()
	if strings.TrimSpace(s.Description) == "" {
		t.Errorf("%s has no description (it is the kubectl explain text)", path)
	}
	for name, p := range s.Properties {
		// metav1.Condition is Kubernetes' own type, documented upstream.
		if strings.HasSuffix(path, ".conditions[]") {
			continue
		}
		checkDescriptions(t, path+"."+name, p)
	}
	if s.Items != nil && s.Items.Schema != nil && len(s.Items.Schema.Properties) > 0 {
		items := *s.Items.Schema
		if items.Description == "" {
			items.Description = s.Description // an item is described by its list
		}
		checkDescriptions(t, path+"[]", items)
	}
}
