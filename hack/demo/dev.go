package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// printDev prints how to reach everything the dev mode keeps running, and
// writes env.sh with the same exports.
func (d *demo) printDev() {
	bin := d.o.assets
	if plugin, err := pluginPath(); err == nil {
		bin = filepath.Dir(plugin) + string(os.PathListSeparator) + bin
	}
	env := fmt.Sprintf("export KUBECONFIG=%s\nexport PATH=%s:\"$PATH\"\n", d.kubeconfig, bin)
	envPath := filepath.Join(d.dir, "env.sh")
	if err := os.WriteFile(envPath, []byte(env), 0o600); err != nil {
		envPath = ""
	}
	ns := d.o.namespace
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	p("\n== Running: explore in another terminal; Ctrl-C here stops everything")
	p("")
	p("   export KUBECONFIG=%s", d.kubeconfig)
	p("   export PATH=%s:\"$PATH\"   # kubectl-customersync from make build, kubectl built by hack/envtest/build.sh", bin)
	if envPath != "" {
		p("   (or: source %s)", envPath)
	}
	p("   The kubeconfig's default namespace is %q.", ns)
	p("")
	p("   Simulators (the admin API answers loopback callers without a key)")
	p("     99minds    %-28s admin: %s/_admin/customers", d.ep.nn, d.ep.nn)
	p("     iPaaS.com  %-28s admin: %s/_admin/customers", d.ep.ipaas, d.ep.ipaas)
	p("     OpenAI     %-28s admin: %s/_admin/chatrequests", d.ep.openai+"/v1", d.ep.openai)
	p("     API keys:  kubectl get secret ninetynineminds -o jsonpath='{.data.apiKey}' | base64 -d")
	p("     config, sample data and log: %s, %s", filepath.Join(d.dir, "simulator.yaml"), d.sim.logPath)
	p("")
	p("   Operator")
	p("     webhook receiver  %s/hooks/{namespace}/{mapping}", d.webhookURL)
	p("     metrics           %s/metrics", d.metricsURL)
	p("     readiness         %s/readyz", d.probeURL)
	p("     log               %s", d.op.logPath)
	p("")
	p("   Try")
	p("     kubectl get customermappings,customersyncrequests -o wide")
	p("     kubectl describe customersyncrequest sync-several-customers")
	p("     kubectl apply -f %s   # sync %s again", d.writeExample(), liID)
	p("     kubectl wait --for=condition=Complete customersyncrequest/sync-li-again --timeout=60s")
	p("     kubectl customersync sync ninetynineminds-to-ipaas %s --wait   # the plugin: create and follow", liID)
	p("     kubectl customersync status; kubectl customersync trace %s", liID)
	p("     curl -s %s/_admin/customers", d.ep.ipaas)
	if d.hook != nil {
		p("")
		p("   Webhook trigger: the 99minds simulator already sends its customer events to")
		p("     %s", d.hook.URL)
		p("   with the token in Secret ninetynineminds-webhook. Turn the trigger on, then send an event:")
		p(`     kubectl patch customermapping ninetynineminds-to-ipaas --type merge -p '{"spec":{"triggers":{"events":["Created","Updated"],"webhook":{"tokenSecretRef":{"name":"ninetynineminds-webhook","key":"token"}}}}}'`)
		p(`     curl -s -X POST %s/_admin/notify -d '{"scope":"customer/updated","id":"%s"}'`, d.ep.nn, omarID)
		p("     kubectl get customersyncrequests -l sync.customersync.io/trigger=webhook")
	}
	p("")
	p("   Press Ctrl-C to stop the operator, the simulators and the control plane.")
	fmt.Fprint(d.out, b.String())
}

// writeExample writes a new sync request for the user to apply (a file, as
// an indented heredoc would not survive copy and paste) and returns its path.
func (d *demo) writeExample() string {
	path := filepath.Join(d.dir, "sync-li-again.yaml")
	body := fmt.Sprintf(`apiVersion: sync.customersync.io/v1alpha1
kind: CustomerSyncRequest
metadata:
  name: sync-li-again
spec:
  mappingRef:
    name: ninetynineminds-to-ipaas
  customerIDs:
  - %s
`, liID)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "(cannot write " + path + ": " + err.Error() + ")"
	}
	return path
}
