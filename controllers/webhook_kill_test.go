package controllers_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/receiver"
)

const (
	killEvents    = 2000
	killClients   = 16
	killHookToken = "test-webhook-token"
)

// hookWorld is a world whose sample mapping takes webhooks, with killEvents
// 99minds customers to announce.
func hookWorld(t *testing.T) (*world, []string) {
	t.Helper()
	w := newWorld(t, nil)
	var ids []string
	for _, c := range w.nn.Generate(killEvents).Customers {
		ids = append(ids, c.ID)
	}
	w.secret("webhook", map[string]string{"token": killHookToken})
	m := w.sampleMapping(sample)
	m.Spec.Triggers = &v1alpha1.Triggers{
		Events: []v1alpha1.TriggerEvent{v1alpha1.TriggerCreated, v1alpha1.TriggerUpdated},
		Webhook: &v1alpha1.WebhookTrigger{TokenSecretRef: v1alpha1.SecretKeyReference{Name: "webhook", Key: "token"},
			CoalesceWindow: &metav1.Duration{Duration: 100 * time.Millisecond}},
	}
	w.create(m)
	return w, ids
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// deliverAll posts one event per id from killClients senders, each
// delivering again until it gets 202, as a webhook sender does. It returns
// when every event got its 202, or fails the test at the deadline.
func deliverAll(t *testing.T, base, path string, ids []string, deadline time.Time) (retried int64) {
	t.Helper()
	next := make(chan string)
	var wg sync.WaitGroup
	var again atomic.Int64
	client := &http.Client{Timeout: 20 * time.Second}
	for range killClients {
		wg.Go(func() {
			for id := range next {
				body := fmt.Sprintf(`{"notifications":[{"scope":"customer/updated","external_id":%q}]}`, id)
				for {
					req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+killHookToken)
					resp, err := client.Do(req)
					if err == nil {
						_ = resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted {
							break
						}
					}
					if time.Now().After(deadline) {
						t.Errorf("event %s never got a 202", id)
						break
					}
					again.Add(1)
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	return again.Load()
}

// syncedOnce waits for every triggered request to finish and checks that
// each announced customer is in iPaaS.com exactly once.
func (w *world) syncedOnce(ids []string) {
	w.t.Helper()
	w.eventually(3*time.Minute, "every triggered request to finish", func() (bool, error) {
		var list v1alpha1.CustomerSyncRequestList
		if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns)); err != nil {
			return false, err
		}
		for _, r := range list.Items {
			if r.Status.CompletionTime == nil {
				return false, nil
			}
		}
		return len(list.Items) > 0, nil
	})
	if n := len(w.ip.Customers()); n != len(ids) {
		w.t.Errorf("iPaaS.com holds %d customers for %d announced", n, len(ids))
	}
	for _, id := range ids {
		if n := len(w.ip.FindByCustomerNumber(id)); n != 1 {
			w.t.Fatalf("customer %s is in iPaaS.com %d times, want exactly once", id, n)
		}
	}
}

// Every event answered 202 is synced exactly once, though the operator is
// SIGKILLed three times while 16 senders deliver 2,000 events.
func TestWebhookEventsSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the operator binary")
	}
	bin := buildManager(t)
	w, ids := hookWorld(t)
	addr := freePort(t)
	args := []string{"--webhook-bind-address=" + addr}
	var mu sync.Mutex
	current := runManager(t, bin, args...)

	done := make(chan struct{})
	var kills atomic.Int32
	go func() { // three kills at random moments while events arrive
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		for range 3 {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(1000+rng.IntN(3000)) * time.Millisecond):
			}
			mu.Lock()
			current.kill()
			kills.Add(1)
			current = runManager(t, bin, args...)
			mu.Unlock()
		}
	}()
	retried := deliverAll(t, "http://"+addr, receiver.HookPath(w.ns, mapping), ids, time.Now().Add(4*time.Minute))
	close(done)
	if kills.Load() == 0 {
		t.Fatal("the senders finished before any kill; the test proves nothing")
	}
	t.Logf("%d kills; %d deliveries were sent again", kills.Load(), retried)
	w.syncedOnce(ids)
}

// With two replicas behind one address, leader and standby, every delivery
// reaches a listener, and when the leader is killed the standby takes over
// the syncing within the lease: nothing is lost.
func TestWebhookEventsSurviveLosingTheLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the operator binary")
	}
	bin := buildManager(t)
	w, ids := hookWorld(t)
	election := []string{"--leader-elect", "--leader-elect-namespace=" + w.ns,
		"--leader-elect-lease-duration=3s", "--leader-elect-renew-deadline=2s", "--leader-elect-retry-period=500ms"}
	addrs := []string{freePort(t), freePort(t)}
	procs := make([]*process, 2)
	for i, a := range addrs {
		procs[i] = runManager(t, bin, append([]string{"--webhook-bind-address=" + a}, election...)...)
	}
	front := roundRobin(t, addrs)

	// The standby receives too: a delivery straight to it is stored.
	deadline := time.Now().Add(30 * time.Second)
	standby := -1
	for standby < 0 {
		for i, p := range procs {
			if p.said("successfully acquired lease") {
				standby = 1 - i
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no replica became the leader")
		}
		time.Sleep(100 * time.Millisecond)
	}
	deliverAll(t, "http://"+addrs[standby], receiver.HookPath(w.ns, mapping), ids[:1], time.Now().Add(30*time.Second))

	var leader atomic.Int32
	leader.Store(-1)
	go func() { // kill the leader once events flow
		time.Sleep(2 * time.Second)
		for i, p := range procs {
			if p.said("successfully acquired lease") {
				leader.Store(int32(i))
				p.kill()
				return
			}
		}
	}()
	retried := deliverAll(t, front, receiver.HookPath(w.ns, mapping), ids, time.Now().Add(4*time.Minute))
	if leader.Load() < 0 {
		t.Fatal("no leader was killed; the test proves nothing")
	}
	t.Logf("killed replica %d, the leader; %d deliveries were sent again", leader.Load(), retried)
	w.syncedOnce(ids)
	if standby := procs[1-leader.Load()]; !standby.said("successfully acquired lease") {
		t.Error("the standby never took the lease")
	}
}

// roundRobin serves a reverse proxy that sends each request to the next
// address, as a Service spreads connections over pods; a refused
// connection is answered 502, which senders retry.
func roundRobin(t *testing.T, addrs []string) string {
	t.Helper()
	var n atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target := &url.URL{Scheme: "http", Host: addrs[n.Add(1)%uint64(len(addrs))]}
			r.SetURL(target)
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// said reports whether the process logged text, in any case.
func (p *process) said(text string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Contains(bytes.ToLower(p.log.Bytes()), []byte(strings.ToLower(text)))
}
