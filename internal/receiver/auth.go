package receiver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// SignatureHeader carries, when the mapping sets hmacSecretRef, the
// HMAC-SHA256 of TimestampHeader's value, a ".", and the raw body,
// hex-encoded and prefixed with "sha256=".
const SignatureHeader = "X-Signature-256"

// TimestampHeader carries when the sender signed the delivery, in Unix
// seconds; a delivery signed more than Options.MaxSignatureAge ago (or that
// far in the future) is refused, and so is a signature seen before.
const TimestampHeader = "X-Signature-Timestamp"

// errCredentials is a token or HMAC Secret (or key) that cannot be read; the
// sender cannot be authenticated until someone fixes it.
var errCredentials = errors.New("webhook credentials are not available")

// secretValue reads one key of a Secret in ns. Surrounding whitespace is
// dropped (a Secret made from a file often ends in a newline), and an empty
// value counts as missing: an empty token must never authenticate anyone.
func (r *Receiver) secretValue(ctx context.Context, ns string, ref v1alpha1.SecretKeyReference) ([]byte, error) {
	s := &corev1.Secret{}
	if err := r.opts.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: Secret %q not found", errCredentials, ref.Name)
		}
		return nil, err
	}
	v := strings.TrimSpace(string(s.Data[ref.Key]))
	if v == "" {
		return nil, fmt.Errorf("%w: Secret %q has no key %q, or it is empty", errCredentials, ref.Name, ref.Key)
	}
	return []byte(v), nil
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive.
func bearerToken(h http.Header) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// tokenMatches compares digests in constant time, so that neither the
// token's content nor its length leaks through timing.
func tokenMatches(got string, want []byte) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256(want)
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// signatureError says what is wrong with a body's signature; the sender
// has already shown the token, so it may be told.
type signatureError struct {
	reason, msg string
}

func (e *signatureError) Error() string { return e.msg }

// checkSignature verifies SignatureHeader against the timestamp and the raw
// body, and that the timestamp is within maxAge of now.
func checkSignature(h http.Header, body, key []byte, now time.Time, maxAge time.Duration) (sig []byte, err error) {
	v := strings.TrimSpace(h.Get(SignatureHeader))
	if v == "" {
		return nil, &signatureError{ReasonMissingSignature, SignatureHeader + " header is missing; this mapping requires an HMAC-SHA256 signature of the timestamp and the body"}
	}
	algo, hexSig, ok := strings.Cut(v, "=")
	got, err := hex.DecodeString(hexSig)
	if !ok || !strings.EqualFold(algo, "sha256") || err != nil {
		return nil, &signatureError{ReasonInvalidSignature, SignatureHeader + " must be sha256=<hex HMAC-SHA256 of the timestamp, a dot and the body>"}
	}
	ts := strings.TrimSpace(h.Get(TimestampHeader))
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, &signatureError{ReasonMissingSignature, TimestampHeader + " header must hold the signing time in Unix seconds"}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, &signatureError{ReasonInvalidSignature, SignatureHeader + " does not match the timestamp and the body"}
	}
	if age := now.Sub(time.Unix(secs, 0)); age > maxAge || age < -maxAge {
		return nil, &signatureError{ReasonStaleTimestamp, fmt.Sprintf("%s is %s away from the receiver's clock, more than %s; sign each delivery when sending it", TimestampHeader, age.Round(time.Second).Abs(), maxAge)}
	}
	return got, nil
}

// replays remembers the signatures accepted within the signature age limit,
// so that a captured delivery cannot be sent again while its timestamp is
// still fresh. It is per replica: another replica still refuses the replay
// once its timestamp is stale.
type replays struct {
	mu     sync.Mutex
	maxAge time.Duration
	seen   map[string]time.Time // signature → when it stops mattering
	max    int
}

func newReplays(maxAge time.Duration, max int) *replays {
	return &replays{maxAge: maxAge, seen: map[string]time.Time{}, max: max}
}

// first records sig and reports whether it was not seen before. When the
// memory is full of fresh signatures, it refuses rather than forgets one.
func (r *replays) first(sig []byte, now time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := string(sig)
	if exp, ok := r.seen[k]; ok && now.Before(exp) {
		return false, nil
	}
	if len(r.seen) >= r.max {
		for s, exp := range r.seen {
			if !now.Before(exp) {
				delete(r.seen, s)
			}
		}
		if len(r.seen) >= r.max {
			return false, errors.New("too many signed deliveries to remember; retry later")
		}
	}
	// Fresh for maxAge past the timestamp's window on either side.
	r.seen[k] = now.Add(2 * r.maxAge)
	return true, nil
}
