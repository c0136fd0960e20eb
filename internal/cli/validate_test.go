package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/customersync/customer-sync-operator/internal/cli"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

// validate needs no cluster.
func validate(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(append([]string{"validate"}, args...), genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func TestValidateAcceptsTheSamples(t *testing.T) {
	r := validate(t, "", filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if r.code != 0 || r.out != "" || !strings.HasSuffix(r.errOut, ", 0 errors\n") {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// Each broken manifest is reported where it is broken, with the reason
// the operator (or admission) would give.
func TestValidateReportsWhereAndWhy(t *testing.T) {
	file := filepath.Join("testdata", "broken.yaml")
	r := validate(t, "", file, "-o", "json")
	if r.code != cli.ExitFailed {
		t.Fatalf("exit %d, want 1", r.code)
	}
	var problems []cli.Problem
	if err := json.Unmarshal([]byte(r.out), &problems); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range problems {
		got[fmt.Sprintf("%d:%d %s %s %s", p.Line, p.Column, p.Object, p.Path, p.Reason)] = true
	}
	for _, want := range []string{
		// admission: an unknown field, and the CRD's CEL rules
		"12:13 customermapping/unknown-field spec.addRules[0].formla Invalid",
		"23:5 customermapping/two-values spec.addRules[0] Invalid",
		// the compiler: the first character CEL objects to, in a plain
		// scalar, a literal block and a folded block
		"37:24 customermapping/bad-formulas spec.addRules[0].formula InvalidFormula",
		"42:9 customermapping/bad-formulas spec.addRules[1].formula InvalidFormula",
		"57:13 customermapping/bad-formulas spec.addRules[4].formula InvalidFormula",
		// a lookup table missing from the manifests; the one present is used
		"44:5 customermapping/bad-formulas spec.addRules[2] InvalidRule",
		// systems that cannot run the flow
		"73:25 customermapping/cannot-run spec.destination.system UnsupportedDirection",
	} {
		if !got[want] {
			t.Errorf("no problem %s", want)
		}
	}
	if len(problems) != 9 {
		t.Errorf("%d problems, want 9", len(problems))
	}
	for _, p := range problems {
		if strings.Contains(p.Message, "tiers") {
			t.Errorf("the ConfigMap given among the manifests was not used: %s", p)
		}
	}

	// Text output: file:line:column first, for editors and CI annotations.
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r = validate(t, string(data), "-")
	if r.code != cli.ExitFailed || !strings.Contains(r.out, "-:37:24: customermapping/bad-formulas: spec.addRules[0].formula: (FirstName) undeclared reference to 'sourc' [InvalidFormula]") {
		t.Errorf("stdin: exit %d\n%s", r.code, r.out)
	}
	if !strings.Contains(r.errOut, "4 objects checked, 9 errors") {
		t.Errorf("no count: %q", r.errOut)
	}
}

// The what-to-do text status prints is the README's.
func TestAdviceMatchesTheREADME(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "| reason | what happened | what to do |\n|---|---|---|\n")
	if !ok {
		t.Fatal("README has no table of reasons")
	}
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 3 {
			t.Fatalf("row %q has %d cells", line, len(cells))
		}
		for _, code := range strings.Split(cells[0], ",") {
			reason, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(code), " "), " ")
			reason = strings.Trim(reason, "`")
			want := strings.ReplaceAll(strings.TrimSpace(cells[2]), "`", "")
			if got := cli.Advice(reason); got != want {
				t.Errorf("%s: the plugin says %q, the README %q", reason, got, want)
			}
			rows++
		}
	}
	if rows < 15 {
		t.Errorf("only %d reasons read from the README", rows)
	}
}
