package syncer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/simulator/fault"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	"github.com/customersync/customer-sync-operator/internal/syncer"
	"github.com/customersync/customer-sync-operator/internal/testenv"
)

const janeID = "customer_35b4d7776af9ac875a"

// fixture is the 99minds → iPaaS.com sample mapping against the simulators.
type fixture struct {
	nn *ninetynineminds.Server
	ip *ipaas.Server
	s  syncer.Flow
}

func newFixture(t testing.TB, collision v1alpha1.CollisionHandling) *fixture {
	t.Helper()
	f := &fixture{
		nn: ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{"k1"}, Data: &ninetynineminds.Data{
			Customers: []ninetynineminds.Customer{{ID: janeID, Name: "Jane Doe", Email: "jane@example.com", Company: "Acme"}},
		}}),
		ip: ipaas.StartForTest(t, ipaas.Options{APIKeys: []string{"k2"}}),
	}
	f.s = f.build(t, "sync_v1alpha1_customermapping_ninetynineminds_to_ipaas.yaml", func(s *v1alpha1.CustomerMappingSpec) {
		s.CollisionHandling = collision
	})
	return f
}

// newReverseFixture is the iPaaS.com → 99minds sample mapping against the
// simulators.
func newReverseFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{
		nn: ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{"k1"}}),
		ip: ipaas.StartForTest(t, ipaas.Options{APIKeys: []string{"k2"}}),
	}
	f.s = f.build(t, "sync_v1alpha1_customermapping_ipaas_to_ninetynineminds.yaml", nil)
	return f
}

// build loads a sample mapping, points its endpoints at the fixture's
// simulators and builds its flow with their keys.
func (f *fixture) build(t testing.TB, sample string, edit func(*v1alpha1.CustomerMappingSpec)) syncer.Flow {
	t.Helper()
	m := testenv.SampleMapping(t, sample)
	secrets := map[string]map[string][]byte{}
	for _, ep := range []*v1alpha1.SystemEndpoint{&m.Spec.Source, &m.Spec.Destination} {
		url, key := f.ip.URL, "k2"
		if ep.System == v1alpha1.SystemNinetyNineMinds {
			url, key = f.nn.URL, "k1"
		}
		ep.Endpoint = url
		secrets[ep.CredentialsSecretRef.Name] = map[string][]byte{"apiKey": []byte(key)}
	}
	if edit != nil {
		edit(&m.Spec)
	}
	flow, err := syncer.Build(syncer.Inputs{Spec: m.Spec, Secrets: secrets, Registry: connector.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return flow
}

// unlinked plants an iPaaS.com customer with Jane's CustomerNumber that no
// link points at, as another tool or an interrupted sync would leave it.
func (f *fixture) unlinked(t testing.TB, first string) {
	t.Helper()
	if _, err := f.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{{
		ID: "900", CustomerNumber: janeID, FirstName: first, LastName: "Doe", EmailAddress: "jane@example.com",
	}}}); err != nil {
		t.Fatal(err)
	}
}

func TestCollisionHandling(t *testing.T) {
	cases := []struct {
		collision  v1alpha1.CollisionHandling
		first      string // the unlinked record's FirstName
		wantAction v1alpha1.RecordAction
		wantFirst  string
		wantLinked bool
	}{
		{v1alpha1.CollisionUpdateAndLink, "Janet", v1alpha1.ActionUpdated, "Jane", true},
		{v1alpha1.CollisionLinkOnly, "Janet", v1alpha1.ActionLinked, "Janet", true},
		{v1alpha1.CollisionError, "Janet", v1alpha1.ActionFailed, "Janet", false},
	}
	for _, tc := range cases {
		t.Run(string(tc.collision), func(t *testing.T) {
			f := newFixture(t, tc.collision)
			f.unlinked(t, tc.first)
			out := f.s.Sync(context.Background(), janeID, syncer.Options{Operation: v1alpha1.OperationAuto})
			if out.Action != tc.wantAction {
				t.Fatalf("outcome %+v, want %s", out, tc.wantAction)
			}
			if tc.wantAction == v1alpha1.ActionFailed && out.Reason != v1alpha1.ReasonCollision {
				t.Errorf("reason %q, want %s", out.Reason, v1alpha1.ReasonCollision)
			}
			found := f.ip.FindByCustomerNumber(janeID)
			if len(found) != 1 || found[0].ID != "900" || found[0].FirstName != tc.wantFirst {
				t.Fatalf("iPaaS.com holds %+v, want only customer 900 with FirstName %s", found, tc.wantFirst)
			}
			if _, linked := f.ip.Lookup(4711, janeID); linked != tc.wantLinked {
				t.Errorf("linked = %v, want %v", linked, tc.wantLinked)
			}
		})
	}
}

