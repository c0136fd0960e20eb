package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/receiver"
)

// waitFlags are the flags of the commands that can follow their requests.
type waitFlags struct {
	wait     bool
	timeout  time.Duration
	progress string
	// every is the least time between plain progress lines.
	every time.Duration
}

func (w *waitFlags) add(cmd *cobra.Command, waitByDefault bool) {
	if !waitByDefault {
		cmd.Flags().BoolVar(&w.wait, "wait", false, "follow the requests until they finish; the exit code says how they ended")
	}
	cmd.Flags().DurationVar(&w.timeout, "timeout", 30*time.Minute, "how long to wait before giving up (exit code 1); 0 waits forever")
	cmd.Flags().StringVar(&w.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, plain or none")
	cmd.Flags().DurationVar(&w.every, "progress-interval", 5*time.Second, "least time between plain progress lines")
	_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions([]string{"auto", "bar", "plain", "none"}, cobra.ShellCompDirectiveNoFileComp))
}

type syncFlags struct {
	waitFlags
	all       bool
	since     string
	dryRun    bool
	operation string
	file      string
}

func (o *options) syncCommand() *cobra.Command {
	f := &syncFlags{}
	cmd := &cobra.Command{
		Use:   "sync MAPPING [ID...] [-f FILE | --all [--since T]]",
		Short: "Create a sync request for customers, and follow it with --wait",
		Long: `sync creates a CustomerSyncRequest for the named customers (their ids in the mapping's source
system), for the ids in a file (-f FILE, one per line, - for stdin), or for every customer (--all,
with --since a time or a duration such as 24h). More ids than one request holds (5,000) become
several requests, followed together.`,
		Example: `  kubectl customersync sync ninetynineminds-to-ipaas customer_0a1b2c3d4e5f6a7b8c --wait
  kubectl customersync sync ipaas-to-openai -f ids.txt --wait
  kubectl customersync sync ninetynineminds-to-ipaas --all --since 24h --dry-run --wait`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: o.completeFirst(&v1alpha1.CustomerMappingList{}),
		PreRunE:           o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runSync(cmd.Context(), f, args[0], args[1:])
		},
	}
	cmd.Flags().BoolVar(&f.all, "all", false, "sync every customer of the source")
	cmd.Flags().StringVar(&f.since, "since", "", "with --all: only customers changed since this time (RFC 3339) or this long ago (24h)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "compute the changes without writing (see also: diff)")
	cmd.Flags().StringVar(&f.operation, "operation", "", "Add or Update (default: Auto, decided per record)")
	cmd.Flags().StringVarP(&f.file, "filename", "f", "", "read customer ids from a file, one per line (- for stdin)")
	_ = cmd.RegisterFlagCompletionFunc("operation", cobra.FixedCompletions([]string{"Auto", "Add", "Update"}, cobra.ShellCompDirectiveNoFileComp))
	f.waitFlags.add(cmd, false)
	o.addOutputFlag(cmd)
	return cmd
}

func (o *options) runSync(ctx context.Context, f *syncFlags, mappingName string, ids []string) error {
	spec := v1alpha1.CustomerSyncRequestSpec{MappingRef: v1alpha1.LocalObjectReference{Name: mappingName}, DryRun: f.dryRun}
	switch f.operation {
	case "", "Auto", "Add", "Update":
		spec.Operation = v1alpha1.Operation(f.operation)
	default:
		return usageError("--operation %q: use Add, Update or Auto", f.operation)
	}
	if f.file != "" {
		more, err := readIDs(f.file, o.streams.In)
		if err != nil {
			return usageError("%v", err)
		}
		ids = append(ids, more...)
	}
	switch {
	case f.all && len(ids) > 0:
		return usageError("give customer ids or --all, not both")
	case f.since != "" && !f.all:
		return usageError("--since needs --all")
	case !f.all && len(ids) == 0:
		return usageError("give customer ids, -f FILE, or --all")
	}
	if f.all {
		spec.All = &v1alpha1.AllCustomers{}
		if f.since != "" {
			t, err := parseSince(f.since, time.Now())
			if err != nil {
				return usageError("--since: %v", err)
			}
			spec.All.UpdatedSince = &metav1.Time{Time: t}
		}
	}
	m, err := o.mapping(ctx, mappingName)
	if err != nil {
		return err
	}
	reqs := newRequests(m, spec, unique(ids), nil)
	return o.createAndFollow(ctx, reqs, &f.waitFlags)
}

