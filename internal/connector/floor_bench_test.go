package connector_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/http1"
)

// floorServerEnv makes the test binary a server that answers every GET
// after 20 ms with a 99minds customer, for BenchmarkCallCPU.
const floorServerEnv = "CONNECTOR_FLOOR_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(floorServerEnv) != "" {
		serveFloor()
		return
	}
	os.Exit(m.Run())
}

func serveFloor() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("http://" + ln.Addr().String())
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) }() // exits with its parent
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(customerBody)
	}))
}

// cpuNow is this process's CPU time, user and system.
func cpuNow(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCallCPU measures the client's CPU per call in the end-to-end
// benchmark's pattern (a server in another process answering after 20 ms,
// over kept-alive connections), with 8 and 32 calls in flight: a bare GET
// whose body is discarded, through net/http and through internal/http1,
// against a connector.Client call (over http1) that waits for the limiter,
// times, counts, classifies and decodes the answer.
//
//	go test ./internal/connector -run '^$' -bench CallCPU -benchtime 6000x -count 3
func BenchmarkCallCPU(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floorServerEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		b.Fatal("the server said nothing")
	}
	base := out.Text()
	for _, inFlight := range []int{8, 32} {
		b.Run(fmt.Sprintf("in-flight=%d", inFlight), func(b *testing.B) { benchCallCPU(b, base, inFlight) })
	}
}

func benchCallCPU(b *testing.B, base string, inFlight int) {
	run := func(b *testing.B, call func() error) {
		var wg sync.WaitGroup
		calls := make(chan struct{})
		for range inFlight {
			wg.Go(func() {
				for range calls {
					if err := call(); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for range inFlight * 2 { // warm the connections
			calls <- struct{}{}
		}
		cpu0 := cpuNow(b)
		b.ResetTimer()
		for b.Loop() {
			calls <- struct{}{}
		}
		close(calls)
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64(cpuNow(b)-cpu0)/float64(b.N)/1e3, "client-µs/call")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("net-http", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inFlight}}
		run(b, func() error {
			resp, err := client.Get(base + "/api/v1/ipaas/customers/customer_000123")
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			return resp.Body.Close()
		})
	})
	b.Run("http1", func(b *testing.B) {
		rt := http1.New(http1.Config{MaxIdleConnsPerHost: inFlight, Fallback: http.DefaultTransport})
		run(b, func() error {
			req, err := http.NewRequest(http.MethodGet, base+"/api/v1/ipaas/customers/customer_000123", nil)
			if err != nil {
				return err
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			return resp.Body.Close()
		})
	})
	b.Run("connector", func(b *testing.B) {
		c, err := connector.NewClient(connector.ClientConfig{System: "floor", BaseURL: base,
			Transport: connector.NewTransport(connector.TransportConfig{System: "floor", Concurrency: inFlight, Registry: connector.NewRegistry()}),
			Auth:      connector.Bearer("key")})
		if err != nil {
			b.Fatal(err)
		}
		run(b, func() error {
			var m map[string]any
			return c.Do(context.Background(), connector.Call{Operation: "GetCustomer", Method: http.MethodGet,
				Path: "/api/v1/ipaas/customers/customer_000123", Out: &m})
		})
	})
}
