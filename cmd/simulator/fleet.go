package main

import (
	"fmt"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// service is one running simulator.
type service struct {
	name, url string
	close     func() error
}

// fleet is every simulator the config asked for.
type fleet struct {
	services []service
	nn       *ninetynineminds.Server
	ipaas    *ipaas.Server
	openai   *openai.Server
}

func (f *fleet) close() {
	for _, s := range f.services {
		_ = s.close()
	}
}

// startAll starts the configured simulators; on error, those already started are stopped.
func startAll(cfg Config) (_ *fleet, err error) {
	f := &fleet{}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	if c := cfg.NinetyNineMinds; c != nil {
		o := ninetynineminds.Options{
			APIKeys: c.APIKeys, Seed: cfg.Seed, Data: c.Data, Generate: cfg.Generate,
			Faults: c.Faults, AllowRemoteAdmin: cfg.AllowRemoteAdmin, Webhook: c.Webhook,
		}
		if c.Generate != nil {
			o.Generate = *c.Generate
		}
		if c.DataFile != "" {
			o.Data = new(ninetynineminds.Data)
			if err := readData(c.DataFile, o.Data); err != nil {
				return nil, err
			}
		}
		s, err := ninetynineminds.StartOn(c.Addr, o)
		if err != nil {
			return nil, fmt.Errorf("99minds: %w", err)
		}
		f.nn = s
		f.services = append(f.services, service{"99minds", s.URL, s.Close})
	}
	if c := cfg.IPaaS; c != nil {
		o := ipaas.Options{
			APIKeys: c.APIKeys, Users: c.Users, TokenTTL: time.Duration(c.TokenTTL), Hook: c.Hook,
			CustomFieldDefinitions: c.CustomFieldDefinitions, FirstID: c.FirstID, Seed: cfg.Seed, Data: c.Data,
			Generate: cfg.Generate, Faults: c.Faults, AllowRemoteAdmin: cfg.AllowRemoteAdmin,
		}
		if c.Generate != nil {
			o.Generate = *c.Generate
		}
		if c.DataFile != "" {
			o.Data = new(ipaas.Data)
			if err := readData(c.DataFile, o.Data); err != nil {
				return nil, err
			}
		}
		s, err := ipaas.StartOn(c.Addr, o)
		if err != nil {
			return nil, fmt.Errorf("iPaaS.com: %w", err)
		}
		f.ipaas = s
		f.services = append(f.services, service{"ipaas", s.URL, s.Close})
	}
	if c := cfg.OpenAI; c != nil {
		s, err := openai.StartOn(c.Addr, openai.Options{
			APIKeys: c.APIKeys, Organizations: c.Organizations, Models: c.Models, Deployments: c.Deployments,
			Canned: c.Canned, Seed: cfg.Seed, Faults: c.Faults, AllowRemoteAdmin: cfg.AllowRemoteAdmin,
		})
		if err != nil {
			return nil, fmt.Errorf("OpenAI: %w", err)
		}
		f.openai = s
		f.services = append(f.services, service{"openai", s.URL, s.Close})
	}
	if len(f.services) == 0 {
		return nil, fmt.Errorf("no system configured")
	}
	return f, nil
}
