package openai_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

func post(t *testing.T, url, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %s", b)
	}
	return resp.StatusCode, m
}

func TestRequestValidation(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	auth := map[string]string{"Authorization": "Bearer " + key}
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, body string
		status     int
		param      string
	}{
		{"ok with stream false and extras", `{"model":"m",` + msgs + `,"stream":false,"temperature":0.2,"seed":1,"metadata":{"a":"b"}}`, 200, ""},
		{"array content", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`, 200, ""},
		{"not json", `{`, 400, ""},
		{"no model", `{` + msgs + `}`, 400, "model"},
		{"no messages", `{"model":"m","messages":[]}`, 400, "messages"},
		{"bad role", `{"model":"m","messages":[{"role":"robot","content":"x"}]}`, 400, "messages[0].role"},
		{"stream", `{"model":"m",` + msgs + `,"stream":true}`, 400, "stream"},
		{"json_object without json", `{"model":"m",` + msgs + `,"response_format":{"type":"json_object"}}`, 400, "messages"},
		{"json_schema missing", `{"model":"m",` + msgs + `,"response_format":{"type":"json_schema"}}`, 400, "response_format.json_schema"},
		{"json_schema bad name", `{"model":"m",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"name":"a b","schema":{"type":"object"}}}}`, 400, "response_format.json_schema.name"},
		{"json_schema no schema", `{"model":"m",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"name":"a"}}}`, 400, "response_format.json_schema.schema"},
		{"strict missing required", `{"model":"m",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"name":"a","strict":true,"schema":{"type":"object","additionalProperties":false,"properties":{"x":{"type":"string"}}}}}}`, 400, "response_format"},
		{"non-strict is lenient", `{"model":"m",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object","properties":{"x":{"type":"string"}}}}}}`, 200, ""},
		{"bad format type", `{"model":"m",` + msgs + `,"response_format":{"type":"yaml"}}`, 400, "response_format.type"},
		{"n choices", `{"model":"m",` + msgs + `,"n":3}`, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s.URL+"/v1/chat/completions", tc.body, auth)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if status != 200 {
				e := body["error"].(map[string]any)
				if e["type"] != "invalid_request_error" || e["message"] == "" {
					t.Errorf("error %v", e)
				}
				if _, ok := e["code"]; !ok {
					t.Errorf("error body lacks code: %v", e)
				}
				if tc.param != "" && e["param"] != tc.param {
					t.Errorf("param %v, want %s", e["param"], tc.param)
				}
			}
		})
	}
	_, body := post(t, s.URL+"/v1/chat/completions", `{"model":"m",`+msgs+`,"n":3}`, auth)
	if n := len(body["choices"].([]any)); n != 3 {
		t.Errorf("%d choices", n)
	}
	if status, _ := post(t, s.URL+"/openai/deployments/d/chat/completions", `{`+msgs+`}`, map[string]string{"api-key": key}); status != 404 {
		t.Errorf("azure without api-version: %d", status)
	}
	if status, body := post(t, s.URL+"/openai/deployments/d/chat/completions?api-version=2024-06-01", `{`+msgs+`}`, map[string]string{"api-key": key}); status != 200 || body["model"] != "d" {
		t.Errorf("azure without model: %d %v", status, body)
	}
}

func TestInjectedFaultsAsOpenAIErrors(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}, Faults: fault.Config{RateLimitRate: 1, RetryAfter: 2 * time.Second}})
	c := client(s, key)
	if e := apiError(t, c, request(system, user)); e.HTTPStatusCode != 429 || e.Code != "rate_limit_exceeded" {
		t.Errorf("injected 429: %+v", e)
	}
	_ = s.SetFaults(fault.Config{ErrorRate: 1, ErrorStatus: 503})
	if e := apiError(t, c, request(system, user)); e.HTTPStatusCode != 503 || e.Type != "server_error" {
		t.Errorf("injected 503: %+v", e)
	}
	_ = s.SetFaults(fault.Config{Latency: 50 * time.Millisecond})
	t0 := time.Now()
	if _, err := c.CreateChatCompletion(context.Background(), request(system, user)); err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) < 50*time.Millisecond {
		t.Error("latency not applied")
	}
	_ = s.SetFaults(fault.Config{HangRate: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.CreateChatCompletion(ctx, request(system, user)); err == nil {
		t.Error("a hung request answered")
	}
	if st := s.FaultStats(); st.RateLimited != 1 || st.Errors != 1 || st.Hung != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestOpenAIAdmin(t *testing.T) {
	s := openai.StartForTest(t, openai.Options{APIKeys: []string{key}})
	if status, _ := post(t, s.URL+"/_admin/canned", `{"match":"CUST-10045","content":"{\"comment\":\"fixed\"}"}`, nil); status != 200 {
		t.Fatal("canned")
	}
	r, err := client(s, key).CreateChatCompletion(context.Background(), request(system, user))
	if err != nil || r.Choices[0].Message.Content != `{"comment":"fixed"}` {
		t.Fatalf("canned answer: %+v %v", r, err)
	}
	req, _ := http.NewRequest("PUT", s.URL+"/_admin/quota", strings.NewReader(`{"exhausted":true}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal("quota")
	}
	if e := apiError(t, client(s, key), request(system, user)); e.Code != "insufficient_quota" {
		t.Errorf("after quota: %+v", e)
	}
	resp, err := http.Get(s.URL + "/_admin/chatrequests?n=1")
	if err != nil {
		t.Fatal(err)
	}
	var sent []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&sent)
	resp.Body.Close()
	if len(sent) != 1 || sent[0]["model"] != "gpt-4o-mini" {
		t.Errorf("chatrequests %v", sent)
	}
	if status, _ := post(t, s.URL+"/_admin/reset", ``, nil); status != 200 {
		t.Fatal("reset")
	}
	if _, err := client(s, key).CreateChatCompletion(context.Background(), request(system, user)); err != nil {
		t.Errorf("reset kept the quota switch: %v", err)
	}
}
