package ninetynineminds

import (
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// TestPaging: total_pages may be a number or a string [assumed]; without
// it, a short page ends the list.
func TestPaging(t *testing.T) {
	for _, c := range []struct {
		body            string
		page, got, size int
		wantTotal       int
		wantMore        bool
	}{
		{`{"data":[],"meta":{"total_pages":3}}`, 2, 50, 50, 3, true},
		{`{"data":[],"meta":{"total_pages":"3"}}`, 3, 50, 50, 3, false},
		{`{"data":[],"meta":{"total_pages":"many"}}`, 1, 50, 50, 0, true},
		{`{"data":[]}`, 1, 49, 50, 0, false},
		{`{"data":[],"meta":null}`, 1, 50, 50, 0, true},
	} {
		var env map[string]any
		if err := connector.DecodeJSON([]byte(c.body), &env); err != nil {
			t.Fatal(err)
		}
		total := totalPages(env)
		if total != c.wantTotal || hasMore(total, c.page, c.got, c.size) != c.wantMore {
			t.Errorf("%s page %d: total %d, more %v; want %d, %v", c.body, c.page, total, hasMore(total, c.page, c.got, c.size), c.wantTotal, c.wantMore)
		}
	}
}
