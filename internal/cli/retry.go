package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

type retryFlags struct {
	waitFlags
	reason string
}

func (o *options) retryCommand() *cobra.Command {
	f := &retryFlags{}
	cmd := &cobra.Command{
		Use:   "retry REQUEST [--reason R]",
		Short: "Sync the failed records of a finished request again, in a new request",
		Long: `retry creates a request for the records a finished request failed (all of them, or those of
one reason), with the same mapping and options: what iPaaS.com's manual requeue does. The new
request carries the label sync.customersync.io/retry-of=REQUEST.`,
		Example: `  kubectl customersync retry ninetynineminds-to-ipaas-cli-x7k2p --wait
  kubectl customersync retry ninetynineminds-to-ipaas-cli-x7k2p --reason DestinationRejected`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeFirst(&v1alpha1.CustomerSyncRequestList{}),
		PreRunE:           o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runRetry(cmd.Context(), f, args[0])
		},
	}
	cmd.Flags().StringVar(&f.reason, "reason", "", "retry only the records that failed with this reason")
	f.waitFlags.add(cmd, false)
	o.addOutputFlag(cmd)
	return cmd
}

func (o *options) runRetry(ctx context.Context, f *retryFlags, name string) error {
	old, err := o.request(ctx, name)
	if err != nil {
		return err
	}
	if !finished(old) {
		return usageError("customersyncrequest/%s has not finished (%s); retry it once it has", name, phaseAndReason(old))
	}
	var ids []string
	for _, res := range old.Status.Results {
		if res.Action == v1alpha1.ActionFailed && (f.reason == "" || res.Reason == f.reason) {
			ids = append(ids, res.ID)
		}
	}
	want := old.Status.Failed
	if f.reason != "" {
		want = 0
		for _, rc := range old.Status.FailureReasons {
			if rc.Reason == f.reason {
				want = rc.Count
			}
		}
	}
	if len(ids) == 0 {
		what := "no failed records"
		if f.reason != "" {
			what = "no records that failed with " + f.reason
		}
		fmt.Fprintf(o.streams.ErrOut, "customersyncrequest/%s has %s; nothing to retry\n", name, what)
		return nil
	}
	if missing := int(want) - len(ids); missing > 0 {
		fmt.Fprintf(o.streams.ErrOut, "warning: %d of the %d failed records are not listed in status.results (it is bounded) and are not retried\n", missing, want)
	}
	m, err := o.mapping(ctx, old.Spec.MappingRef.Name)
	if err != nil {
		return err
	}
	spec := old.Spec
	spec.All, spec.CustomerIDs = nil, nil
	reqs := newRequests(m, spec, ids, map[string]string{v1alpha1.LabelRetryOf: name})
	return o.createAndFollow(ctx, reqs, &f.waitFlags)
}
