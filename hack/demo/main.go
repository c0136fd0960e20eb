// Command demo shows the operator doing its whole job on one machine with
// nothing but Go: it starts a local control plane (envtest's kube-apiserver
// and etcd), the 99minds, iPaaS.com and OpenAI simulators and the operator,
// applies config/samples pointed at the simulators, waits for every sample
// request to finish and prints what a user would look at. With -dev it keeps
// everything running for exploring with kubectl until Ctrl-C.
//
// `make demo` and `make dev` build the binaries and run it; see docs/demo.md.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

type options struct {
	dev                       bool
	assets, manager, sim      string
	repo, namespace           string
	readyTimeout, syncTimeout time.Duration
}

func main() {
	var o options
	flag.BoolVar(&o.dev, "dev", false, "keep everything running for exploring with kubectl until Ctrl-C")
	flag.StringVar(&o.assets, "assets", os.Getenv("KUBEBUILDER_ASSETS"),
		"directory with kube-apiserver, etcd and kubectl (the output of hack/envtest/build.sh; default $KUBEBUILDER_ASSETS)")
	flag.StringVar(&o.manager, "manager", "bin/manager", "the operator binary (go build ./cmd/manager)")
	flag.StringVar(&o.sim, "simulator", "bin/simulator", "the simulator binary (go build ./cmd/simulator)")
	flag.StringVar(&o.repo, "repo", ".", "the repository root, for config/crd/bases and config/samples")
	flag.StringVar(&o.namespace, "namespace", "demo", "namespace for the samples")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", time.Minute, "how long to wait for the operator and the mappings to be ready")
	flag.DurationVar(&o.syncTimeout, "sync-timeout", 90*time.Second, "how long to wait for the sample requests to finish")
	watchdogMode := flag.Bool("watchdog", false, "internal: guard the demo's processes (see watchdog.go)")
	flag.Parse()
	if *watchdogMode {
		signal.Ignore(os.Interrupt)
		os.Exit(runWatchdog(os.Stdin))
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected arguments %v\n", flag.Args())
		os.Exit(2)
	}
	// Ctrl-C and SIGTERM cancel the context; the cleanup then stops every
	// process in order. Further signals are swallowed until it is done, as
	// a second Ctrl-C that killed the demo would orphan the control plane.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, o, os.Stdout)
	stop()
	os.Exit(code)
}

// demo is one run: the processes it started and how to reach them.
type demo struct {
	o        options
	out      io.Writer
	dir      string
	cleanups []func()

	kubeconfig string
	kubectl    string
	c          client.Client
	sim, op    *proc
	ep         endpoints
	k          keys
	hook       *simWebhook // dev only: the 99minds simulator's webhook target
	wd         *watchdog
	webhookURL string // the operator's receiver
	probeURL   string
	metricsURL string
	start      time.Time
}

func run(sigCtx context.Context, o options, out io.Writer) int {
	d := &demo{o: o, out: out, start: time.Now()}
	// A child that dies cancels ctx with a cause, so waits end at once.
	ctx, cancel := context.WithCancelCause(sigCtx)
	defer cancel(nil)
	defer d.cleanup()

	setupErr := d.setup(ctx, cancel)
	var failures []string
	err := setupErr
	if err == nil {
		failures, err = d.exercise(ctx)
	}
	if sigCtx.Err() != nil {
		fmt.Fprintln(out, "\nInterrupted.")
		return 130
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			err = cause // a child died: say which, not "context canceled"
		}
		failures = append(failures, err.Error())
	}
	if len(failures) > 0 {
		d.fail(failures...)
	}
	// dev keeps running after a failed sample, to let the user look into
	// it; only a failed start or a dead child ends it.
	if o.dev && setupErr == nil && ctx.Err() == nil {
		d.printDev()
		select {
		case <-sigCtx.Done():
			return 0
		case <-ctx.Done():
			d.fail(context.Cause(ctx).Error())
			return 1
		}
	}
	d.cleanup()
	logs := ""
	if d.dir != "" {
		logs = " Logs: " + d.dir
	}
	if len(failures) > 0 {
		fmt.Fprintf(out, "\nDEMO FAILED after %s (details above).%s\n", time.Since(d.start).Round(time.Second), logs)
		return 1
	}
	fmt.Fprintf(out, "\nDEMO PASSED in %s: every sample request finished as expected.%s\n",
		time.Since(d.start).Round(time.Second), logs)
	return 0
}

// fail prints what went wrong and the end of the operator's log.
func (d *demo) fail(msgs ...string) {
	d.step("Problems")
	for _, m := range msgs {
		fmt.Fprintln(d.out, "  - "+m)
	}
	if d.op != nil {
		fmt.Fprintf(d.out, "\nLast lines of the operator log (%s):\n%s\n", d.op.logPath, indent(tail(d.op.logPath, 25), "  "))
	}
}

