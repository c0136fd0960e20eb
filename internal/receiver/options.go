package receiver

import (
	"net"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes     = 1 << 20
	DefaultCoalesceWindow   = 2 * time.Second
	DefaultMaxIDsPerRequest = v1alpha1.MaxCustomerIDs
	DefaultMaxPendingIDs    = 50000
	DefaultShutdownTimeout  = 20 * time.Second
	DefaultMaxSignatureAge  = 5 * time.Minute
	// DefaultMaxRememberedSignatures bounds the replay memory: 100,000
	// signatures of 32 bytes.
	DefaultMaxRememberedSignatures = 100000
)

// Options configure a Receiver. Only Client and one of Addr or Listener are
// required.
type Options struct {
	// Addr is the address to listen on, such as ":9443". "0" disables the
	// receiver: Start then only waits for its context.
	Addr string
	// Listener, when set, is served instead of listening on Addr; tests pass
	// one bound to 127.0.0.1:0.
	Listener net.Listener
	// Client reads CustomerMappings and Secrets (from the manager's cache,
	// so a webhook costs no API call) and creates CustomerSyncRequests.
	Client client.Client
	// MaxBodyBytes bounds a request body; larger bodies get 413.
	MaxBodyBytes int64
	// DefaultCoalesceWindow applies to mappings without coalesceWindow.
	DefaultCoalesceWindow time.Duration
	// MaxIDsPerRequest bounds the ids of one CustomerSyncRequest; a batch
	// that reaches it is flushed at once and the rest goes to another.
	MaxIDsPerRequest int
	// MaxPendingIDs bounds the ids one mapping may have waiting (while the
	// API server refuses creates, say); beyond it senders get 503 and retry,
	// so memory stays bounded and no accepted id is dropped.
	MaxPendingIDs int
	// RetryBackoff paces retries of a failed create.
	RetryBackoff connector.Backoff
	// ShutdownTimeout bounds the graceful shutdown: finishing in-flight
	// requests and flushing pending batches. Keep it below the manager's
	// GracefulShutdownTimeout (30s by default).
	ShutdownTimeout time.Duration
	// MaxSignatureAge is how far a signed delivery's timestamp may be from
	// the receiver's clock (HMAC mode).
	MaxSignatureAge time.Duration
	// MaxRememberedSignatures bounds how many accepted signatures are kept
	// to refuse replays.
	MaxRememberedSignatures int
	// Namespaces, when set, are the only namespaces served (the manager's
	// --watch-namespaces); deliveries for others get 404.
	Namespaces []string
	// Logger receives the receiver's logs.
	Logger logr.Logger
	// Now is the clock, for tests.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.DefaultCoalesceWindow <= 0 {
		o.DefaultCoalesceWindow = DefaultCoalesceWindow
	}
	if o.MaxIDsPerRequest <= 0 || o.MaxIDsPerRequest > DefaultMaxIDsPerRequest {
		o.MaxIDsPerRequest = DefaultMaxIDsPerRequest
	}
	if o.MaxPendingIDs <= 0 {
		o.MaxPendingIDs = DefaultMaxPendingIDs
	}
	if o.MaxPendingIDs < o.MaxIDsPerRequest {
		o.MaxPendingIDs = o.MaxIDsPerRequest
	}
	if o.RetryBackoff.Base <= 0 {
		o.RetryBackoff.Base = 500 * time.Millisecond
	}
	if o.RetryBackoff.Cap <= 0 {
		o.RetryBackoff.Cap = 30 * time.Second
	}
	if o.MaxSignatureAge <= 0 {
		o.MaxSignatureAge = DefaultMaxSignatureAge
	}
	if o.MaxRememberedSignatures <= 0 {
		o.MaxRememberedSignatures = DefaultMaxRememberedSignatures
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Logger.GetSink() == nil {
		o.Logger = ctrl.Log.WithName("webhook-receiver")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}
