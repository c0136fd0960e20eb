package receiver

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

var (
	// errBacklog: the mapping has MaxPendingIDs waiting already.
	errBacklog = errors.New("too many customer ids are waiting for this mapping")
	// errClosed: the receiver is shutting down.
	errClosed = errors.New("the receiver is shutting down")
)

// createFunc creates one request for ids, to be deleted ttl seconds after
// it finishes; errPermanent marks a refusal that retrying cannot fix.
type createFunc func(ctx context.Context, mapping types.NamespacedName, ttl *int32, ids []string) error

// coalescer gathers the accepted ids of each mapping into batches. A batch
// opens with its first id and is flushed when its window ends, when it
// holds maxIDs, or at shutdown; ids that arrive while a flush is under way
// wait for the next window. A failed create puts its ids back at the head of
// the batch and is retried with backoff, so ids are only ever dropped when
// the API server refuses them for good or the shutdown deadline passes.
type coalescer struct {
	create     createFunc
	maxIDs     int
	maxPending int
	backoff    connector.Backoff
	log        logr.Logger
	now        func() time.Time

	ctx      context.Context // canceled when the shutdown deadline passes
	cancel   context.CancelFunc
	stopping chan struct{} // closed at shutdown: flush without waiting
	wg       sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	batches map[types.NamespacedName]*batch
}

// batch is one mapping's ids: pending ones in arrival order, and those of
// the create under way, with the deliveries waiting for them.
type batch struct {
	ids      []string
	seen     map[string]struct{} // the pending ids
	inFlight []string
	opened   time.Time
	window   time.Duration
	ttl      *int32                 // the mapping's triggers' ttlSecondsAfterFinished
	waiting  map[string][]*delivery // id → the deliveries that wait for it to be stored
	full     chan struct{}          // signaled when maxIDs ids are pending
}

// delivery is one webhook delivery waiting for its ids to be stored in a
// CustomerSyncRequest: it is answered 202 only then, so an accepted event
// survives a crash of the receiver.
type delivery struct {
	left int        // ids not stored yet
	done chan error // one value: nil once every id is stored, or why not
}

func newDelivery(n int) *delivery { return &delivery{left: n, done: make(chan error, 1)} }

// stored counts one of the delivery's ids as stored.
func (d *delivery) stored() {
	if d.left--; d.left == 0 {
		d.done <- nil
	}
}

// failed answers the delivery with err, once.
func (d *delivery) failed(err error) {
	if d.left > 0 {
		d.left = 0
		d.done <- err
	}
}

func newCoalescer(o Options, create createFunc) *coalescer {
	ctx, cancel := context.WithCancel(context.Background())
	return &coalescer{
		create: create, maxIDs: o.MaxIDsPerRequest, maxPending: o.MaxPendingIDs,
		backoff: o.RetryBackoff, log: o.Logger, now: o.Now,
		ctx: ctx, cancel: cancel, stopping: make(chan struct{}),
		batches: map[types.NamespacedName]*batch{},
	}
}

