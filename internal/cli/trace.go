package cli

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Touch is one request's outcome for one customer.
type Touch struct {
	Namespace     string                `json:"namespace"`
	Request       string                `json:"request"`
	Mapping       string                `json:"mapping"`
	Action        v1alpha1.RecordAction `json:"action,omitempty"`
	DestinationID string                `json:"destinationID,omitempty"`
	Reason        string                `json:"reason,omitempty"`
	Message       string                `json:"message,omitempty"`
	Attempts      int32                 `json:"attempts,omitempty"`
	// Time is when the request finished, or was created while it runs.
	Time time.Time `json:"time"`
	// Note says why there is no action: the request has not reached the
	// customer yet, or its status does not list every result.
	Note string `json:"note,omitempty"`

	created time.Time // the request's, to order touches of the same second
}

func (o *options) traceCommand() *cobra.Command {
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:   "trace ID",
		Short: "Every request that touched one customer, with its action, reason and time",
		Long: `trace lists the sync requests whose results name the customer, by its source id or its
destination id, oldest first. Requests that select the customer but list no result for it are
shown too, with why.`,
		Example: `  kubectl customersync trace customer_0a1b2c3d4e5f6a7b8c
  kubectl customersync trace 158056 -A -o json`,
		Args:    cobra.ExactArgs(1),
		PreRunE: o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			ns := o.namespace
			if allNamespaces {
				ns = ""
			}
			return o.runTrace(cmd.Context(), ns, args[0])
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "look in every namespace")
	o.addOutputFlag(cmd)
	return cmd
}

func (o *options) runTrace(ctx context.Context, ns, id string) error {
	list := &v1alpha1.CustomerSyncRequestList{}
	if err := o.client.List(ctx, list, client.InNamespace(ns)); err != nil {
		return err
	}
	touches := trace(list.Items, id)
	if o.output != "" {
		return o.encode(touches)
	}
	if len(touches) == 0 {
		fmt.Fprintf(o.streams.Out, "No sync request names customer %s.\n", id)
		return nil
	}
	tw := tabwriter.NewWriter(o.streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tREQUEST\tMAPPING\tACTION\tDESTINATION\tREASON\tMESSAGE")
	for _, t := range touches {
		action, msg := string(t.Action), t.Message
		if action == "" {
			action, msg = "-", t.Note
		}
		name := t.Request
		if ns == "" {
			name = t.Namespace + "/" + t.Request
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Time.Local().Format(time.DateTime), name, t.Mapping, action, t.DestinationID, t.Reason, msg)
	}
	return tw.Flush()
}

// trace finds the customer in the requests, oldest first.
func trace(reqs []v1alpha1.CustomerSyncRequest, id string) []Touch {
	var out []Touch
	for i := range reqs {
		r := &reqs[i]
		t := Touch{Namespace: r.Namespace, Request: r.Name, Mapping: r.Spec.MappingRef.Name, Time: r.CreationTimestamp.Time, created: r.CreationTimestamp.Time}
		if r.Status.CompletionTime != nil {
			t.Time = r.Status.CompletionTime.Time
		}
		found := false
		for _, res := range r.Status.Results {
			if res.ID == id || res.DestinationID == id {
				t.Action, t.DestinationID, t.Reason, t.Message, t.Attempts = res.Action, res.DestinationID, res.Reason, res.Message, res.Attempts
				found = true
				break
			}
		}
		if !found {
			if !slices.Contains(r.Spec.CustomerIDs, id) {
				continue
			}
			switch {
			case !finished(r):
				t.Note = "not reached yet (" + phaseAndReason(r) + ")"
			case r.Status.OmittedResults > 0:
				t.Note = fmt.Sprintf("selected; its result is one of the %d that status does not list", r.Status.OmittedResults)
			default:
				t.Note = "selected, no result listed"
			}
		}
		out = append(out, t)
	}
	slices.SortStableFunc(out, func(a, b Touch) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return a.created.Compare(b.created)
	})
	return out
}
