package mapping

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"sigs.k8s.io/yaml"
)

// TestSamplesPassCRDValidation checks the sample mappings against the
// generated CRD schema: required fields, enums, patterns and the
// x-kubernetes-validations CEL rules, so a sample that kubectl would reject
// fails here first. Transition rules (oldSelf) do not apply to a create.
func TestSamplesPassCRDValidation(t *testing.T) {
	schema, env := loadCRDSchema(t)
	for _, file := range []string{sampleNinetyNineMinds, sampleIPaaSToOpenAI, sampleOpenAIToIPaaS} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", file))
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatal(err)
		}
		if ns := obj["metadata"].(map[string]any)["namespace"]; ns != nil {
			t.Errorf("%s: metadata.namespace is set; kustomize sets it", file)
		}
		for _, problem := range checkSchema(env, schema, obj, "") {
			t.Errorf("%s: %s", file, problem)
		}
	}
}

// The checker itself must catch what the CRD rejects.
func TestCRDCheckCatchesBadMappings(t *testing.T) {
	schema, env := loadCRDSchema(t)

	raw, _ := os.ReadFile(filepath.Join("..", "..", "config", "samples", sampleIPaaSToOpenAI))
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	rules := obj["spec"].(map[string]any)["addRules"].([]any)
	bad := rules[0].(map[string]any)
	bad["formula"] = "source.customer_number"
	obj["spec"].(map[string]any)["addRules"] = append(rules[:1], rules[2:]...) // drop the Static PromptText
	got := strings.Join(checkSchema(env, schema, obj, ""), "\n")
	for _, want := range []string{"set exactly one of value, sourceField, formula or lookupTranslation", "PromptText"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q do not mention %q", got, want)
		}
	}
}

// loadCRDSchema reads the CustomerMapping CRD's schema and a CEL
// environment for its rules, with self as a plain JSON value.
func loadCRDSchema(t *testing.T) (map[string]any, *cel.Env) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "sync.customersync.io_customermappings.yaml"))
	if err != nil {
		t.Skipf("no CRD to check against: %v", err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	versions := crd["spec"].(map[string]any)["versions"].([]any)
	schema := versions[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
	env, err := cel.NewEnv(cel.Variable("self", cel.DynType))
	if err != nil {
		t.Fatal(err)
	}
	return schema, env
}

func checkSchema(env *cel.Env, schema map[string]any, obj any, path string) []string {
	var problems []string
	if m, ok := obj.(map[string]any); ok {
		for _, req := range asList(schema["required"]) {
			if _, ok := m[req.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s.%s is required", path, req))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, v := range m {
			if sub, ok := props[k].(map[string]any); ok {
				problems = append(problems, checkSchema(env, sub, v, path+"."+k)...)
			} else if sub, ok := schema["additionalProperties"].(map[string]any); ok {
				problems = append(problems, checkSchema(env, sub, v, path+"."+k)...)
			} else if props != nil && path != "" && path != ".metadata" {
				problems = append(problems, fmt.Sprintf("%s.%s is not in the schema", path, k))
			}
		}
	}
	if l, ok := obj.([]any); ok {
		if sub, ok := schema["items"].(map[string]any); ok {
			for i, v := range l {
				problems = append(problems, checkSchema(env, sub, v, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	if enum := asList(schema["enum"]); enum != nil {
		found := false
		for _, e := range enum {
			found = found || e == obj
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", path, obj, enum))
		}
	}
	if pat, ok := schema["pattern"].(string); ok {
		if s, ok := obj.(string); ok && !regexp.MustCompile(pat).MatchString(s) {
			problems = append(problems, fmt.Sprintf("%s: %q does not match %s", path, s, pat))
		}
	}
	for _, r := range asList(schema["x-kubernetes-validations"]) {
		rule := r.(map[string]any)
		expr := rule["rule"].(string)
		if strings.Contains(expr, "oldSelf") {
			continue
		}
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			problems = append(problems, fmt.Sprintf("%s: rule %q: %v", path, expr, iss.Err()))
			continue
		}
		prg, err := env.Program(ast)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out, _, err := prg.Eval(map[string]any{"self": obj})
		if err != nil || out.Value() != true {
			problems = append(problems, fmt.Sprintf("%s: %s (%v)", path, rule["message"], err))
		}
	}
	return problems
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
