package ipaas

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// fieldCache keeps one connection's custom field definitions for a short
// time: every record of a sync checks its custom fields against them, and
// they change rarely.
type fieldCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	defs    []connector.CustomFieldDefinition
	fetched time.Time
}

var (
	cachesMu sync.Mutex
	caches   = map[string]*fieldCache{}
)

// sharedFieldCache returns the cache of one connection (endpoint and
// credential), shared by connectors rebuilt for each sync.
func sharedFieldCache(key string, ttl time.Duration, now func() time.Time) *fieldCache {
	cachesMu.Lock()
	defer cachesMu.Unlock()
	fc, ok := caches[key]
	if !ok || fc.ttl != ttl {
		fc = &fieldCache{ttl: ttl, now: now}
		caches[key] = fc
	}
	return fc
}

func (fc *fieldCache) get() ([]connector.CustomFieldDefinition, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.ttl < 0 || fc.defs == nil || fc.now().Sub(fc.fetched) >= fc.ttl {
		return nil, false
	}
	return slices.Clone(fc.defs), true
}

func (fc *fieldCache) put(defs []connector.CustomFieldDefinition) {
	fc.mu.Lock()
	fc.defs, fc.fetched = slices.Clone(defs), fc.now()
	fc.mu.Unlock()
}

// CustomFieldDefinitions returns the custom fields defined for customers,
// from the cache when it is fresh.
func (c *Connector) CustomFieldDefinitions(ctx context.Context) ([]connector.CustomFieldDefinition, error) {
	if defs, ok := c.fields.get(); ok {
		return defs, nil
	}
	var raw []map[string]any
	if err := c.client.Do(ctx, connector.Call{Operation: "ListCustomFieldDefinitions", Method: http.MethodGet,
		Path: pathCustomFieldDefs, Query: customFieldsQuery(), Out: &raw}); err != nil {
		return nil, err
	}
	defs := make([]connector.CustomFieldDefinition, 0, len(raw))
	for _, d := range raw {
		name, _ := d["name"].(string)
		if name == "" {
			continue
		}
		dt, _ := d["data_type"].(string)
		defs = append(defs, connector.CustomFieldDefinition{ID: idString(d["id"]), Name: name, DataType: dt})
	}
	c.fields.put(defs)
	return defs, nil
}
