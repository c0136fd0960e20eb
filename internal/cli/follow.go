package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// progress is the sum of the followed requests' counts.
type progress struct {
	requests, finished                 int
	total, processed, failed, retrying int32
	totalKnown                         bool
	rate                               float64 // records per second since following began
	eta                                time.Duration
}

func sumProgress(reqs []*v1alpha1.CustomerSyncRequest) progress {
	p := progress{requests: len(reqs), totalKnown: true}
	for _, r := range reqs {
		if finished(r) {
			p.finished++
		}
		p.processed += r.Status.Processed
		p.failed += r.Status.Failed
		p.retrying += r.Status.Retrying
		switch {
		case r.Status.Total > 0 || finished(r):
			p.total += r.Status.Total
		case r.Spec.All == nil:
			p.total += int32(len(r.Spec.CustomerIDs))
		default:
			p.totalKnown = false // listing the source
		}
	}
	return p
}

// finished reports whether the request is Complete or Failed.
func finished(r *v1alpha1.CustomerSyncRequest) bool {
	return meta.IsStatusConditionTrue(r.Status.Conditions, v1alpha1.ConditionComplete) ||
		meta.IsStatusConditionTrue(r.Status.Conditions, v1alpha1.ConditionFailed)
}

// follow reads the named requests every poll interval, shows progress,
// and returns them once all have finished. A timeout is exit code 1.
func (o *options) follow(ctx context.Context, ns string, names []string, w *waitFlags) ([]*v1alpha1.CustomerSyncRequest, error) {
	// The timeout is a timer, not a context deadline: client-go's rate
	// limiter refuses a call it predicts would outlast a deadline, which
	// would end the wait with a read error instead of the timeout.
	var expired <-chan time.Time
	if w.timeout > 0 {
		t := time.NewTimer(w.timeout)
		defer t.Stop()
		expired = t.C
	}
	show := o.progressPrinter(w)
	defer show.done()
	start := time.Now()
	var first *progress
	tick := time.NewTicker(o.pollInterval)
	defer tick.Stop()
	for {
		reqs := make([]*v1alpha1.CustomerSyncRequest, 0, len(names))
		for _, name := range names {
			r := &v1alpha1.CustomerSyncRequest{}
			if err := o.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, r); err != nil {
				return nil, fmt.Errorf("reading customersyncrequest/%s: %w", name, err)
			}
			reqs = append(reqs, r)
		}
		p := sumProgress(reqs)
		elapsed := time.Since(start)
		if first == nil {
			first = &p
		}
		if done := p.processed - first.processed; done > 0 && elapsed > 0 {
			p.rate = float64(done) / elapsed.Seconds()
			if p.totalKnown && p.rate > 0 {
				p.eta = time.Duration(float64(p.total-p.processed) / p.rate * float64(time.Second))
			}
		}
		show.update(p)
		if p.finished == len(reqs) {
			return reqs, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, &ExitError{Code: ExitFailed, Message: fmt.Sprintf("timed out after %v waiting for %s; they go on running (kubectl customersync status)", w.timeout, strings.Join(names, ", "))}
		case <-tick.C:
		}
	}
}

// exitFor is the exit code of finished requests: 0 when no record
// failed, 1 when nothing succeeded, 2 in between.
func exitFor(reqs []*v1alpha1.CustomerSyncRequest) error {
	var ok, failed int32
	failedRequests := 0
	for _, r := range reqs {
		ok += r.Status.Succeeded + r.Status.Skipped
		failed += r.Status.Failed
		if meta.IsStatusConditionTrue(r.Status.Conditions, v1alpha1.ConditionFailed) {
			failedRequests++
		}
	}
	switch {
	case failed == 0 && failedRequests == 0:
		return nil
	case ok == 0 || failedRequests == len(reqs):
		return &ExitError{Code: ExitFailed}
	default:
		return &ExitError{Code: ExitPartial}
	}
}

// printer shows progress while following.
type printer interface {
	update(progress)
	done()
}

func (o *options) progressPrinter(w *waitFlags) printer {
	mode := w.progress
	if mode == "auto" {
		mode = "plain"
		if isTerminal(o.streams.ErrOut) {
			mode = "bar"
		}
	}
	if o.output != "" && mode == "plain" && w.progress == "auto" {
		mode = "none" // keep a machine's output to the result
	}
	switch mode {
	case "bar":
		return &barPrinter{w: o.streams.ErrOut}
	case "plain":
		return &linePrinter{w: o.streams.ErrOut, every: w.every}
	}
	return nonePrinter{}
}

type nonePrinter struct{}

func (nonePrinter) update(progress) {}
func (nonePrinter) done()           {}

// linePrinter writes a line when progress changed, at most once per
// interval, and always the last one: for pipes and CI logs.
type linePrinter struct {
	w     io.Writer
	every time.Duration
	last  string
	at    time.Time
	held  string
}

func (l *linePrinter) update(p progress) {
	s := progressLine(p)
	if s == l.last {
		return
	}
	if time.Since(l.at) < l.every && p.finished < p.requests {
		l.held = s
		return
	}
	l.write(s)
}

func (l *linePrinter) write(s string) {
	fmt.Fprintln(l.w, s)
	l.last, l.at, l.held = s, time.Now(), ""
}

