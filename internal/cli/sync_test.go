package cli_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/cli"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

// The exit code says how the request ended: 0 succeeded, 2 partially, 1
// failed or timed out; the summary gives actions and reasons with what to do.
func TestSyncWaitExitCodes(t *testing.T) {
	w := newWorld(t, nil)

	r := w.run("", "sync", mappingName, janeID, "--wait")
	if r.code != cli.ExitSucceeded || !strings.Contains(r.out, "Succeeded: 1 request, 1 records: 1 succeeded, 0 failed") || !regexp.MustCompile(`Created\s+1`).MatchString(r.out) {
		t.Fatalf("exit %d, want 0 and a summary with Created 1", r.code)
	}
	names := created(r.out)
	if len(names) != 1 {
		t.Fatalf("created %v, want one request", names)
	}
	req := &v1alpha1.CustomerSyncRequest{}
	if err := w.c.Get(t.Context(), client.ObjectKey{Namespace: w.ns, Name: names[0]}, req); err != nil {
		t.Fatal(err)
	}
	if req.Labels[v1alpha1.LabelTrigger] != v1alpha1.TriggerCLI || req.Labels[v1alpha1.LabelMapping] != mappingName {
		t.Errorf("labels %v, want trigger cli and the mapping", req.Labels)
	}

	r = w.run("", "sync", mappingName, janeID, noMailID, "--wait")
	if r.code != cli.ExitPartial {
		t.Fatalf("exit %d, want 2 (partially succeeded)", r.code)
	}
	if !strings.Contains(r.out, "Partially succeeded") || !regexp.MustCompile(`MissingEmailAddress\s+1\s+provide a valid email in the source`).MatchString(r.out) {
		t.Errorf("the summary does not give the failure's reason and what to do")
	}

	r = w.run("", "sync", mappingName, unknownID, "--wait")
	if r.code != cli.ExitFailed || !strings.Contains(r.out, "Failed: 1 request") || !strings.Contains(r.out, "SourceRecordNotFound") {
		t.Fatalf("exit %d, want 1 with SourceRecordNotFound", r.code)
	}

	// A request that cannot finish (its mapping is suspended) times out.
	m := &v1alpha1.CustomerMapping{}
	if err := w.c.Get(t.Context(), client.ObjectKey{Namespace: w.ns, Name: mappingName}, m); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(m.DeepCopy())
	m.Spec.Suspend = true
	if err := w.c.Patch(t.Context(), m, patch); err != nil {
		t.Fatal(err)
	}
	r = w.run("", "sync", mappingName, janeID, "--wait", "--timeout", "1s")
	if r.code != cli.ExitFailed || !strings.Contains(r.errOut, "timed out after 1s") {
		t.Fatalf("exit %d, want 1 with a timeout", r.code)
	}

	// Usage errors say what to give.
	for _, args := range [][]string{
		{"sync", mappingName},
		{"sync", mappingName, janeID, "--all"},
		{"sync", mappingName, "--since", "24h"},
		{"sync", mappingName, janeID, "--operation", "Upsert"},
		{"sync", "no-such-mapping", janeID},
	} {
		if r := w.run("", args...); r.code != cli.ExitFailed || r.errOut == "" {
			t.Errorf("%v: exit %d, want 1 with an error", args, r.code)
		}
	}
}

// 12,000 ids from stdin become three requests (5,000 + 5,000 + 2,000),
// followed together; in a pipe, progress is plain lines.
func TestSyncSplitsTwelveThousandIDs(t *testing.T) {
	w := newWorld(t, &ninetynineminds.Data{})
	before := len(w.ip.Customers())
	data := w.nn.Generate(12000)
	ids := make([]string, 0, len(data.Customers))
	for _, c := range data.Customers {
		ids = append(ids, c.ID)
	}
	r := w.run(strings.Join(ids, "\n")+"\n", "sync", mappingName, "-f", "-", "--wait", "--progress-interval", "0", "--timeout", "10m")
	if r.code != cli.ExitSucceeded {
		t.Fatalf("exit %d, want 0", r.code)
	}
	names := created(r.out)
	if len(names) != 3 {
		t.Fatalf("created %d requests, want 3", len(names))
	}
	reqs := w.requests(client.HasLabels{v1alpha1.LabelGroup})
	sizes := map[int]int{}
	group := ""
	for _, q := range reqs {
		sizes[len(q.Spec.CustomerIDs)]++
		if group == "" {
			group = q.Labels[v1alpha1.LabelGroup]
		}
		if q.Labels[v1alpha1.LabelGroup] != group {
			t.Errorf("requests of one sync carry groups %q and %q", group, q.Labels[v1alpha1.LabelGroup])
		}
	}
	if len(reqs) != 3 || sizes[5000] != 2 || sizes[2000] != 1 {
		t.Errorf("request sizes %v, want 5000, 5000 and 2000", sizes)
	}
	if !strings.Contains(r.out, "Succeeded: 3 requests, 12000 records: 12000 succeeded") {
		t.Errorf("summary does not count the three requests")
	}
	lines := progressLines(r.errOut)
	if len(lines) < 2 {
		t.Fatalf("%d progress lines, want a line per change", len(lines))
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "progress: 12000/12000 (100%)") || !strings.Contains(last, "3/3 requests finished") || !strings.Contains(last, "records/s") {
		t.Errorf("last progress line %q", last)
	}
	if strings.Contains(r.errOut, "\r") {
		t.Error("a progress bar was drawn into a pipe")
	}
	if got := len(w.ip.Customers()) - before; got != 12000 {
		t.Errorf("%d iPaaS.com customers created, want 12000", got)
	}
}

func progressLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "progress: ") {
			out = append(out, l)
		}
	}
	return out
}

// --progress bar redraws one line; -o json prints the finished requests
// for a machine.
func TestSyncProgressBarAndJSON(t *testing.T) {
	w := newWorld(t, nil)
	r := w.run("", "sync", mappingName, janeID, noMailID, "--wait", "--progress", "bar")
	if r.code != cli.ExitPartial {
		t.Fatalf("exit %d", r.code)
	}
	if !strings.Contains(r.errOut, "\r[") || !strings.Contains(r.errOut, "] 2/2 (100%)") || !strings.Contains(r.errOut, "=") {
		t.Errorf("no progress bar drawn: %q", r.errOut)
	}
	r = w.run("", "sync", mappingName, janeID, "--wait", "-o", "json")
	if r.code != cli.ExitSucceeded {
		t.Fatalf("exit %d", r.code)
	}
	var got v1alpha1.CustomerSyncRequest
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("-o json is not one request: %v", err)
	}
	if got.Kind != "CustomerSyncRequest" || got.Status.Succeeded != 1 || got.Status.Phase != v1alpha1.PhaseComplete {
		t.Errorf("-o json gave %s with status %+v", got.Kind, got.Status)
	}
	if r.errOut != "" {
		t.Errorf("-o json in a pipe wrote progress: %q", r.errOut)
	}
}

