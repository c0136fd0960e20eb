package ninetynineminds

import (
	"context"
	"slices"
	"sync"
	"time"
)

const (
	// indexOverlap is how far before the newest updated_at seen a refresh
	// lists again, so that a customer written while the last list ran is
	// not missed. The mark is the server's own clock, so no skew with ours
	// matters.
	indexOverlap = 5 * time.Second
	// DefaultIndexRefresh is how often lookups refresh the index at most.
	// What this connector creates is added at once; a refresh finds what
	// others wrote (a process that was killed before linking is covered by
	// the full list the next process starts with).
	DefaultIndexRefresh = time.Second
)

// clientIndex finds customers by client_customer_id, which the 99minds
// contract cannot search: the first lookup lists every customer, later ones
// at most once a second list those updated since the newest updated_at the
// index has seen. Each customer is listed a few times in all, not once per
// create.
type clientIndex struct {
	mu        sync.Mutex
	built     bool
	stale     bool      // a create's outcome is unknown: refresh on the next lookup
	mark      time.Time // the newest updated_at listed (server clock)
	refreshed time.Time // when the last refresh started (our clock)
	every     time.Duration
	ids       map[string][]string
}

// lookup brings the index up to date when due and returns the ids of the
// customers whose client_customer_id is clientID.
func (x *clientIndex) lookup(ctx context.Context, c *Connector, clientID string) ([]string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built || x.stale || time.Since(x.refreshed) >= x.every {
		if err := x.refresh(ctx, c); err != nil {
			return nil, err
		}
	}
	return slices.Clone(x.ids[clientID]), nil
}

// refresh lists what changed since the mark (everything, the first time).
func (x *clientIndex) refresh(ctx context.Context, c *Connector) error {
	var since time.Time
	if x.built {
		since = x.mark.Add(-indexOverlap)
	}
	started, mark := time.Now(), x.mark
	err := c.eachCustomer(ctx, since, func(item map[string]any) {
		id, _ := item["id"].(string)
		client, _ := item[linkField].(string)
		x.addLocked(client, id)
		if s, _ := item["updated_at"].(string); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(mark) {
				mark = t
			}
		}
	})
	if err != nil {
		return err // what was added stays valid; the mark only moves on a full list
	}
	x.built, x.stale, x.mark, x.refreshed = true, false, mark, started
	return nil
}

// created records a customer this connector created for clientID, or, with
// id "", that a create's outcome is unknown (it may exist).
func (x *clientIndex) created(clientID, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if id == "" {
		x.stale = true
		return
	}
	x.addLocked(clientID, id)
}

func (x *clientIndex) addLocked(clientID, id string) {
	if x.ids == nil {
		x.ids = map[string][]string{}
	}
	if id != "" && clientID != "" && !slices.Contains(x.ids[clientID], id) {
		x.ids[clientID] = append(x.ids[clientID], id)
	}
}
