package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func get(t *testing.T, url, header, value string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if header != "" {
		req.Header.Set(header, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestExampleConfigStartsAllThree(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Same file, free ports.
	path := filepath.Join(t.TempDir(), "sim.yaml")
	text := strings.NewReplacer("127.0.0.1:8081", "127.0.0.1:0", "127.0.0.1:8082", "127.0.0.1:0", "127.0.0.1:8083", "127.0.0.1:0").Replace(string(b))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := parseFlags([]string{"-config", path, "-seed", "7"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := load(f)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := startAll(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.close()
	if len(fl.services) != 3 || cfg.Seed != 7 {
		t.Fatalf("services %v seed %d", fl.services, cfg.Seed)
	}
	if s := get(t, fl.nn.URL+"/api/v1/ipaas/customers/customer_35b4d7776af9ac875a", "Authorization", "Bearer sim-99minds-key"); s != 200 {
		t.Errorf("99minds: %d", s)
	}
	if n := len(fl.nn.Customers()); n != 101 {
		t.Errorf("99minds has %d customers, want 1 seeded + 100 generated", n)
	}
	if tx := fl.nn.Transactions("customer_35b4d7776af9ac875a"); len(tx) != 1 || tx[0].Amount != `"25"` {
		t.Errorf("seeded transaction %+v", tx)
	}
	if n := len(fl.ipaas.Customers()); n != 0 {
		t.Errorf("iPaaS.com has %d customers, want the per-system 0", n)
	}
	if s := get(t, fl.ipaas.URL+"/customers/v2/CustomFieldDefinitions?collection=customer", "Authorization", "Bearer sim-ipaas-key"); s != 200 {
		t.Errorf("iPaaS.com: %d", s)
	}
	if fl.ipaas.Hook().SystemID != 4711 {
		t.Errorf("hook config %+v", fl.ipaas.Hook())
	}
	if s := get(t, fl.openai.URL+"/_admin/counters", "", ""); s != 200 {
		t.Errorf("OpenAI admin: %d", s)
	}
}

func TestFlagsWithoutConfig(t *testing.T) {
	f, err := parseFlags([]string{"-ninetynineminds-webhook-url", "http://127.0.0.1:1/w", "-ninetynineminds-addr", "127.0.0.1:0", "-ipaas-addr", "127.0.0.1:0", "-ipaas-key", "k", "-generate", "3", "-ipaas-token-ttl", "5s", "-hook-url", "http://127.0.0.1:1/h"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := load(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NinetyNineMinds == nil || cfg.OpenAI != nil || cfg.IPaaS == nil {
		t.Fatalf("99minds and iPaaS.com were asked for: %+v", cfg)
	}
	fl, err := startAll(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.close()
	if len(fl.ipaas.Customers()) != 3 || len(fl.nn.Customers()) != 3 {
		t.Error("generate flag ignored")
	}
	if fl.nn.Webhook().URL != "http://127.0.0.1:1/w" {
		t.Errorf("webhook %+v", fl.nn.Webhook())
	}
	if s := get(t, fl.ipaas.URL+"/customers/v2/Customer/158001", "Authorization", "Bearer k"); s != 200 {
		t.Errorf("status %d", s)
	}
}

func TestDefaultsServeAllThree(t *testing.T) {
	cfg, err := load(flags{generate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NinetyNineMinds.Addr != defaultNinetyNineMindsAddr || cfg.IPaaS.Addr != defaultIPaaSAddr || cfg.OpenAI.Addr != defaultOpenAIAddr {
		t.Errorf("defaults %+v %+v %+v", cfg.NinetyNineMinds, cfg.IPaaS, cfg.OpenAI)
	}
}

func TestBadConfigIsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(path, []byte("ninetynineminds: {adress: x}\n"), 0o600)
	if _, err := load(flags{config: path, generate: -1}); err == nil {
		t.Error("a misspelt key was accepted")
	}
	if _, err := parseFlags([]string{"stray"}); err == nil {
		t.Error("a stray argument was accepted")
	}
}
