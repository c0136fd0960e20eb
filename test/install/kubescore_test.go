package install_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// kubeScoreIgnored are the kube-score tests whose findings on the default
// values are the user's choice, each documented in docs/install.md ("Checks
// of the chart"); values-all.yaml makes both choices and scores clean
// without ignores.
var kubeScoreIgnored = []string{
	// IfNotPresent is right for an immutable tag or a digest; Always is
	// for a moving tag (image.pullPolicy).
	"container-image-pull-policy",
	// Who may reach the webhook and the metrics depends on where the
	// Ingress controller and Prometheus run, which only the user knows; an
	// allow-all policy would widen a namespace's default deny
	// (networkPolicy.enabled and its peers).
	"pod-networkpolicy",
}

var (
	kubeScoreOnce sync.Once
	kubeScorePath string
	kubeScoreErr  error
)

// kubeScore returns $KUBE_SCORE (the Makefile sets it), else the binary
// hack/tools/kube-score.sh builds once. Missing, it fails the test, like
// helm: CI must score the chart.
func kubeScore(t *testing.T) string {
	t.Helper()
	kubeScoreOnce.Do(func() {
		if p := os.Getenv("KUBE_SCORE"); p != "" {
			kubeScorePath, kubeScoreErr = exec.LookPath(p)
			return
		}
		cmd := exec.Command(filepath.Join(root, "hack", "tools", "kube-score.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			kubeScoreErr = fmt.Errorf("hack/tools/kube-score.sh: %w\n%s", err, stderr.String())
			return
		}
		kubeScorePath = strings.TrimSpace(string(out))
	})
	if kubeScoreErr != nil {
		t.Fatalf("kube-score is required for the chart tests (run `make test`, or set KUBE_SCORE): %v", kubeScoreErr)
	}
	return kubeScorePath
}

// TestKubeScore scores what the chart renders with kube-score and fails on
// any CRITICAL finding: with the default values (and sharded), except the
// ignored choices above; with values-all.yaml, none at all.
func TestKubeScore(t *testing.T) {
	for _, tc := range []struct {
		values  string
		ignored []string
	}{
		{"", kubeScoreIgnored},
		{"values-all.yaml", nil},
		// Three Deployments: kube-score also checks that each PDB and
		// Service selects pods.
		{"values-sharded.yaml", kubeScoreIgnored},
	} {
		t.Run("values="+tc.values, func(t *testing.T) {
			args := []string{"template", "customer-sync-operator", chartDir, "--namespace", "customer-sync-system"}
			if tc.values != "" {
				args = append(args, "--values", filepath.Join("testdata", tc.values))
			}
			manifests, err := runHelm(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			// The chart's oldest Kubernetes (Chart.yaml kubeVersion).
			score := []string{"score", "--kubernetes-version", "v1.29", "--output-format", "ci"}
			for _, name := range tc.ignored {
				score = append(score, "--ignore-test", name)
			}
			cmd := exec.Command(kubeScore(t), append(score, "-")...)
			cmd.Stdin = strings.NewReader(manifests)
			out, err := cmd.CombinedOutput()
			var critical []string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "[CRITICAL]") {
					critical = append(critical, line)
				}
			}
			if len(critical) > 0 || err != nil {
				t.Errorf("kube-score: %v; fix the chart, or ignore a test documented as the user's choice:\n%s",
					err, strings.Join(critical, "\n"))
				if len(critical) == 0 {
					t.Log(string(out))
				}
			}
		})
	}

	doc, err := os.ReadFile(filepath.Join(root, "docs", "install.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range kubeScoreIgnored {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/install.md does not explain the ignored kube-score test %s", name)
		}
	}
}
