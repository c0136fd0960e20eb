package controllers_test

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

// The same 50 customers synced once cleanly and once with 30% of every
// call to both systems answered 503 or 429 end with the same iPaaS.com
// records. In the faulty run some creates succeed and their link write
// fails; the retry must complete them as an Add (no Company, no Comment),
// not finish them with the Update rules.
func TestFinalStateDoesNotDependOnFaults(t *testing.T) {
	const n = 50
	clean, _ := syncGenerated(t, n, fault.Config{})
	faulty, links := syncGenerated(t, n, fault.Config{ErrorRate: 0.2, ErrorStatus: 503, RateLimitRate: 0.1, RetryAfter: time.Second, Seed: 7})
	if links <= n {
		t.Fatalf("the faulty run wrote %d links for %d customers: no link write failed, so the test proves nothing", links, n)
	}
	if len(clean) != n || len(faulty) != n {
		t.Fatalf("clean run holds %d customers, faulty run %d; want %d each", len(clean), len(faulty), n)
	}
	for number, want := range clean {
		if got, ok := faulty[number]; !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("customer %s:\n clean  %+v\n faulty %+v", number, want, got)
		}
	}
}

// customerView is an iPaaS.com customer without its ids and timestamps.
type customerView struct {
	First, Last, Email, Company, Comment string
	Custom                               map[string]string
	Linked                               bool
}

// syncGenerated syncs n generated 99minds customers (the same ones on every
// call: the simulators are seeded alike) with the sample mapping under the
// given faults, and returns what iPaaS.com holds by CustomerNumber and how
// many link writes it received.
func syncGenerated(t *testing.T, n int, faults fault.Config) (map[string]customerView, int64) {
	t.Helper()
	w := newWorld(t, nil)
	var ids []string
	for _, c := range w.nn.Generate(n).Customers {
		ids = append(ids, c.ID)
	}
	stop := startManager(t, testOptions())
	defer stop()
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	for _, s := range []interface{ SetFaults(fault.Config) error }{w.nn, w.ip} {
		if err := s.SetFaults(faults); err != nil {
			t.Fatal(err)
		}
	}
	req := w.request("generated", mapping, ids...)
	req.Spec.BackoffLimit = ptr.To(int32(100))
	w.create(req)
	// The faulty run takes a minute or two, its quick retries and
	// Retry-After waits (79 s with no limiter at all): the bound is for a
	// hang, not a speed, for this test is about the final state.
	csr := w.finished("generated", 8*time.Minute)
	if csr.Status.Succeeded != int32(n) {
		t.Fatalf("faults %+v: %d of %d succeeded: %+v", faults, csr.Status.Succeeded, n, csr.Status.Results)
	}
	out := map[string]customerView{}
	for _, c := range w.ip.Customers() {
		v := customerView{First: c.FirstName, Last: c.LastName, Email: c.EmailAddress, Company: c.Company, Comment: c.Comment,
			Custom: map[string]string{}}
		for _, f := range c.CustomFields {
			v.Custom[f.Name] = f.Value
		}
		id, linked := w.ip.Lookup(systemID, c.CustomerNumber)
		v.Linked = linked && id == c.ID
		if _, dup := out[c.CustomerNumber]; dup {
			t.Errorf("faults %+v: CustomerNumber %s exists twice", faults, c.CustomerNumber)
		}
		out[c.CustomerNumber] = v
	}
	numbers := slices.Sorted(maps.Keys(out))
	if !reflect.DeepEqual(numbers, sortedCopy(ids)) {
		t.Errorf("faults %+v: iPaaS.com holds customers %v, want %v", faults, numbers, sortedCopy(ids))
	}
	return out, w.ip.CountFor(ipaas.RouteUpdateExternalID)
}

func sortedCopy(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}
