package simhttp_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

func TestFlexNumber(t *testing.T) {
	cases := []struct {
		in         string
		set, valid bool
		value      float64
	}{
		{`25`, true, true, 25}, {`"25"`, true, true, 25}, {`"2.5"`, true, true, 2.5}, {`null`, false, true, 0},
		{`""`, false, true, 0}, {`"ten"`, true, false, 0}, {`true`, true, false, 0}, {`"NaN"`, true, false, 0},
	}
	for _, c := range cases {
		var v struct {
			A simhttp.FlexNumber `json:"a"`
		}
		if err := json.Unmarshal([]byte(`{"a":`+c.in+`}`), &v); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if v.A.Set != c.set || v.A.Valid != c.valid || v.A.Value != c.value {
			t.Errorf("%s: %+v", c.in, v.A)
		}
	}
}

func TestIDGen(t *testing.T) {
	a, b := simhttp.NewIDGen(1), simhttp.NewIDGen(1)
	x, y := a.Prefixed("customer_"), b.Prefixed("customer_")
	if x != y || !regexp.MustCompile(`^customer_[0-9a-f]{18}$`).MatchString(x) {
		t.Errorf("%s %s", x, y)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(a.UUID()) {
		t.Error("bad uuid")
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:2": true, "10.0.0.1:3": false, "junk": false} {
		if simhttp.IsLoopback(addr) != want {
			t.Errorf("%s", addr)
		}
	}
}

func TestRecorderRingAndRedaction(t *testing.T) {
	rc := simhttp.NewRecorder(2)
	h := rc.Wrap("POST /x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := new(strings.Builder)
		b := make([]byte, 64)
		n, _ := r.Body.Read(b)
		buf.Write(b[:n])
		if buf.String() == "" {
			t.Error("the handler lost the body")
		}
	}))
	run, err := simhttp.Serve("127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	for _, body := range []string{"one", "two", "three"} {
		req, _ := http.NewRequest("POST", run.URL+"/x", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret")
		req.Header.Set("Api-Key", "secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	last := rc.Last(0)
	if rc.Count() != 3 || rc.CountFor("POST /x") != 3 || len(last) != 2 || last[0].Body != "two" || last[1].Body != "three" {
		t.Fatalf("count %d last %+v", rc.Count(), last)
	}
	if last[1].Header.Get("Authorization") != "Bearer <redacted>" || last[1].Header.Get("Api-Key") != "<redacted>" {
		t.Errorf("headers %v", last[1].Header)
	}
	rc.Reset()
	if rc.Count() != 0 || len(rc.Last(0)) != 0 {
		t.Error("reset")
	}
}
