package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pluginPath is kubectl-customersync next to the demo binary: make build
// puts both in bin/.
func pluginPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(exe), "kubectl-customersync"), nil
}

// plugin shows kubectl customersync on what the demo synced, and fails
// the demo when a command does: the samples validated offline, the
// requests as a table, one customer traced through them.
func (d *demo) plugin(ctx context.Context) error {
	bin, err := pluginPath()
	if err != nil {
		return err
	}
	d.step("kubectl customersync: the samples validated offline, the requests, one customer traced")
	for _, args := range [][]string{
		{"validate", filepath.Join(d.o.repo, "config", "samples")},
		{"status"},
		{"trace", liID},
	} {
		d.say("$ kubectl customersync %s", strings.Join(args, " "))
		out, err := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", d.kubeconfig}, args...)...).CombinedOutput()
		fmt.Fprintln(d.out, indent(strings.TrimRight(string(out), "\n"), "     "))
		if err != nil {
			return fmt.Errorf("kubectl customersync %s: %v", strings.Join(args, " "), err)
		}
	}
	return nil
}
