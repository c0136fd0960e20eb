package ninetynineminds

import (
	"context"
	"sync"
	"time"
)

// indexOverlap is how far before the newest updated_at seen each scan reads
// again, so that a customer written while the last scan ran is not missed.
// The mark is the server's own clock, so no skew with ours matters.
const indexOverlap = time.Minute

// clientIndex finds customers by client_customer_id, which the 99minds
// contract cannot search: the first lookup lists every customer, later ones
// only those updated since the newest updated_at the index has seen. It
// costs one short list call per create, instead of a full scan each.
type clientIndex struct {
	mu    sync.Mutex
	built bool
	mark  time.Time
	ids   map[string][]string // client_customer_id → customer ids
}

// lookup brings the index up to date and returns the ids of the customers
// whose client_customer_id is clientID.
func (x *clientIndex) lookup(ctx context.Context, c *Connector, clientID string) ([]string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids == nil {
		x.ids = map[string][]string{}
	}
	var since time.Time
	if x.built {
		since = x.mark.Add(-indexOverlap)
	}
	mark := x.mark
	err := c.eachCustomer(ctx, since, func(item map[string]any) {
		id, _ := item["id"].(string)
		client, _ := item[linkField].(string)
		if id != "" && client != "" && !contains(x.ids[client], id) {
			x.ids[client] = append(x.ids[client], id)
		}
		if s, _ := item["updated_at"].(string); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(mark) {
				mark = t
			}
		}
	})
	if err != nil {
		return nil, err // what was added stays valid; the mark only moves on a full scan
	}
	x.built, x.mark = true, mark
	return append([]string(nil), x.ids[clientID]...), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