// status explains a request's failures with what to do, and lists the
// recent requests; retry syncs the failed records again once fixed.
func TestStatusAndRetry(t *testing.T) {
	w := newWorld(t, nil)
	r := w.run("", "sync", mappingName, janeID, noMailID, unknownID, "--wait")
	if r.code != cli.ExitPartial {
		t.Fatalf("exit %d", r.code)
	}
	first := created(r.out)[0]

	r = w.run("", "status", first)
	for _, want := range []string{
		"Phase:      Complete (PartiallySucceeded)",
		"3 total, 3 processed: 1 succeeded, 2 failed",
		"MissingEmailAddress",
		"provide a valid email in the source",
		"SourceRecordNotFound",
		noMailID,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("status does not say %q", want)
		}
	}
	r = w.run("", "status")
	if r.code != 0 || !regexp.MustCompile(first+`\s+`+mappingName+`\s+Complete \(PartiallySucceeded\)\s+3\s+1\s+2`).MatchString(r.out) {
		t.Errorf("the table does not list the request")
	}
	if r = w.run("", "status", "no-such-request"); r.code != cli.ExitFailed || !strings.Contains(r.errOut, "not found") {
		t.Errorf("a missing request: exit %d", r.code)
	}

	// Nothing failed with this reason: nothing to retry, not an error.
	r = w.run("", "retry", first, "--reason", "InvalidPhoneNumber")
	if r.code != 0 || !strings.Contains(r.errOut, "nothing to retry") || len(created(r.out)) != 0 {
		t.Errorf("retry of a reason without failures: exit %d", r.code)
	}

	// Fix the customer in 99minds, then retry only its reason.
	if _, err := w.nn.Seed(ninetynineminds.Data{Customers: []ninetynineminds.Customer{{ID: noMailID, Name: "Nomail Fixed", Email: "fixed@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	r = w.run("", "retry", first, "--reason", v1alpha1.ReasonMissingEmailAddress, "--wait")
	if r.code != cli.ExitSucceeded {
		t.Fatalf("retry exit %d, want 0", r.code)
	}
	retried := created(r.out)
	if len(retried) != 1 {
		t.Fatalf("retry created %v", retried)
	}
	req := &v1alpha1.CustomerSyncRequest{}
	if err := w.c.Get(t.Context(), client.ObjectKey{Namespace: w.ns, Name: retried[0]}, req); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(req.Spec.CustomerIDs) != fmt.Sprint([]string{noMailID}) || req.Labels[v1alpha1.LabelRetryOf] != first {
		t.Errorf("retry request has ids %v and labels %v", req.Spec.CustomerIDs, req.Labels)
	}

	// Retrying every failure includes the one still broken.
	r = w.run("", "retry", first, "--wait")
	if r.code != cli.ExitPartial {
		t.Errorf("retry of all failures: exit %d, want 2 (the unknown id still fails)", r.code)
	}

	// trace: every request that touched the customer (status times have
	// one-second precision, so the order is checked in trace_internal_test).
	r = w.run("", "trace", noMailID)
	rows := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code != 0 || len(rows) != 4 {
		t.Fatalf("trace printed %d lines, want a header and 3 requests", len(rows))
	}
	for _, want := range []string{first + ".*Failed.*MissingEmailAddress", retried[0] + ".*Created", "Unchanged"} {
		if !slices.ContainsFunc(rows[1:], regexp.MustCompile(want).MatchString) {
			t.Errorf("no trace row matches %s", want)
		}
	}
	r = w.run("", "trace", noMailID, "-o", "json")
	var touches []cli.Touch
	if err := json.Unmarshal([]byte(r.out), &touches); err != nil || len(touches) != 3 {
		t.Errorf("trace -o json: %v, %+v", err, touches)
	}
}

// diff shows a dry run as field changes, and leaves no request behind.
func TestDiff(t *testing.T) {
	w := newWorld(t, nil)
	before := len(w.ip.Customers())
	r := w.run("", "diff", mappingName, janeID)
	if r.code != 0 || !strings.Contains(r.out, "=== "+janeID+": WouldCreate") || !regexp.MustCompile(`\+ FirstName: "Jane"`).MatchString(r.out) {
		t.Fatalf("diff of a new customer: exit %d", r.code)
	}
	if strings.Contains(r.out, "\x1b[") {
		t.Error("colours written into a pipe")
	}
	if got := len(w.ip.Customers()) - before; got != 0 {
		t.Errorf("a diff wrote %d customers", got)
	}
	if r := w.run("", "sync", mappingName, janeID, "--wait"); r.code != 0 {
		t.Fatalf("sync exit %d", r.code)
	}
	c, _ := w.nn.Customer(janeID)
	c.Name = "Janet " + strings.SplitN(c.Name, " ", 2)[1]
	if _, err := w.nn.Seed(ninetynineminds.Data{Customers: []ninetynineminds.Customer{c}}); err != nil {
		t.Fatal(err)
	}
	r = w.run("", "diff", mappingName, janeID)
	if r.code != 0 || !strings.Contains(r.out, ": WouldUpdate") || !strings.Contains(r.out, `- FirstName: "Jane"`) || !strings.Contains(r.out, `+ FirstName: "Janet"`) {
		t.Fatalf("diff of a changed customer: exit %d", r.code)
	}
	w.eventually(10*time.Second, "the dry-run requests to be deleted", func() bool {
		for _, q := range w.requests() {
			if q.Spec.DryRun && q.DeletionTimestamp == nil {
				return false
			}
		}
		return true
	})
}

// --all syncs every customer of the source; --since only those changed
// since (the world's customers changed in 2025).
func TestSyncAll(t *testing.T) {
	w := newWorld(t, nil)
	r := w.run("", "sync", mappingName, "--all", "--since", "2026-01-01", "--wait")
	if r.code != cli.ExitSucceeded || !strings.Contains(r.out, "every customer changed since 2026-01-01T00:00:00Z") || !strings.Contains(r.out, "1 request, 0 records") {
		t.Fatalf("--since after every change: exit %d", r.code)
	}
	r = w.run("", "sync", mappingName, "--all", "--wait", "-o", "yaml")
	if r.code != cli.ExitPartial || !strings.Contains(r.out, "kind: CustomerSyncRequest") || !strings.Contains(r.out, "total: 2") {
		t.Fatalf("--all: exit %d, want 2 (one customer has no email)", r.code)
	}
}
