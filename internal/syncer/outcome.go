package syncer

import (
	"errors"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/text"
)

// stage is where in the transfer an error happened; it picks the reason of
// a connector failure (an unknown id means one thing when fetching the
// source and another when writing the destination).
type stage int

const (
	stageFetch stage = iota
	stageMap
	stageObserve
	stageWrite
)

// maxMessage bounds a message so that status stays small.
const maxMessage = 1000

// fail turns an error into a failed or retrying outcome with a stable reason
// and a message that says what to do.
func (o Outcome) fail(st stage, err error) Outcome {
	o.Changes = nil
	var re *customer.RecordError
	if errors.As(err, &re) {
		o.Action, o.Reason, o.Message = v1alpha1.ActionFailed, re.Reason, shorten(re.Message)
		return o
	}
	var p *Problem
	if errors.As(err, &p) {
		o.Action, o.Reason, o.Message = v1alpha1.ActionFailed, p.Reason, shorten(p.Message)
		return o
	}
	class, retryAfter := connector.Classify(err)
	if class == connector.Transient {
		o.Action, o.Transient, o.RetryAfter = v1alpha1.ActionRetrying, true, retryAfter
		o.Reason = v1alpha1.ReasonTransient
		o.Message = shorten(err.Error())
		return o
	}
	o.Action = v1alpha1.ActionFailed
	o.Message = shorten(err.Error())
	switch {
	case st == stageFetch && errors.Is(err, connector.ErrNotFound):
		o.Reason = v1alpha1.ReasonSourceRecordNotFound
		o.Message = shorten("the source has no customer " + quote(o.ID) + "; check that the ID is the source system's own id of the customer: " + err.Error())
	case errors.Is(err, connector.ErrUnauthorized), errors.Is(err, connector.ErrForbidden):
		o.Reason = v1alpha1.ReasonUnauthorized
		o.Message = shorten(err.Error() + "; check the credentials Secret and its permissions")
	case st == stageFetch:
		o.Reason = v1alpha1.ReasonSourceRequestFailed
	default:
		o.Reason = v1alpha1.ReasonDestinationRejected
	}
	return o
}

func quote(s string) string { return "\"" + s + "\"" }

func shorten(s string) string { return text.Truncate(s, maxMessage) }