// cleanup runs the registered stops in reverse: operator, simulators,
// control plane.
func (d *demo) cleanup() {
	if len(d.cleanups) > 0 {
		d.step("Stopping")
	}
	for i := len(d.cleanups) - 1; i >= 0; i-- {
		d.cleanups[i]()
	}
	d.cleanups = nil
}

func (d *demo) onCleanup(f func()) { d.cleanups = append(d.cleanups, f) }

func (d *demo) step(title string) {
	fmt.Fprintf(d.out, "\n== %s\n", title)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "   "+format+"\n", args...)
}

func scheme() *kruntime.Scheme {
	s := kruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}

// setup starts the control plane, the simulators and the operator.
func (d *demo) setup(ctx context.Context, cancel context.CancelCauseFunc) error {
	if err := d.checkInputs(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "customer-sync-demo-")
	if err != nil {
		return err
	}
	d.dir = dir
	if d.wd, err = startWatchdog(filepath.Join(dir, "watchdog.log")); err != nil {
		return fmt.Errorf("starting the watchdog: %w", err)
	}
	d.onCleanup(d.wd.disarm) // runs last, once everything is stopped
	mode := "demo"
	if d.o.dev {
		mode = "dev"
	}
	fmt.Fprintf(d.out, "customer-sync-operator %s: everything runs on 127.0.0.1; logs and kubeconfig in %s\n", mode, dir)

	if err := d.startControlPlane(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.k = keys{nn: "demo-99minds-" + randomHex(8), ipaas: "demo-ipaas-" + randomHex(8), openai: "sk-demo-" + randomHex(12)}

	// Ports are free when picked but may be taken before a child binds
	// them; a clash is retried with new ports.
	for attempt := 1; ; attempt++ {
		clash, err := d.startProcesses(ctx, cancel)
		if err == nil {
			return nil
		}
		if !clash || attempt == 3 {
			return err
		}
		d.say("%v; retrying with other ports", err)
	}
}

func (d *demo) checkInputs() error {
	if d.o.assets == "" {
		return errors.New("no envtest binaries: pass -assets or set KUBEBUILDER_ASSETS (`make demo` does, from hack/envtest/build.sh)")
	}
	for _, f := range []string{
		filepath.Join(d.o.assets, "kube-apiserver"), filepath.Join(d.o.assets, "etcd"), filepath.Join(d.o.assets, "kubectl"),
		d.o.manager, d.o.sim,
	} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: run `make demo`, which builds it", f)
		}
	}
	for _, dir := range []string{"config/crd/bases", "config/samples"} {
		if _, err := os.Stat(filepath.Join(d.o.repo, dir)); err != nil {
			return fmt.Errorf("%s not found under %s: run from the repository root or pass -repo", dir, d.o.repo)
		}
	}
	d.kubectl = filepath.Join(d.o.assets, "kubectl")
	return nil
}

