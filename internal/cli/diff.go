package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

type diffFlags struct {
	waitFlags
	file string
	keep bool
}

func (o *options) diffCommand() *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff MAPPING ID... [-f FILE]",
		Short: "Preview a sync: a dry-run request, printed as a per-field diff",
		Long: `diff runs a dry-run CustomerSyncRequest for the customers and prints, per customer, the
destination fields the sync would change (- the current value, + the new one; coloured on a
terminal). The dry-run request is deleted afterwards unless --keep. Exit code 0, or 2 when some
records failed (their reasons are printed), 1 when all did.`,
		Example:           `  kubectl customersync diff ninetynineminds-to-ipaas customer_0a1b2c3d4e5f6a7b8c`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: o.completeFirst(&v1alpha1.CustomerMappingList{}),
		PreRunE:           o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runDiff(cmd.Context(), f, args[0], args[1:])
		},
	}
	cmd.Flags().StringVarP(&f.file, "filename", "f", "", "read customer ids from a file, one per line (- for stdin)")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "keep the dry-run request")
	f.waitFlags.add(cmd, true)
	o.addOutputFlag(cmd)
	return cmd
}

func (o *options) runDiff(ctx context.Context, f *diffFlags, mappingName string, ids []string) error {
	if f.file != "" {
		more, err := readIDs(f.file, o.streams.In)
		if err != nil {
			return usageError("%v", err)
		}
		ids = append(ids, more...)
	}
	if len(ids) == 0 {
		return usageError("give customer ids or -f FILE")
	}
	ids = unique(ids)
	if len(ids) > v1alpha1.MaxCustomerIDs {
		return usageError("diff shows at most %d customers at once; give fewer", v1alpha1.MaxCustomerIDs)
	}
	m, err := o.mapping(ctx, mappingName)
	if err != nil {
		return err
	}
	spec := v1alpha1.CustomerSyncRequestSpec{MappingRef: v1alpha1.LocalObjectReference{Name: mappingName}, DryRun: true}
	if !f.keep {
		spec.TTLSecondsAfterFinished = ptr.To(int32(time.Hour / time.Second)) // deleted below; this covers an interrupted run
	}
	req := newRequests(m, spec, ids, nil)[0]
	if err := o.client.Create(ctx, req); err != nil {
		return fmt.Errorf("creating the dry-run request: %w", err)
	}
	if !f.keep {
		defer func() { _ = o.client.Delete(context.WithoutCancel(ctx), req) }()
	}
	f.wait = true
	final, err := o.follow(ctx, req.Namespace, []string{req.Name}, &f.waitFlags)
	if err != nil {
		return err
	}
	r := final[0]
	if o.output != "" {
		if err := o.encode(r.Status.Results); err != nil {
			return err
		}
	} else {
		writeDiff(o.streams.Out, r, colours{on: isTerminal(o.streams.Out)})
	}
	return exitFor(final)
}

// writeDiff prints each record's changes, in the request's id order.
func writeDiff(w io.Writer, r *v1alpha1.CustomerSyncRequest, c colours) {
	byID := make(map[string]v1alpha1.RecordResult, len(r.Status.Results))
	for _, res := range r.Status.Results {
		byID[res.ID] = res
	}
	for _, id := range r.Spec.CustomerIDs {
		res, ok := byID[id]
		if !ok {
			fmt.Fprintf(w, "%s %s: no result listed (status.results is bounded)\n", c.bold("==="), id)
			continue
		}
		head := fmt.Sprintf("%s %s: %s", c.bold("==="), id, res.Action)
		if res.DestinationID != "" {
			head += " (destination " + res.DestinationID + ")"
		}
		if res.Reason != "" {
			head += " " + res.Reason + ": " + res.Message
		}
		fmt.Fprintln(w, head)
		for _, ch := range res.Changes {
			if ch.From != "" || res.Action != v1alpha1.ActionWouldCreate {
				fmt.Fprintln(w, c.red(fmt.Sprintf("- %s: %q", ch.Field, ch.From)))
			}
			fmt.Fprintln(w, c.green(fmt.Sprintf("+ %s: %q", ch.Field, ch.To)))
		}
	}
}
