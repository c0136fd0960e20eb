package hook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
)

func TestRetriesThenSucceeds(t *testing.T) {
	var n atomic.Int32
	got := make(chan string, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	e := hook.New(hook.Config{URL: srv.URL, RetryDelay: time.Millisecond})
	defer e.Close()
	e.Send(func(attempt int) any { return map[string]int{"attempt": attempt} })
	for _, want := range []string{`{"attempt":0}`, `{"attempt":1}`} {
		select {
		case b := <-got:
			if b != want {
				t.Errorf("body %s, want %s", b, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery")
		}
	}
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, _ := e.Deliveries()
	if len(d) != 2 || d[0].Status != 502 || d[1].Status != 200 {
		t.Errorf("deliveries %+v", d)
	}
}

func TestNothingSentWithoutURL(t *testing.T) {
	e := hook.New(hook.Config{})
	defer e.Close()
	e.Send(func(int) any { t.Error("body built without a target"); return nil })
	if d, dropped := e.Deliveries(); len(d) != 0 || dropped != 0 {
		t.Errorf("%v %d", d, dropped)
	}
}

func TestConfigJSONRedactsToken(t *testing.T) {
	b, _ := json.Marshal(hook.Config{URL: "http://x", Token: "secret", RetryDelay: 250 * time.Millisecond})
	if strings.Contains(string(b), "secret") || !strings.Contains(string(b), `"retryDelay":"250ms"`) {
		t.Errorf("%s", b)
	}
	var c hook.Config
	if err := json.Unmarshal([]byte(`{"url":"u","token":"t","retryDelay":"1s"}`), &c); err != nil || c.Token != "t" || c.RetryDelay != time.Second {
		t.Errorf("%+v %v", c, err)
	}
}