// newRequests are the requests for ids (or for spec.All), at most
// MaxCustomerIDs each; several share a group label. They carry the
// mapping's shard label, so that the mapping's shard serves them.
func newRequests(m *v1alpha1.CustomerMapping, spec v1alpha1.CustomerSyncRequestSpec, ids []string, extra map[string]string) []*v1alpha1.CustomerSyncRequest {
	chunks := [][]string{nil}
	if spec.All == nil {
		chunks = slices.Collect(slices.Chunk(ids, v1alpha1.MaxCustomerIDs))
	}
	group := ""
	if len(chunks) > 1 {
		group = receiver.GenerateName(m.Name, v1alpha1.TriggerCLI) + rand.String(5)
	}
	out := make([]*v1alpha1.CustomerSyncRequest, 0, len(chunks))
	for _, c := range chunks {
		r := &v1alpha1.CustomerSyncRequest{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:    m.Namespace,
				GenerateName: receiver.GenerateName(m.Name, v1alpha1.TriggerCLI),
				Labels:       receiver.LabelsFor(m, v1alpha1.TriggerCLI),
			},
			Spec: spec,
		}
		r.Spec.CustomerIDs = c
		if group != "" {
			r.Labels[v1alpha1.LabelGroup] = group
		}
		for k, v := range extra {
			r.Labels[k] = v
		}
		out = append(out, r)
	}
	return out
}

// createAndFollow creates the requests, says so, and with --wait follows
// them to the end; the exit code is theirs.
func (o *options) createAndFollow(ctx context.Context, reqs []*v1alpha1.CustomerSyncRequest, w *waitFlags) error {
	names := make([]string, 0, len(reqs))
	for _, r := range reqs {
		if err := o.client.Create(ctx, r); err != nil {
			if len(names) > 0 {
				fmt.Fprintf(o.streams.ErrOut, "created %s before this error; they run\n", strings.Join(names, ", "))
			}
			return fmt.Errorf("creating the sync request: %w", err)
		}
		names = append(names, r.Name)
		if o.output == "" {
			fmt.Fprintf(o.streams.Out, "customersyncrequest/%s created (%s)\n", r.Name, describeSelection(r))
		}
	}
	if !w.wait {
		return o.print(reqs)
	}
	final, err := o.follow(ctx, reqs[0].Namespace, names, w)
	if err != nil {
		return err
	}
	if o.output != "" {
		if err := o.print(final); err != nil {
			return err
		}
	} else {
		writeSummary(o.streams.Out, final)
	}
	return exitFor(final)
}

func describeSelection(r *v1alpha1.CustomerSyncRequest) string {
	var s string
	switch {
	case r.Spec.All != nil && r.Spec.All.UpdatedSince != nil:
		s = "every customer changed since " + r.Spec.All.UpdatedSince.UTC().Format(time.RFC3339)
	case r.Spec.All != nil:
		s = "every customer"
	case len(r.Spec.CustomerIDs) == 1:
		s = "1 customer"
	default:
		s = fmt.Sprintf("%d customers", len(r.Spec.CustomerIDs))
	}
	if r.Spec.DryRun {
		s += ", dry run"
	}
	return s
}

// mapping reads the named mapping, or says clearly that it is missing.
func (o *options) mapping(ctx context.Context, name string) (*v1alpha1.CustomerMapping, error) {
	m := &v1alpha1.CustomerMapping{}
	err := o.client.Get(ctx, client.ObjectKey{Namespace: o.namespace, Name: name}, m)
	if apierrors.IsNotFound(err) {
		return nil, &ExitError{Code: ExitFailed, Message: fmt.Sprintf("CustomerMapping %q not found in namespace %q (kubectl get custmap -n %s lists them)", name, o.namespace, o.namespace)}
	}
	return m, err
}

// readIDs reads one id per line; blank lines and lines starting with #
// are skipped.
func readIDs(file string, stdin io.Reader) ([]string, error) {
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	var ids []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids = append(ids, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return ids, nil
}

// parseSince reads an RFC 3339 time, a date, or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (2026-11-30T08:00:00Z, 2026-11-30) nor a duration (24h)", s)
}

// unique drops repeated ids, keeping the first of each: the CRD refuses a
// list with duplicates.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitFailed, Message: fmt.Sprintf(format, args...)}
}
