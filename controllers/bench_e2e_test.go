package controllers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
)

// The end-to-end benchmark of issue 16: the manager binary, a real API
// server and the simulators over loopback with injected latency.
const (
	e2eRecords = 2000
	e2eLatency = 20 * time.Millisecond
)

// e2eFinished is how many finished requests the memory phase stores
// (E2E_FINISHED overrides it, for a quicker run).
func e2eFinished() int {
	if n, err := strconv.Atoi(os.Getenv("E2E_FINISHED")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// managerEnv runs the manager as the chart does under its default 1-CPU
// limit, with GOMAXPROCS=1 (E2E_GOMAXPROCS overrides it; "default" leaves
// Go's own, at least 2).
func managerEnv() []string {
	switch v := os.Getenv("E2E_GOMAXPROCS"); v {
	case "":
		return []string{"GOMAXPROCS=1"}
	case "default":
		return nil
	default:
		return []string{"GOMAXPROCS=" + v}
	}
}

// managerArgs are the benchmark manager's flags: E2E_PPROF=host:port
// serves its profiles there, to profile a phase while it runs.
func managerArgs(args ...string) []string {
	if addr := os.Getenv("E2E_PPROF"); addr != "" {
		args = append(args, "--pprof-bind-address="+addr)
	}
	return args
}

// BenchmarkE2E syncs 2,000 99minds customers into iPaaS.com with 20 ms
// added to every call, at --record-parallelism 8 and 32: new customers (4
// sequential round trips at the least), the update the Update rules make
// (3) and an unchanged pass (2). It reports wall time against T_min = N ×
// round trips × latency / parallelism, the manager's and the API server's
// CPU per 1,000 records and per HTTP call. Then, against an iPaaS.com that
// accepts 50 requests/s and no rateLimit, the share of 429 answers after the
// first 10 s and the useful rate; then the manager's RSS with 10,000
// finished requests stored.
//
//	go test ./controllers -run '^$' -bench E2E -benchtime 1x -timeout 60m
func BenchmarkE2E(b *testing.B) {
	bin := buildManager(b)
	for _, p := range []int{8, 32} {
		b.Run(fmt.Sprintf("parallelism=%d", p), func(b *testing.B) {
			w := newWorld(b, nil)
			w.nn.Generate(e2eRecords)
			ids := make([]string, 0, e2eRecords)
			for _, c := range w.nn.Customers() {
				ids = append(ids, c.ID)
			}
			lat := fault.Config{Latency: e2eLatency}
			for _, s := range []interface{ SetFaults(fault.Config) error }{w.nn, w.ip} {
				if err := s.SetFaults(lat); err != nil {
					b.Fatal(err)
				}
			}
			proc := runManagerEnv(b, bin, managerEnv(), managerArgs(fmt.Sprintf("--record-parallelism=%d", p))...)
			w.createBenchMapping(b)
			w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
			// What the two processes spend with nothing to sync (the API
			// server's own housekeeping, the manager's leases, probes and
			// GC), so that the CPU the sync costs can be told from it.
			idleMgr, idleAPI := idleCPU(b, proc.cmd.Process.Pid, 5*time.Second)
			b.Logf("idle: manager %.0f ms/s, API server %.0f ms/s", idleMgr*1000, idleAPI*1000)
			for _, phase := range []struct {
				name   string
				trips  int
				action v1alpha1.RecordAction
			}{{"new", 4, v1alpha1.ActionCreated}, {"update", 3, v1alpha1.ActionUpdated}, {"unchanged", 2, v1alpha1.ActionUnchanged}} {
				calls0, reqs0 := w.nn.Count()+w.ip.Count(), apiRequests(b)
				cpu0, api0 := cpuSeconds(b, proc.cmd.Process.Pid), cpuSeconds(b, apiServerPid(b))
				tmin := time.Duration(e2eRecords*phase.trips) * e2eLatency / time.Duration(p)
				start := time.Now()
				// E2E_APISERVER_PROFILE=dir writes a CPU profile of kube-apiserver
				// for each phase there (its --profiling is on by default).
				var profiled chan struct{}
				if dir := os.Getenv("E2E_APISERVER_PROFILE"); dir != "" {
					profiled = make(chan struct{})
					go func() {
						defer close(profiled)
						apiServerProfile(b, filepath.Join(dir, fmt.Sprintf("apiserver-%s-%d.prof", phase.name, p)), tmin)
					}()
				}
				w.create(w.request(phase.name, mapping, ids...))
				csr := watchFinished(b, w, phase.name)
				wall := time.Since(start)
				cpu, api := cpuSeconds(b, proc.cmd.Process.Pid)-cpu0, cpuSeconds(b, apiServerPid(b))-api0
				calls := w.nn.Count() + w.ip.Count() - calls0
				if profiled != nil {
					<-profiled
				}
				if csr.Status.Succeeded != e2eRecords {
					b.Fatalf("%s: %+v", phase.name, csr.Status.FailureReasons)
				}
				if r := csr.Status.Results[0]; r.Action != phase.action {
					b.Fatalf("%s: a result is %s, want %s", phase.name, r.Action, phase.action)
				}
				b.ReportMetric(wall.Seconds()/tmin.Seconds(), phase.name+"-x-Tmin")
				b.ReportMetric(cpu/e2eRecords*1000, phase.name+"-manager-cpu-s/1000rec")
				b.ReportMetric(cpu/float64(calls)*1e6, phase.name+"-manager-µs/call")
				b.ReportMetric(api/e2eRecords*1000, phase.name+"-apiserver-cpu-s/1000rec")
				netCPU, netAPI := cpu-idleMgr*wall.Seconds(), api-idleAPI*wall.Seconds()
				b.ReportMetric(netCPU/float64(calls)*1e6, phase.name+"-manager-net-µs/call")
				b.ReportMetric(netAPI/e2eRecords*1000, phase.name+"-apiserver-net-cpu-s/1000rec")
				b.Logf("%s: %d records in %s (T_min %s), %d calls, manager %.2f CPU-s (%.2f above idle), API server %.2f CPU-s (%.2f above idle); API requests: %s",
					phase.name, e2eRecords, wall.Round(time.Millisecond), tmin, calls, cpu, netCPU, api, netAPI, diffRequests(reqs0, apiRequests(b)))
			}
			b.ReportMetric(0, "ns/op")
		})
	}
	b.Run("rate-limited", func(b *testing.B) { benchRateLimited(b, bin) })
	b.Run("finished-requests", func(b *testing.B) { benchFinishedRSS(b, bin) })
}

// createBenchMapping creates the sample mapping and deletes it when the
// benchmark ends: namespaces are never emptied on envtest, and a mapping
// left behind, its simulators gone, would be retried by the next phase's
// manager every --mapping-retry-interval, in that phase's CPU.
func (w *world) createBenchMapping(b *testing.B) {
	m := w.sampleMapping(sample)
	w.create(m)
	b.Cleanup(func() {
		if err := env.Client.Delete(context.Background(), m); client.IgnoreNotFound(err) != nil {
			b.Errorf("deleting the mapping: %v", err)
		}
	})
}

// apiRequests reads the API server's apiserver_request_total, summed by
// verb and resource, to say what the manager asks of it.
func apiRequests(b *testing.B) map[string]float64 {
	b.Helper()
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	label := func(l, name string) string {
		_, v, ok := strings.Cut(l, name+`="`)
		if !ok {
			return ""
		}
		v, _, _ = strings.Cut(v, `"`)
		return v
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "apiserver_request_total{") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		n, _ := strconv.ParseFloat(l[i+1:], 64)
		key := label(l, "verb") + " " + label(l, "resource")
		if sub := label(l, "subresource"); sub != "" {
			key += "/" + sub
		}
		out[key] += n
	}
	return out
}

// diffRequests lists the requests made between two readings.
func diffRequests(before, after map[string]float64) string {
	var parts []string
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f", k, d))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// apiServerProfile writes d of kube-apiserver's CPU profile to file.
func apiServerProfile(b *testing.B, file string, d time.Duration) {
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		b.Error(err)
		return
	}
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/debug/pprof/profile").
		Param("seconds", strconv.Itoa(max(int(d.Seconds()), 1))).Timeout(d + time.Minute).DoRaw(context.Background())
	if err == nil {
		err = os.WriteFile(file, raw, 0o644)
	}
	if err != nil {
		b.Errorf("kube-apiserver profile: %v", err)
	}
}

// idleCPU is the CPU per second the manager and the API server spend over
// d with nothing to do.
func idleCPU(b *testing.B, pid int, d time.Duration) (manager, api float64) {
	m0, a0 := cpuSeconds(b, pid), cpuSeconds(b, apiServerPid(b))
	start := time.Now()
	time.Sleep(d) // a measurement window, not a wait for behaviour
	el := time.Since(start).Seconds()
	return (cpuSeconds(b, pid) - m0) / el, (cpuSeconds(b, apiServerPid(b)) - a0) / el
}

// benchRateLimited creates 500 customers against an iPaaS.com that accepts
// 50 requests/s, with no rateLimit on the mapping.
func benchRateLimited(b *testing.B, bin string) {
	const n, limit = 500, 50
	w := newWorld(b, nil)
	w.nn.Generate(n)
	var ids []string
	for _, c := range w.nn.Customers() {
		ids = append(ids, c.ID)
	}
	if err := w.ip.SetFaults(fault.Config{MaxRPS: limit}); err != nil {
		b.Fatal(err)
	}
	runManagerEnv(b, bin, managerEnv(), managerArgs()...)
	w.createBenchMapping(b)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	calls0, rl0 := w.ip.Count(), refused(w.ip.FaultStats())
	start := time.Now()
	w.create(w.request("limited", mapping, ids...))
	var warmCalls, warmRL int64
	w.eventually(2*time.Minute, "10 s of sync", func() (bool, error) {
		warmCalls, warmRL = w.ip.Count(), refused(w.ip.FaultStats())
		return time.Since(start) >= 10*time.Second, nil
	})
	warmAt := time.Now()
	csr := watchFinished(b, w, "limited")
	if csr.Status.Succeeded != n {
		b.Fatalf("%+v", csr.Status.FailureReasons)
	}
	calls, rl := w.ip.Count()-warmCalls, refused(w.ip.FaultStats())-warmRL
	b.ReportMetric(100*float64(rl)/float64(max(calls, 1)), "%429-after-10s")
	b.ReportMetric(float64(calls-rl)/time.Since(warmAt).Seconds()/limit, "useful-rate/limit")
	b.Logf("%d iPaaS.com calls in %s, %d answered 429 (%d in the first 10 s)", w.ip.Count()-calls0,
		time.Since(start).Round(time.Millisecond), refused(w.ip.FaultStats())-rl0, warmRL-rl0)
	b.ReportMetric(0, "ns/op")
}

// benchFinishedRSS stores finished requests (one unchanged customer each)
// and reads the manager's resident memory before and after.
func benchFinishedRSS(b *testing.B, bin string) {
	n := e2eFinished()
	w := newWorld(b, seedData())
	proc := runManagerEnv(b, bin, managerEnv(), managerArgs()...)
	w.createBenchMapping(b)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("first", mapping, janeID))
	w.finished("first", time.Minute)
	idle := rssMiB(b, proc.cmd.Process.Pid)
	for i := range n {
		w.create(w.request(fmt.Sprintf("done-%05d", i), mapping, janeID))
	}
	w.finished(fmt.Sprintf("done-%05d", n-1), 30*time.Minute)
	w.eventually(30*time.Minute, "every request finished", func() (bool, error) {
		var list v1alpha1.CustomerSyncRequestList
		if err := w.c.List(w.ctx, &list); err != nil {
			return false, err
		}
		done := 0
		for i := range list.Items {
			if list.Items[i].Namespace == w.ns && list.Items[i].Status.CompletionTime != nil {
				done++
			}
		}
		return done >= n+1, nil
	})
	rss := rssMiB(b, proc.cmd.Process.Pid)
	b.ReportMetric(idle, "idle-RSS-MiB")
	b.ReportMetric(rss, "RSS-MiB")
	b.ReportMetric(float64(n), "finished-requests")
	b.ReportMetric(0, "ns/op")
}

