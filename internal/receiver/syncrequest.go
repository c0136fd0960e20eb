package receiver

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// errPermanent marks a create the API server refused for good: the
// namespace is gone or terminating, or the object is invalid.
var errPermanent = errors.New("permanent")

// createTimeout bounds one create call, so that a hung API server turns
// into a retry instead of a stuck batch.
const createTimeout = 30 * time.Second

// newSyncRequest builds the request for ids of mapping, deleted ttl
// seconds after it finishes.
func newSyncRequest(mapping types.NamespacedName, ttl *int32, ids []string) *v1alpha1.CustomerSyncRequest {
	return &v1alpha1.CustomerSyncRequest{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:    mapping.Namespace,
			GenerateName: GenerateName(mapping.Name, TriggerWebhook),
			Labels:       Labels(mapping.Name, TriggerWebhook),
		},
		Spec: v1alpha1.CustomerSyncRequestSpec{
			MappingRef:              v1alpha1.LocalObjectReference{Name: mapping.Name},
			CustomerIDs:             ids,
			Operation:               v1alpha1.OperationAuto,
			TTLSecondsAfterFinished: TTL(ttl),
		},
	}
}

// TTL is a triggered request's ttlSecondsAfterFinished: the mapping's
// triggers' setting, one day when unset.
func TTL(ttl *int32) *int32 {
	if ttl != nil {
		return ptr.To(*ttl)
	}
	return ptr.To(DefaultTriggeredTTL)
}

// DefaultTriggeredTTL is how long a triggered request is kept after it
// finishes when the mapping does not say: one day.
const DefaultTriggeredTTL int32 = 86400

// createSyncRequest creates one request. A create that timed out may still
// have succeeded, and its retry then makes a second request with the same
// ids; syncing a customer twice is harmless, losing it is not.
func (r *Receiver) createSyncRequest(ctx context.Context, mapping types.NamespacedName, ttl *int32, ids []string) error {
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	req := newSyncRequest(mapping, ttl, ids)
	// The request goes to its mapping's shard (a mapping deleted meanwhile
	// leaves it unlabelled; it then waits for a mapping of that name).
	m := &v1alpha1.CustomerMapping{}
	if err := r.opts.Client.Get(ctx, mapping, m); err == nil {
		if v, ok := m.Labels[v1alpha1.LabelShard]; ok {
			req.Labels[v1alpha1.LabelShard] = v
		}
	}
	if err := r.opts.Client.Create(ctx, req); err != nil {
		if permanent(err) {
			return fmt.Errorf("%w: %w", errPermanent, err)
		}
		return err
	}
	syncRequestsCreated.WithLabelValues(mapping.Namespace, mapping.Name).Inc()
	idsFlushed.WithLabelValues(mapping.Namespace, mapping.Name).Add(float64(len(ids)))
	r.log.V(2).Info("created a sync request", "namespace", mapping.Namespace, "name", req.Name, "customerIDs", ids)
	return nil
}

// permanent tells refusals that retrying cannot fix from those it can:
// Forbidden for RBAC may be fixed by an admin, a terminating namespace not.
func permanent(err error) bool {
	switch {
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err), apierrors.IsNotFound(err),
		apierrors.IsRequestEntityTooLargeError(err):
		return true
	case apierrors.IsForbidden(err):
		return apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
	}
	return false
}