func (d *demo) startControlPlane(ctx context.Context) error {
	d.step("Control plane: kube-apiserver and etcd (envtest)")
	t := time.Now()
	apiLog, err := os.Create(filepath.Join(d.dir, "kube-apiserver.log"))
	if err != nil {
		return err
	}
	etcdLog, err := os.Create(filepath.Join(d.dir, "etcd.log"))
	if err != nil {
		return err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(d.o.repo, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: d.o.assets,
		Scheme:                scheme(),
		// Never the cluster of the user's kubeconfig, whatever
		// USE_EXISTING_CLUSTER says.
		UseExistingCluster:       ptr.To(false),
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	env.ControlPlane.GetAPIServer().Out, env.ControlPlane.GetAPIServer().Err = apiLog, apiLog
	env.ControlPlane.Etcd = &envtest.Etcd{Out: etcdLog, Err: etcdLog}
	// envtest does not expose its processes: find them while it starts
	// (it can take minutes on a cold machine) and hand them to the watchdog.
	stopScan, scanned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(scanned)
		seen := map[int]bool{}
		scan := func() {
			for _, pid := range controlPlanePIDs() {
				if !seen[pid] {
					seen[pid] = true
					d.wd.guard(pid)
				}
			}
		}
		for {
			scan()
			select {
			case <-stopScan:
				scan()
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	startDone := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			d.say("(interrupted: stopping as soon as the control plane has finished starting)")
		case <-startDone:
		}
	}()
	cfg, err := env.Start()
	close(startDone)
	close(stopScan)
	<-scanned
	if err != nil {
		// Stop whatever part of it started (etcd, or all but the CRDs).
		_ = env.Stop()
		apiLog.Close()
		etcdLog.Close()
		return fmt.Errorf("starting the control plane from %s: %w (see %s)", d.o.assets, err, apiLog.Name())
	}
	d.onCleanup(func() {
		fmt.Fprintln(d.out, "   stopping the control plane")
		if err := env.Stop(); err != nil {
			fmt.Fprintf(d.out, "   control plane: %v\n", err)
		}
		apiLog.Close()
		etcdLog.Close()
	})
	user, err := env.ControlPlane.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	if kc, err = withNamespace(kc, d.o.namespace); err != nil {
		return err
	}
	d.kubeconfig = filepath.Join(d.dir, "kubeconfig")
	if err := os.WriteFile(d.kubeconfig, kc, 0o600); err != nil {
		return err
	}
	// For every kubectl the demo runs (the operator gets --kubeconfig).
	if err := os.Setenv("KUBECONFIG", d.kubeconfig); err != nil {
		return err
	}
	if d.c, err = client.New(cfg, client.Options{Scheme: env.Scheme}); err != nil {
		return err
	}
	d.say("API server %s with the CRDs of config/crd/bases, up in %s", cfg.Host, time.Since(t).Round(100*time.Millisecond))
	d.say("kubeconfig: %s", d.kubeconfig)
	return nil
}

// startProcesses starts the simulators and the operator on fresh ports. It
// reports clash when a child could not bind its port.
func (d *demo) startProcesses(ctx context.Context, cancel context.CancelCauseFunc) (clash bool, err error) {
	ports, err := freePorts(6)
	if err != nil {
		return false, err
	}
	addrs := simAddrs{nn: loopback(ports[0]), ipaas: loopback(ports[1]), openai: loopback(ports[2])}
	webhookAddr, metricsAddr, probeAddr := loopback(ports[3]), loopback(ports[4]), loopback(ports[5])
	d.ep = endpoints{nn: "http://" + addrs.nn, ipaas: "http://" + addrs.ipaas, openai: "http://" + addrs.openai}
	d.webhookURL = "http://" + webhookAddr
	d.probeURL, d.metricsURL = "http://"+probeAddr, "http://"+metricsAddr
	if d.o.dev {
		d.hook = &simWebhook{
			URL:   fmt.Sprintf("%s/hooks/%s/ninetynineminds-to-ipaas", d.webhookURL, d.o.namespace),
			Token: "demo-webhook-" + randomHex(8),
		}
	}

	d.step("Simulators: 99minds, iPaaS.com and OpenAI (bin/simulator)")
	cfg, err := simulatorConfig(addrs, d.k, d.hook)
	if err != nil {
		return false, err
	}
	cfgPath := filepath.Join(d.dir, "simulator.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return false, err
	}
	sim, err := startProc("simulators", filepath.Join(d.dir, "simulator.log"), d.o.sim, "-config", cfgPath)
	if err != nil {
		return false, err
	}
	d.wd.guard(sim.cmd.Process.Pid)
	stopSim := func() {
		if err := sim.stop(10 * time.Second); err != nil {
			fmt.Fprintf(d.out, "   simulators: %v\n", err)
		}
	}
	var urls []string
	for _, u := range []string{d.ep.nn, d.ep.ipaas, d.ep.openai} {
		urls = append(urls, u+"/_admin/counters")
	}
	if err := waitHTTP(ctx, sim, 30*time.Second, urls...); err != nil {
		stopSim()
		return logMentions(sim.logPath, "address already in use"), err
	}
	d.say("99minds    %s  (3 customers with loyalty cards and transactions)", d.ep.nn)
	d.say("iPaaS.com  %s  (customer %s)", d.ep.ipaas, openaiCNo)
	d.say("OpenAI     %s/v1", d.ep.openai)
	d.say("config and sample data: %s", cfgPath)

	d.step("Operator (bin/manager)")
	t := time.Now()
	op, err := startProc("operator", filepath.Join(d.dir, "operator.log"), d.o.manager,
		"--kubeconfig", d.kubeconfig,
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", probeAddr,
		"--webhook-bind-address", webhookAddr)
	if err != nil {
		stopSim()
		return false, err
	}
	d.wd.guard(op.cmd.Process.Pid)
	stopOp := func() {
		if err := op.stop(20 * time.Second); err != nil {
			fmt.Fprintf(d.out, "   operator: %v\n", err)
		}
	}
	if err := waitHTTP(ctx, op, d.o.readyTimeout, d.probeURL+"/readyz"); err != nil {
		stopOp()
		stopSim()
		if logMentions(op.logPath, "address already in use") {
			return true, err
		}
		d.op = op // for the log tail in the failure report
		return false, err
	}
	// From here on both run until cleanup: operator first, then simulators.
	d.sim, d.op = sim, op
	d.onCleanup(func() { fmt.Fprintln(d.out, "   stopping the simulators"); stopSim() })
	d.onCleanup(func() { fmt.Fprintln(d.out, "   stopping the operator"); stopOp() })
	sim.watch(ctx, cancel)
	op.watch(ctx, cancel)
	d.say("ready in %s (/readyz answered 200)", time.Since(t).Round(100*time.Millisecond))
	d.say("log: %s", op.logPath)
	return false, nil
}

// waitHTTP waits until every URL answers 200, failing early when the
// process exits.
func waitHTTP(ctx context.Context, p *proc, timeout time.Duration, urls ...string) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for _, u := range urls {
		for {
			resp, err := hc.Get(u)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if p.exited() {
				return fmt.Errorf("%s exited during start (%v); last lines of %s:\n%s", p.name, p.err, p.logPath, indent(tail(p.logPath, 10), "     "))
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s did not answer %s within %s; see %s", p.name, u, timeout, p.logPath)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// exercise applies the samples, waits for them and reports. It returns the
// checks that failed.
func (d *demo) exercise(ctx context.Context) ([]string, error) {
	d.step(fmt.Sprintf("Samples: config/samples applied in namespace %q, pointed at the simulators", d.o.namespace))
	objs, err := loadSamples(filepath.Join(d.o.repo, "config", "samples"))
	if err != nil {
		return nil, err
	}
	if err := pointAtSimulators(objs, d.o.namespace, d.ep, d.k); err != nil {
		return nil, err
	}
	if err := d.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: d.o.namespace}}); err != nil {
		return nil, err
	}
	if d.hook != nil {
		// The token the 99minds simulator sends with its webhooks; the
		// mapping uses it once its webhook trigger is turned on.
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ninetynineminds-webhook", Namespace: d.o.namespace},
			StringData: map[string]string{"token": d.hook.Token}}
		if err := d.c.Create(ctx, s); err != nil {
			return nil, err
		}
	}
	var mappings []string
	var dryRuns, requests []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "CustomerSyncRequest":
			if dry, _, _ := unstructured.NestedBool(o.Object, "spec", "dryRun"); dry {
				dryRuns = append(dryRuns, o)
			} else {
				requests = append(requests, o)
			}
			continue
		case "CustomerMapping":
			mappings = append(mappings, o.GetName())
		}
		if err := d.c.Create(ctx, o); err != nil {
			return nil, fmt.Errorf("creating %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		d.say("created %s/%s", strings.ToLower(o.GetKind()), o.GetName())
	}
	d.say("(Secrets hold the simulators' keys; endpoints point at the simulators)")

	d.step("Waiting for the mappings to be Ready")
	t := time.Now()
	if err := d.waitMappings(ctx, mappings); err != nil {
		return nil, err
	}
	d.say("%d mappings Ready in %s", len(mappings), time.Since(t).Round(100*time.Millisecond))

	// The dry run goes first, so it shows what the first real sync will
	// do (WouldCreate) rather than racing it.
	d.step("Sync requests: the dry run first, then the others at once")
	t = time.Now()
	if err := d.createAndWait(ctx, dryRuns); err != nil {
		return nil, err
	}
	afterDryRun, err := d.ipaasCustomers(ctx)
	if err != nil {
		return nil, err
	}
	// The rest at once, as `kubectl apply -k config/samples` creates them:
	// two of them sync the same 99minds customer, which must still end up
	// in iPaaS.com exactly once.
	if err := d.createAndWait(ctx, requests); err != nil {
		return nil, err
	}
	d.say("all %d requests finished in %s", len(dryRuns)+len(requests), time.Since(t).Round(100*time.Millisecond))

	failures, err := d.report(ctx, append(dryRuns, requests...), len(afterDryRun))
	if err == nil && len(failures) == 0 {
		err = d.plugin(ctx)
	}
	return failures, err
}

// createAndWait creates the requests and waits for all to finish.
func (d *demo) createAndWait(ctx context.Context, reqs []*unstructured.Unstructured) error {
	var names []string
	for _, o := range reqs {
		if err := d.c.Create(ctx, o); err != nil {
			return fmt.Errorf("creating CustomerSyncRequest %s: %w", o.GetName(), err)
		}
		names = append(names, o.GetName())
		d.say("created customersyncrequest/%s", o.GetName())
	}
	return d.waitRequests(ctx, names)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// withNamespace makes ns the kubeconfig's default namespace, so kubectl
// finds the samples without -n.
func withNamespace(kubeconfig []byte, ns string) ([]byte, error) {
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, err
	}
	c, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return nil, fmt.Errorf("kubeconfig has no current context %q", cfg.CurrentContext)
	}
	c.Namespace = ns
	return clientcmd.Write(*cfg)
}