// cpuSeconds is a process's user and system CPU time so far.
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command (which may hold spaces) start at ')'.
	f := strings.Fields(string(raw)[strings.LastIndexByte(string(raw), ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// rssMiB is a process's resident set size.
func rssMiB(b *testing.B, pid int) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// apiServerPid finds the test's kube-apiserver among this process's
// children.
func apiServerPid(b *testing.B) int {
	b.Helper()
	self := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), "kube-apiserver") {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
		if f[1] == self {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	b.Fatal("no kube-apiserver child found")
	return 0
}

// refused counts the answers 429: injected ones and those above maxRPS.
func refused(s fault.Stats) int64 { return s.RateLimited + s.RPSLimited }

// watchFinished waits for a request to finish through a watch, so that
// the benchmark's own reads do not load the API server it measures.
func watchFinished(b *testing.B, w *world, name string) *v1alpha1.CustomerSyncRequest {
	b.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, 10*time.Minute)
	defer cancel()
	watch, err := wc.Watch(ctx, &v1alpha1.CustomerSyncRequestList{}, client.InNamespace(w.ns),
		client.MatchingFields{"metadata.name": name})
	if err != nil {
		b.Fatal(err)
	}
	defer watch.Stop()
	for ev := range watch.ResultChan() {
		if csr, ok := ev.Object.(*v1alpha1.CustomerSyncRequest); ok && csr.Status.CompletionTime != nil {
			return csr
		}
	}
	b.Fatalf("request %s did not finish", name)
	return nil
}

// BenchmarkUnrelatedObjectsRSS measures the manager's resident memory
// before and after 2,000 unrelated Secrets and 2,000 ConfigMaps of 10 KiB
// appear in its namespace: Secrets and ConfigMaps are watched by metadata
// and read only when a mapping names them, so it grows by their metadata.
//
//	go test ./controllers -run '^$' -bench UnrelatedObjectsRSS -benchtime 1x
func BenchmarkUnrelatedObjectsRSS(b *testing.B) {
	bin := buildManager(b)
	w := newWorld(b, seedData())
	proc := runManager(b, bin)
	w.createBenchMapping(b)
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	time.Sleep(5 * time.Second) // let the manager settle before the first reading
	before := rssMiB(b, proc.cmd.Process.Pid)
	blob := strings.Repeat("x", 10<<10)
	for i := range 2000 {
		w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%04d", i), Namespace: w.ns},
			StringData: map[string]string{"data": blob}})
		w.create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%04d", i), Namespace: w.ns},
			Data: map[string]string{"data": blob}})
	}
	time.Sleep(10 * time.Second) // the watches deliver them
	after := rssMiB(b, proc.cmd.Process.Pid)
	b.ReportMetric(before, "RSS-before-MiB")
	b.ReportMetric(after, "RSS-after-MiB")
	b.ReportMetric(after-before, "growth-MiB")
	b.ReportMetric(0, "ns/op")
}
