package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// Default listen addresses when no system is chosen explicitly.
const (
	defaultNinetyNineMindsAddr = "127.0.0.1:8081"
	defaultIPaaSAddr           = "127.0.0.1:8082"
	defaultOpenAIAddr          = "127.0.0.1:8083"
)

// Config is the YAML file's shape. A system is served when its section is present (or its
// address flag is given); with neither a file nor address flags all three are served.
type Config struct {
	// Seed makes ids and generated data reproducible.
	Seed uint64 `json:"seed,omitempty"`
	// Generate is the default number of generated customers for 99minds and iPaaS.com.
	Generate int `json:"generate,omitempty"`
	// AllowRemoteAdmin serves /_admin/ to non-loopback clients (e.g. inside a cluster).
	AllowRemoteAdmin bool                   `json:"allowRemoteAdmin,omitempty"`
	NinetyNineMinds  *NinetyNineMindsConfig `json:"ninetynineminds,omitempty"`
	IPaaS            *IPaaSConfig           `json:"ipaas,omitempty"`
	OpenAI           *OpenAIConfig          `json:"openai,omitempty"`
}

// NinetyNineMindsConfig configures the 99minds simulator.
type NinetyNineMindsConfig struct {
	Addr     string                `json:"addr,omitempty"`
	APIKeys  []string              `json:"apiKeys,omitempty"`
	Generate *int                  `json:"generate,omitempty"`
	Data     *ninetynineminds.Data `json:"data,omitempty"`
	// DataFile is a JSON or YAML file with the same shape as Data.
	DataFile string       `json:"dataFile,omitempty"`
	Faults   fault.Config `json:"faults,omitempty"`
	// Webhook receives customer/created and customer/updated webhooks.
	Webhook hook.Config `json:"webhook,omitempty"`
}

// IPaaSConfig configures the iPaaS.com simulator.
type IPaaSConfig struct {
	Addr                   string                        `json:"addr,omitempty"`
	APIKeys                []string                      `json:"apiKeys,omitempty"`
	Users                  []ipaas.User                  `json:"users,omitempty"`
	TokenTTL               fault.Duration                `json:"tokenTTL,omitempty"`
	Hook                   ipaas.HookConfig              `json:"hook,omitempty"`
	CustomFieldDefinitions []ipaas.CustomFieldDefinition `json:"customFieldDefinitions,omitempty"`
	FirstID                int                           `json:"firstID,omitempty"`
	Generate               *int                          `json:"generate,omitempty"`
	Data                   *ipaas.Data                   `json:"data,omitempty"`
	DataFile               string                        `json:"dataFile,omitempty"`
	Faults                 fault.Config                  `json:"faults,omitempty"`
}

// OpenAIConfig configures the OpenAI simulator.
type OpenAIConfig struct {
	Addr          string          `json:"addr,omitempty"`
	APIKeys       []string        `json:"apiKeys,omitempty"`
	Organizations []string        `json:"organizations,omitempty"`
	Models        []string        `json:"models,omitempty"`
	Deployments   []string        `json:"deployments,omitempty"`
	Canned        []openai.Canned `json:"canned,omitempty"`
	Faults        fault.Config    `json:"faults,omitempty"`
}

// flags holds command-line overrides; empty values leave the file's settings alone.
type flags struct {
	config, nnAddr, ipaasAddr, openaiAddr string
	nnKey, ipaasKey, openaiKey            string
	ipaasUser, ipaasPassword, ipaasTTL    string
	hookURL, hookToken                    string
	webhookURL, webhookToken              string
	hookSystemID, generate                int
	seed                                  uint64
	allowRemoteAdmin                      bool
}

