package systems_test

import (
	"strings"
	"testing"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/ipaas"
	"github.com/customersync/customer-sync-operator/internal/connector/systems"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

func TestEverySystemIsRegisteredOnce(t *testing.T) {
	var got []string
	for _, d := range systems.All() {
		got = append(got, string(d.Type))
		if found, err := systems.Lookup(d.Type); err != nil || found != d {
			t.Errorf("Lookup(%s) = %v, %v", d.Type, found, err)
		}
	}
	if strings.Join(got, ",") != "IPaaS,NinetyNineMinds,OpenAI" {
		t.Errorf("registered %v", got)
	}
	if _, err := systems.Lookup("Salesforce"); err == nil || !strings.Contains(err.Error(), "IPaaS, NinetyNineMinds, OpenAI") {
		t.Errorf("unknown system: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering IPaaS twice did not panic")
		}
	}()
	systems.Register(ipaas.Descriptor())
}

func TestForceRegisterForTestRestores(t *testing.T) {
	orig, _ := systems.Lookup(v1alpha1.SystemNinetyNineMinds)
	fake := *orig
	fake.Capabilities.FindByNaturalKey = false
	restore := systems.ForceRegisterForTest(&fake)
	if d, _ := systems.Lookup(v1alpha1.SystemNinetyNineMinds); d != &fake {
		t.Fatal("override not in effect")
	}
	restore()
	if d, _ := systems.Lookup(v1alpha1.SystemNinetyNineMinds); d != orig {
		t.Fatal("restore did not bring the original back")
	}
}

// A descriptor's capabilities are promises: the connector it builds must
// implement the interface each one needs, and a system that has fields has
// caveats for its required ones.
func TestConnectorsKeepTheirDescriptorsPromises(t *testing.T) {
	spec := &v1alpha1.CustomerMappingSpec{OpenAI: &v1alpha1.OpenAISettings{Model: "gpt-4o-mini"}}
	for _, d := range systems.All() {
		cfg := connector.Config{BaseURL: "http://127.0.0.1:1", Credentials: map[string]string{"apiKey": "k"}, SystemID: 4711,
			Registry: connector.NewRegistry()}
		c, err := d.New(cfg, spec)
		if err != nil {
			t.Fatalf("%s: New: %v", d.Type, err)
		}
		caps := d.Capabilities
		check := func(on bool, what string, ok bool) {
			if on && !ok {
				t.Errorf("%s promises %s but its connector (%T) does not implement it", d.Type, what, c)
			}
		}
		_, isSource := c.(connector.Source)
		_, isDest := c.(connector.Destination)
		_, isLinks := c.(connector.LinkStore)
		_, isModel := c.(syncer.Model)
		check(caps.ReadByID || caps.ListChanged, "Source", isSource)
		check(caps.Create || caps.Update || caps.FindByNaturalKey, "Destination", isDest)
		check(caps.FindByLink, "LinkStore", isLinks)
		check(caps.Model, "Model", isModel)
		if len(d.Required) > 0 && d.Validate == nil {
			t.Errorf("%s requires %v but has no caveats to say so", d.Type, d.Required)
		}
		for _, f := range d.Required {
			if _, ok := d.Fields[f]; !ok {
				t.Errorf("%s requires %s, which it does not accept", d.Type, f)
			}
		}
		if d.Name == "" || len(d.Fields) == 0 {
			t.Errorf("%s: name %q, %d fields", d.Type, d.Name, len(d.Fields))
		}
	}
}
