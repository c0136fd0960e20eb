// Package monitoring checks the alerts and the dashboard the chart ships:
// promtool runs the alert tests, and every metric they name must be one the
// manager exports.
package monitoring

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/testenv"
)

var metricName = regexp.MustCompile(`\bcustomersync_[a-z_]+`)

// exported lists the metric names the manager's code defines: every
// "customersync_..." string literal in its non-test Go files.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	root := testenv.RepoRoot()
	for _, dir := range []string{"controllers", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, lit := range regexp.MustCompile(`"(customersync_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
				names[lit[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestQueriesNameExportedMetrics fails when the dashboard or an alert
// queries a metric the manager does not export (a rename, a typo).
func TestQueriesNameExportedMetrics(t *testing.T) {
	have := exported(t)
	if len(have) < 10 {
		t.Fatalf("found only %d metric names in the code", len(have))
	}
	charts := filepath.Join(testenv.RepoRoot(), "charts", "customer-sync-operator", "files")
	var exprs []string
	raw, err := os.ReadFile(filepath.Join(charts, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	alerts, err := os.ReadFile(filepath.Join(charts, "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exprs = append(exprs, string(alerts))
	seen := 0
	for _, e := range exprs {
		for _, m := range metricName.FindAllString(e, -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
			if !have[base] {
				t.Errorf("%s is queried but the manager exports no such metric", m)
			}
			seen++
		}
	}
	if seen < 10 {
		t.Fatalf("only %d metric references found; the check proves nothing", seen)
	}
}

// TestAlertRules runs promtool's unit tests of the alerts.
func TestAlertRules(t *testing.T) {
	build := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "tools", "promtool.sh"))
	build.Stderr = os.Stderr
	out, err := build.Output()
	if err != nil {
		t.Fatalf("building promtool: %v", err)
	}
	promtool := strings.TrimSpace(string(out))
	rules := filepath.Join(testenv.RepoRoot(), "charts", "customer-sync-operator", "files", "alerts.yaml")
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	cmd := exec.Command(promtool, "test", "rules", "alerts_test.yaml")
	cmd.Dir = filepath.Join(testenv.RepoRoot(), "test", "monitoring")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