func (l *linePrinter) done() {
	if l.held != "" {
		l.write(l.held)
	}
}

// progressLine reads "progress: 1200/3000 (40%), 310 records/s, ETA 6s, 3 failed".
func progressLine(p progress) string {
	var b strings.Builder
	b.WriteString("progress: ")
	b.WriteString(counts(p))
	if p.rate > 0 {
		fmt.Fprintf(&b, ", %.0f records/s", p.rate)
	}
	if p.eta > 0 && p.finished < p.requests {
		fmt.Fprintf(&b, ", ETA %s", p.eta.Round(time.Second))
	}
	fmt.Fprintf(&b, ", %d failed", p.failed)
	if p.retrying > 0 {
		fmt.Fprintf(&b, ", %d retrying", p.retrying)
	}
	if p.requests > 1 {
		fmt.Fprintf(&b, ", %d/%d requests finished", p.finished, p.requests)
	}
	return b.String()
}

func counts(p progress) string {
	if !p.totalKnown {
		return fmt.Sprintf("%d/? (listing the source)", p.processed)
	}
	pct := 100
	if p.total > 0 {
		pct = int(int64(p.processed) * 100 / int64(p.total))
	}
	return fmt.Sprintf("%d/%d (%d%%)", p.processed, p.total, pct)
}

// barPrinter redraws one line on a terminal.
type barPrinter struct {
	w     io.Writer
	drawn bool
}

const barWidth = 30

func (b *barPrinter) update(p progress) {
	filled := 0
	if p.totalKnown && p.total > 0 {
		filled = int(int64(p.processed) * barWidth / int64(p.total))
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	if filled > 0 && filled < barWidth {
		bar = bar[:filled-1] + ">" + bar[filled:]
	}
	line := strings.TrimPrefix(progressLine(p), "progress: ")
	fmt.Fprintf(b.w, "\r[%s] %s\x1b[K", bar, line)
	b.drawn = true
}

func (b *barPrinter) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// writeSummary prints how finished requests ended: by action, and the
// failures by reason with what to do.
func writeSummary(w io.Writer, reqs []*v1alpha1.CustomerSyncRequest) {
	var succeeded, failed, skipped, total, omitted int32
	actions := map[v1alpha1.RecordAction]int{}
	reasons := map[string]int32{}
	var start, end time.Time
	for _, r := range reqs {
		total += r.Status.Total
		succeeded += r.Status.Succeeded
		failed += r.Status.Failed
		skipped += r.Status.Skipped
		omitted += r.Status.OmittedResults
		for _, res := range r.Status.Results {
			actions[res.Action]++
		}
		for _, rc := range r.Status.FailureReasons {
			reasons[rc.Reason] += rc.Count
		}
		start = earliest(start, r.Status.StartTime)
		if r.Status.CompletionTime != nil && r.Status.CompletionTime.After(end) {
			end = r.Status.CompletionTime.Time
		}
	}
	verdict := "Succeeded"
	switch err := exitFor(reqs); {
	case err != nil && err.(*ExitError).Code == ExitPartial:
		verdict = "Partially succeeded"
	case err != nil:
		verdict = "Failed"
	}
	what := "1 request"
	if len(reqs) > 1 {
		what = fmt.Sprintf("%d requests", len(reqs))
	}
	fmt.Fprintf(w, "%s: %s, %d records: %d succeeded, %d failed, %d skipped", verdict, what, total, succeeded, failed, skipped)
	if !start.IsZero() && !end.IsZero() {
		fmt.Fprintf(w, " in %s", end.Sub(start).Round(time.Second))
	}
	fmt.Fprintln(w)
	for _, r := range reqs {
		if c := meta.FindStatusCondition(r.Status.Conditions, v1alpha1.ConditionFailed); c != nil && c.Status == metav1.ConditionTrue {
			fmt.Fprintf(w, "  customersyncrequest/%s failed (%s): %s\n", r.Name, c.Reason, c.Message)
		}
	}
	if len(actions) > 0 {
		fmt.Fprint(w, "By action")
		if omitted > 0 {
			fmt.Fprintf(w, " (of the results listed; %d not listed in status)", omitted)
		}
		fmt.Fprintln(w, ":")
		keys := make([]string, 0, len(actions))
		for a := range actions {
			keys = append(keys, string(a))
		}
		sort.Strings(keys)
		for _, a := range keys {
			fmt.Fprintf(w, "  %-12s %d\n", a, actions[v1alpha1.RecordAction(a)])
		}
	}
	writeReasons(w, reasons)
}

// writeReasons prints failure counts by reason, most first, each with
// what to do about it.
func writeReasons(w io.Writer, reasons map[string]int32) {
	if len(reasons) == 0 {
		return
	}
	keys := make([]string, 0, len(reasons))
	for r := range reasons {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if reasons[a] != reasons[b] {
			return int(reasons[b] - reasons[a])
		}
		return strings.Compare(a, b)
	})
	fmt.Fprintln(w, "Failures by reason:")
	for _, r := range keys {
		fmt.Fprintf(w, "  %-24s %6d  %s\n", r, reasons[r], Advice(r))
	}
}

func earliest(t time.Time, m *metav1.Time) time.Time {
	if m != nil && (t.IsZero() || m.Before(&metav1.Time{Time: t})) {
		return m.Time
	}
	return t
}
