package connector

import (
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/http1"
)

func TestPoolSizedForConcurrency(t *testing.T) {
	reg := NewRegistry()
	a := NewTransport(TransportConfig{System: "s", Concurrency: 24, Registry: reg})
	b := NewTransport(TransportConfig{System: "s", Concurrency: 24, Registry: reg, Timeout: time.Second})
	c := NewTransport(TransportConfig{System: "s", Registry: reg})
	base := a.base.(*http1.Transport)
	if base.MaxIdleConnsPerHost() != 24 {
		t.Errorf("MaxIdleConnsPerHost = %d, want 24", base.MaxIdleConnsPerHost())
	}
	if b.base != a.base {
		t.Error("transports of one concurrency must share a pool")
	}
	if c.base.(*http1.Transport).MaxIdleConnsPerHost() != DefaultConcurrency || c.timeout != DefaultTimeout {
		t.Error("defaults not applied")
	}
	reg.CloseIdleConnections()
}