func parseFlags(args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "", "YAML file choosing systems, addresses, keys, faults and seed data")
	fs.StringVar(&f.nnAddr, "ninetynineminds-addr", "", "serve 99minds on this address (default "+defaultNinetyNineMindsAddr+")")
	fs.StringVar(&f.ipaasAddr, "ipaas-addr", "", "serve iPaaS.com on this address (default "+defaultIPaaSAddr+")")
	fs.StringVar(&f.openaiAddr, "openai-addr", "", "serve OpenAI on this address (default "+defaultOpenAIAddr+")")
	fs.StringVar(&f.nnKey, "ninetynineminds-key", os.Getenv("SIM_NINETYNINEMINDS_KEY"), "99minds API key (env SIM_NINETYNINEMINDS_KEY)")
	fs.StringVar(&f.ipaasKey, "ipaas-key", os.Getenv("SIM_IPAAS_KEY"), "iPaaS.com static API key (env SIM_IPAAS_KEY)")
	fs.StringVar(&f.openaiKey, "openai-key", os.Getenv("SIM_OPENAI_KEY"), "OpenAI API key (env SIM_OPENAI_KEY)")
	fs.StringVar(&f.ipaasUser, "ipaas-user", "", "iPaaS.com sign-in email address")
	fs.StringVar(&f.ipaasPassword, "ipaas-password", os.Getenv("SIM_IPAAS_PASSWORD"), "iPaaS.com sign-in password (env SIM_IPAAS_PASSWORD)")
	fs.StringVar(&f.ipaasTTL, "ipaas-token-ttl", "", "iPaaS.com token lifetime, e.g. 30s (default 1h)")
	fs.StringVar(&f.hookURL, "hook-url", "", "URL the iPaaS.com simulator POSTs customer hooks to")
	fs.StringVar(&f.hookToken, "hook-token", os.Getenv("SIM_IPAAS_HOOK_TOKEN"), "bearer token sent with hooks (env SIM_IPAAS_HOOK_TOKEN)")
	fs.StringVar(&f.webhookURL, "ninetynineminds-webhook-url", "", "URL the 99minds simulator POSTs customer webhooks to")
	fs.StringVar(&f.webhookToken, "ninetynineminds-webhook-token", os.Getenv("SIM_NINETYNINEMINDS_WEBHOOK_KEY"), "webhook API key sent as a bearer token (env SIM_NINETYNINEMINDS_WEBHOOK_KEY)")
	fs.IntVar(&f.hookSystemID, "hook-system-id", 0, "system id whose external id hooks carry")
	fs.IntVar(&f.generate, "generate", -1, "generate N customers in 99minds (with cards and transactions) and iPaaS.com")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for ids and generated data")
	fs.BoolVar(&f.allowRemoteAdmin, "allow-remote-admin", false, "serve /_admin/ to non-loopback clients")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return f, nil
}

// load reads the YAML file (if any) and applies the flags over it.
func load(f flags) (Config, error) {
	var cfg Config
	if f.config != "" {
		b, err := os.ReadFile(f.config)
		if err != nil {
			return cfg, err
		}
		if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
			return cfg, fmt.Errorf("%s: %w", f.config, err)
		}
	}
	if f.config == "" && f.nnAddr == "" && f.ipaasAddr == "" && f.openaiAddr == "" {
		cfg.NinetyNineMinds, cfg.IPaaS, cfg.OpenAI = &NinetyNineMindsConfig{}, &IPaaSConfig{}, &OpenAIConfig{}
	}
	if f.nnAddr != "" || f.nnKey != "" || f.webhookURL != "" {
		cfg.NinetyNineMinds = orNew(cfg.NinetyNineMinds)
	}
	if f.ipaasAddr != "" || f.ipaasKey != "" || f.hookURL != "" || f.ipaasUser != "" {
		cfg.IPaaS = orNew(cfg.IPaaS)
	}
	if f.openaiAddr != "" || f.openaiKey != "" {
		cfg.OpenAI = orNew(cfg.OpenAI)
	}
	if f.seed != 0 {
		cfg.Seed = f.seed
	}
	if f.generate >= 0 {
		cfg.Generate = f.generate
	}
	cfg.AllowRemoteAdmin = cfg.AllowRemoteAdmin || f.allowRemoteAdmin
	if c := cfg.NinetyNineMinds; c != nil {
		c.Addr = pick(f.nnAddr, c.Addr, defaultNinetyNineMindsAddr)
		if f.nnKey != "" {
			c.APIKeys = []string{f.nnKey}
		}
		if f.webhookURL != "" {
			c.Webhook.URL = f.webhookURL
		}
		if f.webhookToken != "" {
			c.Webhook.Token = f.webhookToken
		}
	}
	if c := cfg.IPaaS; c != nil {
		c.Addr = pick(f.ipaasAddr, c.Addr, defaultIPaaSAddr)
		if f.ipaasKey != "" {
			c.APIKeys = []string{f.ipaasKey}
		}
		if f.ipaasUser != "" {
			c.Users = []ipaas.User{{EmailAddress: f.ipaasUser, Password: f.ipaasPassword}}
		}
		if f.ipaasTTL != "" {
			d, err := time.ParseDuration(f.ipaasTTL)
			if err != nil {
				return cfg, fmt.Errorf("-ipaas-token-ttl: %w", err)
			}
			c.TokenTTL = fault.Duration(d)
		}
		if f.hookURL != "" {
			c.Hook.URL = f.hookURL
		}
		if f.hookToken != "" {
			c.Hook.Token = f.hookToken
		}
		if f.hookSystemID != 0 {
			c.Hook.SystemID = f.hookSystemID
		}
	}
	if c := cfg.OpenAI; c != nil {
		c.Addr = pick(f.openaiAddr, c.Addr, defaultOpenAIAddr)
		if f.openaiKey != "" {
			c.APIKeys = []string{f.openaiKey}
		}
	}
	return cfg, nil
}

// readData loads a JSON or YAML data file into v.
func readData(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func orNew[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
