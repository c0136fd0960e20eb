package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

type statusFlags struct {
	mapping string
	limit   int
}

func (o *options) statusCommand() *cobra.Command {
	f := &statusFlags{}
	cmd := &cobra.Command{
		Use:   "status [REQUEST]",
		Short: "Show one sync request with its failures by reason, or the recent ones as a table",
		Example: `  kubectl customersync status
  kubectl customersync status ninetynineminds-to-ipaas-cli-x7k2p
  kubectl customersync status --mapping ipaas-to-openai -o json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: o.completeFirst(&v1alpha1.CustomerSyncRequestList{}),
		PreRunE:           o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return o.showRequest(cmd.Context(), args[0])
			}
			return o.listRequests(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.mapping, "mapping", "", "only the requests of this mapping")
	cmd.Flags().IntVar(&f.limit, "limit", 20, "how many of the most recent requests to list (0: all)")
	o.addOutputFlag(cmd)
	return cmd
}

// request reads one request, or says clearly that it is missing.
func (o *options) request(ctx context.Context, name string) (*v1alpha1.CustomerSyncRequest, error) {
	r := &v1alpha1.CustomerSyncRequest{}
	err := o.client.Get(ctx, client.ObjectKey{Namespace: o.namespace, Name: name}, r)
	if apierrors.IsNotFound(err) {
		return nil, &ExitError{Code: ExitFailed, Message: fmt.Sprintf("CustomerSyncRequest %q not found in namespace %q", name, o.namespace)}
	}
	return r, err
}

func (o *options) showRequest(ctx context.Context, name string) error {
	r, err := o.request(ctx, name)
	if err != nil {
		return err
	}
	if o.output != "" {
		return o.print([]*v1alpha1.CustomerSyncRequest{r})
	}
	writeRequest(o.streams.Out, r, time.Now())
	return nil
}

// writeRequest describes one request for a person.
func writeRequest(w io.Writer, r *v1alpha1.CustomerSyncRequest, now time.Time) {
	st := r.Status
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", r.Name)
	fmt.Fprintf(tw, "Mapping:\t%s\n", r.Spec.MappingRef.Name)
	fmt.Fprintf(tw, "Selection:\t%s\n", describeSelection(r))
	fmt.Fprintf(tw, "Phase:\t%s\n", phaseAndReason(r))
	fmt.Fprintf(tw, "Records:\t%d total, %d processed: %d succeeded, %d failed, %d skipped; %d retrying\n",
		st.Total, st.Processed, st.Succeeded, st.Failed, st.Skipped, st.Retrying)
	if st.StartTime != nil {
		took := ""
		if st.CompletionTime != nil {
			took = " (took " + st.CompletionTime.Sub(st.StartTime.Time).Round(time.Second).String() + ")"
		}
		fmt.Fprintf(tw, "Started:\t%s ago%s\n", duration.HumanDuration(now.Sub(st.StartTime.Time)), took)
	}
	if u := st.OpenAI; u != nil {
		fmt.Fprintf(tw, "OpenAI:\t%d model calls, %d tokens\n", u.ModelCalls, u.TotalTokens)
	}
	_ = tw.Flush()
	if c := readyCondition(r); c != nil && c.Message != "" {
		fmt.Fprintf(w, "Message: %s\n", c.Message)
	}
	reasons := map[string]int32{}
	for _, rc := range st.FailureReasons {
		reasons[rc.Reason] = rc.Count
	}
	writeReasons(w, reasons)
	var failed []v1alpha1.RecordResult
	for _, res := range st.Results {
		if res.Action == v1alpha1.ActionFailed || res.Action == v1alpha1.ActionRetrying {
			failed = append(failed, res)
		}
	}
	if len(failed) == 0 {
		return
	}
	fmt.Fprintln(w, "Failed and retrying records:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tACTION\tREASON\tATTEMPTS\tMESSAGE")
	const shown = 20
	for _, res := range failed[:min(len(failed), shown)] {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", res.ID, res.Action, res.Reason, res.Attempts, res.Message)
	}
	_ = tw.Flush()
	if len(failed) > shown {
		fmt.Fprintf(w, "  ... and %d more (-o yaml shows them all)\n", len(failed)-shown)
	}
}

// readyCondition is the condition that says how the request stands: the
// terminal one when it has finished, else Ready.
func readyCondition(r *v1alpha1.CustomerSyncRequest) *metav1.Condition {
	for _, t := range []string{v1alpha1.ConditionFailed, v1alpha1.ConditionComplete} {
		if c := meta.FindStatusCondition(r.Status.Conditions, t); c != nil && c.Status == metav1.ConditionTrue {
			return c
		}
	}
	return meta.FindStatusCondition(r.Status.Conditions, v1alpha1.ConditionReady)
}

func phaseAndReason(r *v1alpha1.CustomerSyncRequest) string {
	phase := r.Status.Phase
	if phase == "" {
		phase = v1alpha1.PhasePending
	}
	if c := readyCondition(r); c != nil && c.Reason != "" {
		return phase + " (" + c.Reason + ")"
	}
	return phase
}

func (o *options) listRequests(ctx context.Context, f *statusFlags) error {
	list := &v1alpha1.CustomerSyncRequestList{}
	var opts []client.ListOption
	if o.namespace != "" {
		opts = append(opts, client.InNamespace(o.namespace))
	}
	if err := o.client.List(ctx, list, opts...); err != nil {
		return err
	}
	reqs := make([]*v1alpha1.CustomerSyncRequest, 0, len(list.Items))
	for i := range list.Items {
		if f.mapping == "" || list.Items[i].Spec.MappingRef.Name == f.mapping {
			reqs = append(reqs, &list.Items[i])
		}
	}
	slices.SortStableFunc(reqs, func(a, b *v1alpha1.CustomerSyncRequest) int {
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	if f.limit > 0 && len(reqs) > f.limit {
		reqs = reqs[:f.limit]
	}
	if o.output != "" {
		return o.print(reqs)
	}
	if len(reqs) == 0 {
		fmt.Fprintf(o.streams.Out, "No sync requests in namespace %s.\n", o.namespace)
		return nil
	}
	tw := tabwriter.NewWriter(o.streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMAPPING\tPHASE\tTOTAL\tSUCCEEDED\tFAILED\tRETRYING\tAGE\tTOP FAILURE")
	now := time.Now()
	for _, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Name, r.Spec.MappingRef.Name, phaseAndReason(r),
			r.Status.Total, r.Status.Succeeded, r.Status.Failed, r.Status.Retrying,
			duration.HumanDuration(now.Sub(r.CreationTimestamp.Time)), topFailure(r))
	}
	return tw.Flush()
}

// topFailure is the most frequent failure reason with its count.
func topFailure(r *v1alpha1.CustomerSyncRequest) string {
	var top v1alpha1.ReasonCount
	for _, rc := range r.Status.FailureReasons {
		if rc.Count > top.Count || (rc.Count == top.Count && strings.Compare(rc.Reason, top.Reason) < 0) {
			top = rc
		}
	}
	if top.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%d)", top.Reason, top.Count)
}
