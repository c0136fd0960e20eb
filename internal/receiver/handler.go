package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector/systems"
)

// PathPrefix is where the webhook routes start: PathPrefix + ns + "/" + name.
const PathPrefix = "/hooks/"

// HookPath returns the path a sender posts to for a mapping.
func HookPath(namespace, mapping string) string { return PathPrefix + namespace + "/" + mapping }

// serveHTTP checks, in order: the route, the method, the mapping, the
// token, the body's size, its signature and its shape; then it queues the
// ids of the events the mapping subscribes to.
func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	key, ok := parsePath(req.URL.Path)
	if !ok {
		r.rejected(types.NamespacedName{}, ReasonNotFound)
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	if req.Method != http.MethodPost {
		r.rejected(types.NamespacedName{}, ReasonMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method "+req.Method+" is not allowed; send POST")
		return
	}
	m, err := r.lookup(req.Context(), key)
	if err != nil {
		r.rejected(types.NamespacedName{}, ReasonUnavailable)
		r.log.Error(err, "reading the mapping of a webhook", "namespace", key.Namespace, "mapping", key.Name)
		r.unavailable(w, "the receiver cannot read its mappings right now; retry later")
		return
	}
	if m == nil {
		r.rejected(types.NamespacedName{}, ReasonNotFound)
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	hook := m.Spec.Triggers.Webhook
	body, ok := r.authenticate(w, req, key, hook)
	if !ok {
		return
	}
	events, err := parseBody(body, webhookIDFields(m.Spec.Source.System))
	if err != nil {
		r.rejected(key, ReasonMalformedBody)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	r.queue(w, req, m, events)
}

// parsePath splits /hooks/{namespace}/{mapping}; names that cannot exist
// are refused before any lookup.
func parsePath(p string) (types.NamespacedName, bool) {
	rest, ok := strings.CutPrefix(p, PathPrefix)
	ns, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: ns, Name: name}, true
}

// lookup returns the mapping if it exists and has a webhook trigger, nil if
// not, and an error only when the cache cannot answer.
func (r *Receiver) lookup(ctx context.Context, key types.NamespacedName) (*v1alpha1.CustomerMapping, error) {
	if len(r.opts.Namespaces) > 0 && !slices.Contains(r.opts.Namespaces, key.Namespace) {
		return nil, nil // not served here: the cache does not watch it
	}
	m := &v1alpha1.CustomerMapping{}
	if err := r.opts.Client.Get(ctx, key, m); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	if m.Spec.Triggers == nil || m.Spec.Triggers.Webhook == nil {
		return nil, nil
	}
	return m, nil
}

// authenticate checks the token, reads the body within the size limit and
// checks its signature; it has answered the request when ok is false.
func (r *Receiver) authenticate(w http.ResponseWriter, req *http.Request, key types.NamespacedName, hook *v1alpha1.WebhookTrigger) (body []byte, ok bool) {
	token, err := r.secretValue(req.Context(), key.Namespace, hook.TokenSecretRef)
	if err != nil {
		r.credentialsUnavailable(w, key, "spec.triggers.webhook.tokenSecretRef", err)
		return nil, false
	}
	got := bearerToken(req.Header)
	if got == "" || !tokenMatches(got, token) {
		reason := ReasonInvalidToken
		if got == "" {
			reason = ReasonMissingToken
		}
		r.rejected(key, reason)
		w.Header().Set("WWW-Authenticate", `Bearer realm="customer-sync-operator"`)
		writeRaw(w, http.StatusUnauthorized, unauthorizedBody)
		return nil, false
	}

	limit := r.opts.MaxBodyBytes
	if req.ContentLength > limit {
		r.tooLarge(w, key)
		return nil, false
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, req.Body, limit))
	if err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			r.tooLarge(w, key)
			return nil, false
		}
		r.rejected(key, ReasonMalformedBody)
		writeError(w, http.StatusBadRequest, "reading the body failed")
		return nil, false
	}

	if hook.HMACSecretRef != nil {
		hmacKey, err := r.secretValue(req.Context(), key.Namespace, *hook.HMACSecretRef)
		if err != nil {
			r.credentialsUnavailable(w, key, "spec.triggers.webhook.hmacSecretRef", err)
			return nil, false
		}
		now := r.opts.Now()
		sig, err := checkSignature(req.Header, body, hmacKey, now, r.opts.MaxSignatureAge)
		if err != nil {
			se, _ := errors.AsType[*signatureError](err)
			r.rejected(key, se.reason)
			writeError(w, http.StatusUnauthorized, se.msg)
			return nil, false
		}
		fresh, err := r.replays.first(sig, now)
		if err != nil {
			r.rejected(key, ReasonBacklogged)
			r.unavailable(w, err.Error())
			return nil, false
		}
		if !fresh {
			r.rejected(key, ReasonReplayed)
			writeError(w, http.StatusUnauthorized, "this signature was used before; sign each delivery anew, with its own "+TimestampHeader)
			return nil, false
		}
	}
	return body, true
}

