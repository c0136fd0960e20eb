package openai_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/connectortest"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// TestNoSecretOrCustomerDataInErrorsOrLogs drives every failure path with
// a logger at full verbosity and searches everything printed for the keys
// and for the customer's data.
func TestNoSecretOrCustomerDataInErrorsOrLogs(t *testing.T) {
	const wrongKey = "sk-wrong-key-9876543210"
	var logs connectortest.LogCapture
	var texts []string
	record := func(err error) {
		for ; err != nil; err = errors.Unwrap(err) {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
		}
	}

	s := start(t, sim.Options{Canned: []sim.Canned{{Match: "CANNED", Content: `{"Comment":"jane.doe@example.com"}`}}})
	cfg := config(s)
	cfg.Logger, cfg.Timeout = logs.Logger(), 200*time.Millisecond
	c := newClient(t, cfg)
	for _, p := range []string{"", sim.MarkerRateLimit, sim.MarkerInsufficientQuota, sim.MarkerServerError,
		sim.MarkerRefusal, sim.MarkerLength, sim.MarkerContentFilter, sim.MarkerInvalidJSON, "CANNED"} {
		_, err := c.Complete(ctx, request(prompt+" "+p))
		record(err)
	}
	_ = s.SetFaults(fault.Config{HangRate: 1})
	_, err := c.Complete(ctx, request(prompt))
	if connector.KindOf(err) != connector.KindTimeout {
		t.Errorf("hang: %v", err)
	}
	record(err)
	_ = s.SetFaults(fault.Config{})

	bad := cfg
	bad.Credentials = map[string]string{"apiKey": wrongKey}
	_, err = newClient(t, bad).Complete(ctx, request(prompt))
	record(err)

	record(newClient(t, bad).Validate(ctx))
	vcfg := bad
	vcfg.BaseURL = maskedKeyServer(t) + "/v1"
	record(newClient(t, vcfg).Validate(ctx))
	_, err = openai.New(openai.Config{Config: connector.Config{Credentials: map[string]string{"apiKey": apiKey}}, Temperature: "hot"})
	record(err)

	if len(logs.Lines()) == 0 || len(texts) < 10 {
		t.Fatalf("%d log lines, %d error texts: the test saw nothing", len(logs.Lines()), len(texts))
	}
	all := append(texts, logs.Lines()...)
	connectortest.AssertNoSecrets(t, all, apiKey, wrongKey, "sk-wrong", "jane.doe@example.com", "Prefers <email>", "CUST-10045", prompt[:40])
}