// A record created by an attempt that stopped before linking is adopted
// even under collisionHandling Error: it holds exactly what Add would write.
// It is completed as an Add: the Update rules (Company, Comment) are not
// applied, as they would not have been had the attempt not been interrupted.
func TestInterruptedCreateIsAdoptedNotDuplicated(t *testing.T) {
	f := newFixture(t, v1alpha1.CollisionError)
	ctx := context.Background()
	if out := f.s.Sync(ctx, janeID, syncer.Options{}); out.Action != v1alpha1.ActionCreated {
		t.Fatalf("first sync %+v", out)
	}
	rec := f.ip.FindByCustomerNumber(janeID)[0]
	// Keep the record, drop the link: what a crash between create and link
	// leaves behind.
	rec.ExternalIDs = nil
	f.ip.Reset()
	if _, err := f.ip.Seed(ipaas.Data{Customers: []ipaas.Customer{rec}}); err != nil {
		t.Fatal(err)
	}
	if _, linked := f.ip.Lookup(4711, janeID); linked {
		t.Fatal("the link survived the reset; the test proves nothing")
	}
	again := f.s.Sync(ctx, janeID, syncer.Options{})
	if again.Action != v1alpha1.ActionCreated || again.DestinationID != rec.ID {
		t.Fatalf("resync %+v, want customer %s completed as Created", again, rec.ID)
	}
	if got := f.ip.FindByCustomerNumber(janeID)[0]; got.Company != "" {
		t.Errorf("Company = %q: the Update rules finished an interrupted Add", got.Company)
	}
	if n := len(f.ip.FindByCustomerNumber(janeID)); n != 1 {
		t.Fatalf("%d customers with the number, want 1", n)
	}
	if id, ok := f.ip.Lookup(4711, janeID); !ok || id != rec.ID {
		t.Errorf("link = %q %v, want %s", id, ok, rec.ID)
	}
}

func TestOperationAddAndUpdateAreEnforced(t *testing.T) {
	f := newFixture(t, v1alpha1.CollisionUpdateAndLink)
	ctx := context.Background()
	if out := f.s.Sync(ctx, janeID, syncer.Options{Operation: v1alpha1.OperationUpdate}); out.Action != v1alpha1.ActionFailed {
		t.Fatalf("Update of a missing customer: %+v", out)
	}
	if n := len(f.ip.Customers()); n != 0 {
		t.Fatalf("a refused Update created %d customers", n)
	}
	if out := f.s.Sync(ctx, janeID, syncer.Options{Operation: v1alpha1.OperationAdd}); out.Action != v1alpha1.ActionCreated {
		t.Fatalf("Add: %+v", out)
	}
	if out := f.s.Sync(ctx, janeID, syncer.Options{Operation: v1alpha1.OperationAdd}); out.Action != v1alpha1.ActionFailed || out.Reason != v1alpha1.ReasonCollision {
		t.Fatalf("second Add: %+v, want Failed/%s", out, v1alpha1.ReasonCollision)
	}
	if n := len(f.ip.Customers()); n != 1 {
		t.Fatalf("%d customers, want 1", n)
	}
}

// Two transfers of one record at once (two requests naming the same
// customer) must not both create it.
func TestConcurrentTransfersOfOneRecordCreateItOnce(t *testing.T) {
	f := newFixture(t, v1alpha1.CollisionUpdateAndLink)
	var wg sync.WaitGroup
	outcomes := make([]syncer.Outcome, 8)
	for i := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = f.s.Sync(context.Background(), janeID, syncer.Options{})
		}()
	}
	wg.Wait()
	created := 0
	for _, o := range outcomes {
		if o.Failed() {
			t.Fatalf("outcome %+v", o)
		}
		if o.Action == v1alpha1.ActionCreated {
			created++
		}
	}
	if n := len(f.ip.FindByCustomerNumber(janeID)); n != 1 || created != 1 {
		t.Fatalf("%d customers, %d Created outcomes; want 1 and 1", n, created)
	}
}

// The link lookup needs only the source id, so it is made while the source
// record is still being fetched: with the 99minds fetch held, iPaaS.com
// still receives the lookup. (Made after the fetch, it would arrive only
// when the fetch returned.)
func TestLinkLookupRunsAlongsideTheFetch(t *testing.T) {
	f := newFixture(t, v1alpha1.CollisionUpdateAndLink)
	if err := f.nn.SetFaults(fault.Config{Paths: []string{ninetynineminds.RouteGetCustomer}, HangRate: 1, HangMax: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	done := make(chan syncer.Outcome, 1)
	go func() { done <- f.s.Sync(context.Background(), janeID, syncer.Options{}) }()
	deadline := time.Now().Add(3 * time.Second)
	for f.ip.CountFor(ipaas.RouteLookupSpecial) == 0 {
		select {
		case o := <-done:
			t.Fatalf("the sync ended (%+v) before any link lookup arrived", o)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no link lookup while the fetch was held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := f.nn.FaultStats().Hung; n == 0 {
		t.Fatal("the fetch was not held; the test proves nothing")
	}
	_ = f.nn.SetFaults(fault.Config{})
	<-done
}
