package receiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Receiver serves POST /hooks/{namespace}/{mapping} and turns the events it
// accepts into CustomerSyncRequests. Add it to the manager with mgr.Add.
type Receiver struct {
	opts    Options
	log     logr.Logger
	batches *coalescer
	replays *replays
	handler http.Handler
	started atomic.Bool
}

var (
	_ manager.Runnable               = (*Receiver)(nil)
	_ manager.LeaderElectionRunnable = (*Receiver)(nil)
)

// New returns a receiver; it listens once Start runs.
func New(o Options) *Receiver {
	o.defaults()
	r := &Receiver{opts: o, log: o.Logger, replays: newReplays(o.MaxSignatureAge, o.MaxRememberedSignatures)}
	r.batches = newCoalescer(o, r.createSyncRequest)
	r.handler = http.HandlerFunc(r.serveHTTP)
	return r
}

// Handler serves the webhook routes without a listener, for tests. Batches
// it accepts are flushed as with Start; only Start's shutdown drains them.
func (r *Receiver) Handler() http.Handler { return r.handler }

// NeedLeaderElection is false: every replica receives, so a Service that
// routes to any pod reaches a listener; each replica coalesces what it
// receives, and only the leader syncs the requests they create.
func (r *Receiver) NeedLeaderElection() bool { return false }

// Start serves until ctx ends, then stops taking requests, lets those under
// way finish and flushes every pending batch, all within ShutdownTimeout.
// It returns an error when it cannot listen, which stops the manager.
func (r *Receiver) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("webhook receiver: Start called twice")
	}
	ln := r.opts.Listener
	if ln == nil {
		if r.opts.Addr == "0" {
			r.log.Info("webhook receiver disabled")
			<-ctx.Done()
			return nil
		}
		if r.opts.Addr == "" {
			return errors.New("webhook receiver: no address to listen on")
		}
		var err error
		if ln, err = net.Listen("tcp", r.opts.Addr); err != nil {
			return fmt.Errorf("webhook receiver: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           r.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	r.log.Info("webhook receiver listening", "address", ln.Addr().String())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), r.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		r.log.Error(err, "webhook receiver: requests still under way at shutdown")
	}
	r.batches.drain(sctx)
	r.log.Info("webhook receiver stopped")
	if errors.Is(serveErr, http.ErrServerClosed) {
		return nil
	}
	return serveErr
}
