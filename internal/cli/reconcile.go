package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func (o *options) reconcileCommand() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "reconcile MAPPING",
		Short: "Validate a mapping now and wait until the operator has handled it",
		Long: `reconcile sets the reconcile.customersync.io/requestedAt annotation, as flux reconcile does,
waits until status.lastHandledReconcileAt echoes it, and prints the mapping's Ready condition.
Exit code 0 when Ready, 1 when not or on timeout.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeFirst(&v1alpha1.CustomerMappingList{}),
		PreRunE:           o.needsCluster,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runReconcile(cmd.Context(), args[0], timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for the operator")
	return cmd
}

func (o *options) runReconcile(ctx context.Context, name string, timeout time.Duration) error {
	m, err := o.mapping(ctx, name)
	if err != nil {
		return err
	}
	at := time.Now().UTC().Format(time.RFC3339Nano)
	patch := client.MergeFrom(m.DeepCopy())
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[v1alpha1.AnnotationRequestedAt] = at
	if err := o.client.Patch(ctx, m, patch); err != nil {
		return fmt.Errorf("annotating customermapping/%s: %w", name, err)
	}
	fmt.Fprintf(o.streams.Out, "customermapping/%s annotated %s=%s\n", name, v1alpha1.AnnotationRequestedAt, at)
	expired := time.NewTimer(timeout) // a timer, not a deadline: see follow
	defer expired.Stop()
	tick := time.NewTicker(o.pollInterval)
	defer tick.Stop()
	for {
		if err := o.client.Get(ctx, client.ObjectKeyFromObject(m), m); err != nil {
			return err
		}
		if m.Status.LastHandledReconcileAt == at {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-expired.C:
			return usageError("timed out after %v: the operator has not handled the request (is it running, and does its --watch-namespaces or --watch-label-selector include this mapping?)", timeout)
		case <-tick.C:
		}
	}
	c := meta.FindStatusCondition(m.Status.Conditions, v1alpha1.ConditionReady)
	switch {
	case c == nil && m.Spec.Suspend:
		fmt.Fprintf(o.streams.Out, "customermapping/%s is suspended\n", name)
		return nil
	case c == nil:
		return usageError("customermapping/%s was handled but has no Ready condition", name)
	case c.Status == metav1.ConditionTrue:
		fmt.Fprintf(o.streams.Out, "customermapping/%s reconciled: Ready (%s) %s\n", name, c.Reason, c.Message)
		return nil
	}
	return usageError("customermapping/%s is not Ready (%s): %s", name, c.Reason, c.Message)
}
