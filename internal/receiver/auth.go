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
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// SignatureHeader carries the HMAC-SHA256 of the raw body, hex-encoded and
// prefixed with "sha256=", when the mapping sets hmacSecretRef.
const SignatureHeader = "X-Signature-256"

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

// checkSignature verifies SignatureHeader against the raw body.
func checkSignature(h http.Header, body, key []byte) error {
	v := strings.TrimSpace(h.Get(SignatureHeader))
	if v == "" {
		return &signatureError{ReasonMissingSignature, SignatureHeader + " header is missing; this mapping requires an HMAC-SHA256 signature of the body"}
	}
	algo, sig, ok := strings.Cut(v, "=")
	got, err := hex.DecodeString(sig)
	if !ok || !strings.EqualFold(algo, "sha256") || err != nil {
		return &signatureError{ReasonInvalidSignature, SignatureHeader + " must be sha256=<hex HMAC-SHA256 of the body>"}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return &signatureError{ReasonInvalidSignature, SignatureHeader + " does not match the body"}
	}
	return nil
}
