package ninetynineminds

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/gopool"
)

// maxPages stops a list whose paging never ends (a server bug) from
// looping for ever.
const maxPages = 100000

// Fetch returns one document: the customer's own fields plus
// "loyalty_cards" and "transactions" arrays, with amounts made numeric.
// The three calls run concurrently; the first failure cancels the rest.
func (c *Connector) Fetch(ctx context.Context, id string) (map[string]any, error) {
	seg, err := connector.PathSegment(System, "Fetch", id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		cust       map[string]any
		cards, txs []any
		errs       [3]error
		first      error
		once       sync.Once
		wg         gopool.Group
	)
	byCustomer := url.Values{"customer_id": {id}}
	calls := [3]func() error{
		func() error {
			_, err := c.get(ctx, "GetCustomer", pathCustomers+"/"+seg, nil, &cust)
			return err
		},
		func() error { _, err := c.get(ctx, "ListLoyaltyCards", pathCards, byCustomer, &cards); return err },
		func() error { _, err := c.get(ctx, "ListTransactions", pathTransactions, byCustomer, &txs); return err },
	}
	run := func(i int) {
		if errs[i] = calls[i](); errs[i] != nil {
			once.Do(func() { first = errs[i]; cancel() })
		}
	}
	// Two calls on pooled goroutines (see gopool), the third on this one.
	wg.Go(func() { run(1) })
	wg.Go(func() { run(2) })
	run(0)
	wg.Wait()
	if first != nil {
		// The customer call's own answer explains best (e.g. 404 for an
		// unknown id), unless it was only canceled by another failure.
		if errs[0] != nil && !errors.Is(errs[0], connector.ErrCanceled) {
			return nil, errs[0]
		}
		return nil, first
	}
	if cust == nil {
		return nil, connector.NotFound(System, "GetCustomer", "the response held no customer")
	}
	if cards == nil {
		cards = []any{}
	}
	if txs == nil {
		txs = []any{}
	}
	normalizeAmounts(cards, "point_balance")
	normalizeAmounts(txs, "amount")
	cust["loyalty_cards"] = cards
	cust["transactions"] = txs
	return cust, nil
}

// ListChanged pages through the customer list with updated_since and
// returns the ids in list order, without duplicates.
func (c *Connector) ListChanged(ctx context.Context, since time.Time) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	err := c.eachCustomer(ctx, since, func(item map[string]any) {
		if id, _ := item["id"].(string); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	})
	return ids, err
}

// eachCustomer pages through the customers updated at or after since (all
// of them when since is zero) and hands each list item to fn.
func (c *Connector) eachCustomer(ctx context.Context, since time.Time, fn func(map[string]any)) error {
	for page := 1; page <= maxPages; page++ {
		var items []map[string]any
		total, err := c.get(ctx, "ListCustomers", pathCustomers, listQuery(page, c.pageSize, since), &items)
		if err != nil {
			return err
		}
		for _, it := range items {
			fn(it)
		}
		if len(items) == 0 || !hasMore(total, page, len(items), c.pageSize) {
			return nil
		}
	}
	return nil
}