// queue sorts events into accepted and ignored, queues the accepted ids and
// answers 202 once they are stored in a CustomerSyncRequest, or 503 (the
// sender retries) when they could not be or the mapping's backlog is full.
func (r *Receiver) queue(w http.ResponseWriter, req *http.Request, m *v1alpha1.CustomerMapping, events []notification) {
	key := types.NamespacedName{Namespace: m.Namespace, Name: m.Name}
	reasons := map[[2]string]int{} // {outcome, reason} → count
	var ids []string
	for _, e := range events {
		outcome, reason := classify(m, e.kind)
		reasons[[2]string{outcome, reason}]++
		if outcome == OutcomeAccepted {
			ids = append(ids, e.id)
		}
	}
	win := window(m.Spec.Triggers.Webhook, r.opts.DefaultCoalesceWindow)
	stored, err := r.batches.add(key, win, m.Spec.Triggers.TTLSecondsAfterFinished, ids)
	if err == nil {
		err = r.awaitStored(req, stored, win)
	}
	if err != nil {
		reason := ReasonBacklogged
		switch {
		case errors.Is(err, errClosed):
			reason = ReasonUnavailable
		case !errors.Is(err, errBacklog):
			reason = ReasonNotStored
		}
		r.rejected(key, reason)
		r.log.Info("refusing webhook events; the sender should retry", "namespace", key.Namespace, "mapping", key.Name, "reason", err.Error())
		r.unavailable(w, "the events were not stored: "+err.Error()+"; retry later")
		return
	}
	resp := accepted{}
	for k, n := range reasons {
		eventsTotal.WithLabelValues(key.Namespace, key.Name, k[0], k[1]).Add(float64(n))
		if k[0] == OutcomeAccepted {
			resp.Accepted += n
		} else {
			resp.Ignored += n
		}
	}
	if m.Spec.Suspend && resp.Ignored > 0 {
		resp.Reason = ReasonMappingSuspended
	}
	r.log.V(1).Info("webhook events received", "namespace", key.Namespace, "mapping", key.Name,
		"accepted", resp.Accepted, "ignored", resp.Ignored)
	writeJSON(w, http.StatusAccepted, resp)
}

// classify decides what happens to one event of mapping m.
func classify(m *v1alpha1.CustomerMapping, k kind) (outcome, reason string) {
	var event v1alpha1.TriggerEvent
	switch k {
	case kindDeleted: // deletes are never synchronized
		return OutcomeIgnored, ReasonDeleted
	case kindUnsupported:
		return OutcomeIgnored, ReasonUnsupportedScope
	case kindCreated:
		event, reason = v1alpha1.TriggerCreated, ReasonCreated
	case kindUpdated:
		event, reason = v1alpha1.TriggerUpdated, ReasonUpdated
	}
	switch {
	case m.Spec.Suspend:
		return OutcomeIgnored, ReasonMappingSuspended
	case !slices.Contains(m.Spec.Triggers.Events, event):
		return OutcomeIgnored, ReasonEventNotSubscribed
	}
	return OutcomeAccepted, reason
}

func window(hook *v1alpha1.WebhookTrigger, def time.Duration) time.Duration {
	if hook.CoalesceWindow != nil && hook.CoalesceWindow.Duration > 0 {
		return hook.CoalesceWindow.Duration
	}
	return def
}

// rejected counts a refused request; key is empty when the caller named no
// mapping that exists, so that callers cannot grow the label set.
func (r *Receiver) rejected(key types.NamespacedName, reason string) {
	eventsTotal.WithLabelValues(key.Namespace, key.Name, OutcomeRejected, reason).Inc()
}

func (r *Receiver) tooLarge(w http.ResponseWriter, key types.NamespacedName) {
	r.rejected(key, ReasonBodyTooLarge)
	writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d bytes", r.opts.MaxBodyBytes))
}

// credentialsUnavailable answers 503 rather than 401: the sender may hold
// the right token, and a retry succeeds once the Secret is fixed.
func (r *Receiver) credentialsUnavailable(w http.ResponseWriter, key types.NamespacedName, field string, err error) {
	reason := ReasonUnavailable
	if errors.Is(err, errCredentials) {
		reason = ReasonCredentialsNotFound
	}
	r.rejected(key, reason)
	r.log.Info("cannot authenticate webhooks for a mapping", "namespace", key.Namespace, "mapping", key.Name,
		"field", field, "reason", err.Error())
	r.unavailable(w, "the receiver cannot check credentials for this mapping right now; retry later")
}

func (r *Receiver) unavailable(w http.ResponseWriter, msg string) {
	retry := int(math.Ceil(r.opts.DefaultCoalesceWindow.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(retry, 1)))
	writeError(w, http.StatusServiceUnavailable, msg)
}

// webhookIDFields are the notification fields that hold the source's own
// record id, as the source's descriptor lists them.
func webhookIDFields(source v1alpha1.SystemType) []string {
	if d, err := systems.Lookup(source); err == nil && len(d.WebhookIDFields) > 0 {
		return d.WebhookIDFields
	}
	return []string{"id", "external_id"}
}

// awaitStored waits until the delivery's ids are stored, at most the
// coalescing window plus a create; a sender that hangs up stops the wait
// (its ids stay pending and are stored all the same).
func (r *Receiver) awaitStored(req *http.Request, stored <-chan error, win time.Duration) error {
	t := time.NewTimer(win + createTimeout + time.Second)
	defer t.Stop()
	select {
	case err := <-stored:
		return err
	case <-req.Context().Done():
		return req.Context().Err()
	case <-t.C:
		return errors.New("storing the events took too long")
	}
}