// add queues ids for mapping and returns the channel that says when they
// are stored (nil) or could not be (an error). An id already pending is not
// added twice; an id in a create under way is, since that request may
// already be syncing and have read the customer before this event's change.
func (c *coalescer) add(mapping types.NamespacedName, window time.Duration, ttl *int32, ids []string) (<-chan error, error) {
	unique := slices.Compact(slices.Sorted(slices.Values(ids)))
	d := newDelivery(len(unique))
	if len(unique) == 0 {
		d.done <- nil
		return d.done, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	b := c.batches[mapping]
	if b != nil && len(b.ids)+len(b.inFlight) >= c.maxPending {
		return nil, errBacklog
	}
	if b == nil {
		b = &batch{seen: map[string]struct{}{}, opened: c.now(), window: window, full: make(chan struct{}, 1),
			waiting: map[string][]*delivery{}}
		c.batches[mapping] = b
		c.wg.Add(1)
		go c.run(mapping, b)
	}
	b.ttl = ttl
	for _, id := range unique {
		b.waiting[id] = append(b.waiting[id], d)
	}
	b.push(ids)
	if len(b.ids) >= c.maxIDs {
		select {
		case b.full <- struct{}{}:
		default:
		}
	}
	return d.done, nil
}

// push appends the ids not pending yet.
func (b *batch) push(ids []string) {
	for _, id := range ids {
		if _, dup := b.seen[id]; !dup {
			b.seen[id] = struct{}{}
			b.ids = append(b.ids, id)
		}
	}
}

// run flushes one mapping's batch until it is empty, then forgets it.
func (c *coalescer) run(mapping types.NamespacedName, b *batch) {
	defer c.wg.Done()
	log := c.log.WithValues("namespace", mapping.Namespace, "mapping", mapping.Name)
	c.waitWindow(b)
	attempt := 0
	for {
		ids, opened, ttl := c.takeFlight(mapping, b)
		if ids == nil {
			return
		}
		err := c.create(c.ctx, mapping, ttl, ids)
		switch {
		case err == nil:
			log.V(1).Info("created a sync request", "ids", len(ids), "attempts", attempt+1, "oldestEventAge", c.now().Sub(opened).String())
			attempt = 0
			c.answer(b, ids, nil)
			if !c.landed(mapping, b) {
				return
			}
		case errors.Is(err, errPermanent):
			log.Error(err, "the API server refused a sync request; dropping its ids", "ids", len(ids))
			idsDropped.WithLabelValues(mapping.Namespace, mapping.Name, DropRejected).Add(float64(len(ids)))
			c.answer(b, ids, err)
			if !c.landed(mapping, b) {
				return
			}
		case c.ctx.Err() != nil:
			c.mu.Lock()
			left := append(slices.Clone(b.inFlight), b.ids...)
			lost := len(left)
			delete(c.batches, mapping)
			c.mu.Unlock()
			c.answer(b, left, errClosed)
			log.Error(err, "shutdown deadline passed before pending ids reached a sync request; their senders were not answered 202", "ids", lost)
			idsDropped.WithLabelValues(mapping.Namespace, mapping.Name, DropShutdown).Add(float64(lost))
			return
		default:
			delay := c.backoff.Delay(attempt, 0)
			log.Info("creating a sync request failed; will retry", "error", err.Error(), "ids", len(ids), "attempt", attempt+1, "retryIn", delay.String())
			attempt++
			// The senders waiting for these ids are told to retry; the ids
			// stay pending, so nothing they sent is lost either way.
			c.answer(b, ids, err)
			c.putBack(b)
			c.sleep(delay)
		}
	}
}

// takeFlight moves up to maxIDs pending ids into flight; with none pending
// it forgets the batch and returns nil.
func (c *coalescer) takeFlight(mapping types.NamespacedName, b *batch) (ids []string, opened time.Time, ttl *int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(b.ids), c.maxIDs)
	if n == 0 {
		delete(c.batches, mapping)
		return nil, time.Time{}, nil
	}
	b.inFlight = slices.Clone(b.ids[:n])
	b.ids = append([]string(nil), b.ids[n:]...)
	for _, id := range b.inFlight {
		delete(b.seen, id)
	}
	return b.inFlight, b.opened, b.ttl
}

// answer tells the deliveries waiting for ids that they are stored (err
// nil) or why not.
func (c *coalescer) answer(b *batch, ids []string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		for _, d := range b.waiting[id] {
			if err == nil {
				d.stored()
			} else {
				d.failed(err)
			}
		}
		delete(b.waiting, id)
	}
}

// landed ends a flight. With nothing pending it forgets the batch and
// reports false; else it waits for the window of the ids that came
// meanwhile, unless they fill a request or the receiver is stopping.
func (c *coalescer) landed(mapping types.NamespacedName, b *batch) (more bool) {
	c.mu.Lock()
	b.inFlight = nil
	if len(b.ids) == 0 {
		delete(c.batches, mapping)
		c.mu.Unlock()
		return false
	}
	b.opened = c.now()
	select { // a signal for ids now gone may be stale
	case <-b.full:
	default:
	}
	wait := len(b.ids) < c.maxIDs
	c.mu.Unlock()
	if wait {
		c.waitWindow(b)
	}
	return true
}

// putBack returns a failed flight's ids to the head of the batch.
func (c *coalescer) putBack(b *batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	later := b.ids
	b.ids, b.seen = nil, map[string]struct{}{}
	b.push(b.inFlight)
	b.push(later)
	b.inFlight = nil
}

// waitWindow waits for b's window to end, for b to fill, or for shutdown.
func (c *coalescer) waitWindow(b *batch) {
	t := time.NewTimer(b.window)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.full:
	case <-c.stopping:
	case <-c.ctx.Done():
	}
}

func (c *coalescer) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.ctx.Done():
	}
}

// drain flushes every batch at once and waits for the flushes until ctx
// ends; creates still failing then are abandoned, and their ids counted as
// dropped.
func (c *coalescer) drain(ctx context.Context) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.stopping)
	c.mu.Unlock()

	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		c.cancel()
		<-done
	}
	c.cancel()
}
