package ipaas_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

type received struct {
	auth string
	body ipaas.HookBody
	raw  string
}

// receiver answers with the given statuses in turn (then 200) and hands each hook to a channel.
func receiver(t *testing.T, statuses ...int) (*httptest.Server, chan received) {
	t.Helper()
	ch := make(chan received, 16)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var h ipaas.HookBody
		if err := json.Unmarshal(b, &h); err != nil {
			t.Errorf("hook body %s: %v", b, err)
		}
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			w.WriteHeader(statuses[i])
		}
		ch <- received{auth: r.Header.Get("Authorization"), body: h, raw: string(b)}
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func next(t *testing.T, ch chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no hook arrived")
		return received{}
	}
}

func TestHooksOnCreateAndUpdate(t *testing.T) {
	rcv, ch := receiver(t)
	s := seeded(t, ipaas.Options{Hook: ipaas.HookConfig{URL: rcv.URL, Token: "hook-secret", SystemID: 4711}})

	r := call(t, "POST", s.URL+"/customers/v2/Customer", key, `{"customer_number":"C-1","first_name":"A","last_name":"B","email_address":"a@example.com"}`)
	id := r.obj(t)["id"].(string)
	h := next(t, ch)
	if h.auth != "Bearer hook-secret" {
		t.Errorf("Authorization = %q", h.auth)
	}
	n := h.body.Notifications[0]
	if h.body.ID == "" || h.body.Attempt != 0 || n.Scope != "customer/created" || n.ID != id || n.ExternalID != nil || n.TrackingGUID == "" {
		t.Errorf("hook = %s", h.raw)
	}

	call(t, "PUT", s.URL+"/customers/v2/Customer/158056", key, `{"comment":"x"}`)
	h = next(t, ch)
	n = h.body.Notifications[0]
	if n.Scope != "customer/updated" || n.ID != "158056" || n.ExternalID == nil || *n.ExternalID != "customer_35b4d7776af9ac875a" {
		t.Errorf("hook = %s", h.raw)
	}
	// A failed validation sends nothing.
	call(t, "PUT", s.URL+"/customers/v2/Customer/158056", key, `{"email_address":""}`)
	select {
	case h := <-ch:
		t.Errorf("hook after a rejected update: %s", h.raw)
	default:
	}
}

func TestHookRetriesWithAttemptNumbers(t *testing.T) {
	rcv, ch := receiver(t, 500, 503)
	s := seeded(t, ipaas.Options{Hook: ipaas.HookConfig{URL: rcv.URL, RetryDelay: time.Millisecond}})
	call(t, "PUT", s.URL+"/customers/v2/Customer/158056", key, `{"comment":"x"}`)
	a, b, c := next(t, ch), next(t, ch), next(t, ch)
	if a.body.Attempt != 0 || b.body.Attempt != 1 || c.body.Attempt != 2 || a.body.ID != c.body.ID || a.auth != "" {
		t.Errorf("attempts %d %d %d ids %s %s auth %q", a.body.Attempt, b.body.Attempt, c.body.Attempt, a.body.ID, c.body.ID, a.auth)
	}
}

func TestHookSetAtRunTime(t *testing.T) {
	rcv, ch := receiver(t)
	s := seeded(t, ipaas.Options{})
	call(t, "PUT", s.URL+"/customers/v2/Customer/158056", key, `{"comment":"before"}`)
	r := call(t, "PUT", s.URL+"/_admin/hook", "", `{"url":"`+rcv.URL+`","token":"t2","retryDelay":"5ms"}`)
	if r.status != 200 || r.obj(t)["config"].(map[string]any)["token"] != "<redacted>" {
		t.Fatalf("PUT hook: %s", r.raw)
	}
	call(t, "PUT", s.URL+"/customers/v2/Customer/158057", key, `{"comment":"after"}`)
	h := next(t, ch)
	if h.body.Notifications[0].ID != "158057" || h.auth != "Bearer t2" {
		t.Errorf("hook = %s (auth %q); the update before the hook was set must not be sent", h.raw, h.auth)
	}
}

func TestNotifyDeleted(t *testing.T) {
	rcv, ch := receiver(t)
	s := seeded(t, ipaas.Options{Hook: ipaas.HookConfig{URL: rcv.URL}})
	if r := call(t, "POST", s.URL+"/_admin/notify", "", `{"scope":"customer/deleted","id":"158056"}`); r.status != 200 {
		t.Fatal(r.raw)
	}
	if h := next(t, ch); h.body.Notifications[0].Scope != ipaas.ScopeDeleted || h.body.Notifications[0].ID != "158056" {
		t.Errorf("hook %s", h.raw)
	}
	if err := s.WaitHooks(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, _ := s.HookDeliveries()
	if len(d) != 1 || d[0].Body.Notifications[0].Scope != ipaas.ScopeDeleted {
		t.Errorf("deliveries %+v", d)
	}
}
