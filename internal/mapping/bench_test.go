package mapping

import (
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// handwrittenAdd is the sample's Customer Add collection written in plain
// Go against the same normalized 99minds document: the baseline the CEL
// engine is measured against.
func handwrittenAdd(src map[string]any) (customer.Payload, error) {
	p := customer.Payload{Fields: make(map[string]any, 4), CustomFields: make(map[string]string, 4)}
	p.CustomFields["99minds Loyalty Points Synced"] = "true"

	cards, _ := src["loyalty_cards"].([]any)
	var balance float64
	cardID := ""
	for _, c := range cards {
		card, _ := c.(map[string]any)
		switch n := card["point_balance"].(type) {
		case int64:
			balance += float64(n)
		case float64:
			balance += n
		}
		if active, _ := card["active"].(bool); active && cardID == "" {
			cardID, _ = card["id"].(string)
		}
	}
	p.CustomFields["99minds Loyalty Points Balance"] = strconv.FormatFloat(balance, 'f', -1, 64)
	if cardID != "" {
		p.CustomFields["99minds Loyalty Card ID"] = cardID
	}

	var journal strings.Builder
	txs, _ := src["transactions"].([]any)
	for i, x := range txs {
		tx, _ := x.(map[string]any)
		date, _ := tx["transaction_date"].(string)
		ts, err := time.Parse(time.RFC3339Nano, date)
		if err != nil {
			return p, err
		}
		if i > 0 {
			journal.WriteByte('\n')
		}
		typ, _ := tx["transaction_type"].(string)
		id, _ := tx["id"].(string)
		amount, _ := toText(tx["amount"])
		journal.WriteString(ts.Format("2006-01-02") + " " + typ + " " + amount + " " + id)
	}
	if journal.Len() > 0 {
		p.CustomFields["99minds Transaction Journal"] = journal.String()
	}

	p.Fields["CustomerNumber"], _ = src["id"].(string)
	name, _ := src["name"].(string)
	words := strings.Fields(name)
	first, last := "", ""
	if len(words) > 0 {
		first, last = words[0], strings.Join(words[1:], " ")
	}
	p.Fields["FirstName"], p.Fields["LastName"] = first, last
	p.Fields["EmailAddress"], _ = src["email"].(string)
	return p, Validate(v1alpha1.SystemIPaaS, p, Add)
}

func TestHandwrittenMatchesSample(t *testing.T) {
	src := loadRecord(t, "ninetynineminds_customer.json")
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, src); err != nil {
		t.Fatal(err)
	}
	want, err := handwrittenAdd(src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := compileSample(t, sampleNinetyNineMinds).Map(Input{Source: src}, Add)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Payload, want) {
		t.Errorf("the benchmark baseline differs from the sample:\n cel  %v\n hand %v", res.Payload, want)
	}
}

// TestAddMappingRatio measures the CEL engine against the hand-written
// mapping in alternating rounds, so that load from other processes hits
// both alike, and reports the median ratio. It runs only when asked:
//
//	MAPPING_RATIO=1 go test -run TestAddMappingRatio -v ./internal/mapping/
func TestAddMappingRatio(t *testing.T) {
	if os.Getenv("MAPPING_RATIO") == "" {
		t.Skip("set MAPPING_RATIO=1 to measure")
	}
	src := loadRecord(t, "ninetynineminds_customer.json")
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, src); err != nil {
		t.Fatal(err)
	}
	p := compileSample(t, sampleNinetyNineMinds)
	in := Input{Source: src}
	cel := func(b *testing.B) {
		for b.Loop() {
			res, err := p.Map(in, Add)
			if err == nil {
				err = Validate(v1alpha1.SystemIPaaS, res.Payload, Add)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	hand := func(b *testing.B) {
		for b.Loop() {
			if _, err := handwrittenAdd(src); err != nil {
				b.Fatal(err)
			}
		}
	}
	var ratios, celNs, handNs []float64
	for range 15 {
		c, h := testing.Benchmark(cel), testing.Benchmark(hand)
		celNs = append(celNs, float64(c.NsPerOp()))
		handNs = append(handNs, float64(h.NsPerOp()))
		ratios = append(ratios, float64(c.NsPerOp())/float64(h.NsPerOp()))
	}
	median := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	t.Logf("cel %.0f ns/op, handwritten %.0f ns/op, ratio %.2fx (medians of %d alternating rounds)",
		median(celNs), median(handNs), median(ratios), len(ratios))
}

// BenchmarkAddMapping maps one 99minds customer (2 cards, 3 transactions)
// with the sample's Customer Add collection and validates it, through the
// CEL engine and through the same mapping written by hand. docs/benchmarks.md
// records the figures.
func BenchmarkAddMapping(b *testing.B) {
	src := loadRecord(b, "ninetynineminds_customer.json")
	if err := NormalizeSource(v1alpha1.SystemNinetyNineMinds, src); err != nil {
		b.Fatal(err)
	}
	p := compileSample(b, sampleNinetyNineMinds)
	in := Input{Source: src}
	b.Run("cel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := p.Map(in, Add)
			if err != nil {
				b.Fatal(err)
			}
			if err := Validate(v1alpha1.SystemIPaaS, res.Payload, Add); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := handwrittenAdd(src); err != nil {
				b.Fatal(err)
			}
		}
	})
}
