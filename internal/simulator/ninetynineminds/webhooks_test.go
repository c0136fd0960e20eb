package ninetynineminds_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

type webhook struct {
	auth string
	body ninetynineminds.WebhookBody
}

func receiver(t *testing.T) (string, chan webhook) {
	t.Helper()
	ch := make(chan webhook, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var wh webhook
		if err := json.Unmarshal(b, &wh.body); err != nil {
			t.Errorf("body %s", b)
		}
		wh.auth = r.Header.Get("Authorization")
		ch <- wh
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

func next(t *testing.T, ch chan webhook) webhook {
	t.Helper()
	select {
	case wh := <-ch:
		return wh
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
		return webhook{}
	}
}

func TestWebhooksOnWrites(t *testing.T) {
	url, ch := receiver(t)
	s := ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{key}, Webhook: hook.Config{URL: url, Token: "wh-key"}})
	r := call(t, "POST", s.URL+"/api/v1/ipaas/customers", key, `{"name":"A B","email":"a@example.com"}`)
	id := r.body["data"].(map[string]any)["id"].(string)
	wh := next(t, ch)
	if wh.auth != "Bearer wh-key" || len(wh.body.Notifications) != 1 || wh.body.Notifications[0] != (ninetynineminds.WebhookNotification{Scope: "customer/created", ExternalID: id}) {
		t.Errorf("webhook %+v", wh)
	}
	call(t, "POST", s.URL+"/api/v1/ipaas/customers", key, `{"id":"`+id+`","notes":"x"}`)
	if wh := next(t, ch); wh.body.Notifications[0].Scope != "customer/updated" {
		t.Errorf("webhook %+v", wh)
	}
	s.Notify(ninetynineminds.ScopeDeleted, id)
	if wh := next(t, ch); wh.body.Notifications[0].Scope != "customer/deleted" {
		t.Errorf("webhook %+v", wh)
	}
	if err := s.WaitWebhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, dropped := s.WebhookDeliveries(); len(d) != 3 || dropped != 0 || d[0].Status != 200 {
		t.Errorf("deliveries %+v dropped %d", d, dropped)
	}
}

func TestWebhookSetAtRunTime(t *testing.T) {
	url, ch := receiver(t)
	s := ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{key}})
	r := call(t, "PUT", s.URL+"/_admin/webhook", "", `{"url":"`+url+`","token":"k2"}`)
	if r.status != 200 || r.body["config"].(map[string]any)["token"] != "<redacted>" {
		t.Fatalf("PUT webhook: %s", r.raw)
	}
	if r := call(t, "POST", s.URL+"/_admin/notify", "", `{"scope":"customer/updated","id":"customer_aaaaaaaaaaaaaaaaaa"}`); r.status != 200 {
		t.Fatalf("notify: %s", r.raw)
	}
	if wh := next(t, ch); wh.auth != "Bearer k2" || wh.body.Notifications[0].ExternalID != "customer_aaaaaaaaaaaaaaaaaa" {
		t.Errorf("webhook %+v", wh)
	}
}
