package ninetynineminds_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

// childEnv makes the test binary serve a simulator instead of running tests, so a benchmark
// can measure the simulator's own CPU apart from the client's.
const childEnv = "NINETYNINEMINDS_BENCH_CHILD"

var benchOptions = ninetynineminds.Options{APIKeys: []string{key}, Seed: 1, Generate: 1000}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		serveChild()
		return
	}
	os.Exit(m.Run())
}

// serveChild prints the base URL, then answers each "cpu" line on stdin with the process's CPU
// time in nanoseconds; it exits when stdin closes.
func serveChild() {
	s, err := ninetynineminds.Start(benchOptions)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println(s.URL)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		fmt.Println(ru.Utime.Nano() + ru.Stime.Nano())
	}
}

// BenchmarkGetCustomerSeparateProcess runs the simulator in a child process and reports, besides
// wall-clock req/s, the simulator's own CPU per request and the requests one core of it serves
// per second: a figure that holds even when other work shares the machine.
func BenchmarkGetCustomerSeparateProcess(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	out := bufio.NewScanner(stdout)
	if !out.Scan() || !strings.HasPrefix(out.Text(), "http://") {
		b.Fatalf("child said %q", out.Text())
	}
	base := out.Text()
	cpu := func() time.Duration {
		_, _ = io.WriteString(stdin, "cpu\n")
		out.Scan()
		ns, err := strconv.ParseInt(out.Text(), 10, 64)
		if err != nil {
			b.Fatalf("child said %q", out.Text())
		}
		return time.Duration(ns)
	}
	local, err := ninetynineminds.New(benchOptions) // same seed, same ids as the child's
	if err != nil {
		b.Fatal(err)
	}
	defer local.Close()
	var urls []string
	for _, c := range local.Customers() {
		urls = append(urls, base+"/api/v1/ipaas/customers/"+c.ID)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}
	b.SetParallelism(16)
	cpu0 := cpu()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		reqs := make([]*http.Request, len(urls))
		for i, u := range urls {
			reqs[i], _ = http.NewRequest("GET", u, nil)
			reqs[i].Header.Set("Authorization", "Bearer "+key)
		}
		for i := 0; pb.Next(); i++ {
			resp, err := client.Do(reqs[i%len(reqs)])
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	wall := time.Since(start)
	b.StopTimer()
	used := cpu() - cpu0
	b.ReportMetric(float64(b.N)/wall.Seconds(), "req/s")
	b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/1000, "server-µs/req")
	b.ReportMetric(float64(b.N)/used.Seconds(), "server-req/s/core")
}
