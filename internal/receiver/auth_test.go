package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

func TestUnknownMappingsLookAlike(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("hooked", v1alpha1.SystemNinetyNineMinds))
	plain := f.mapping("plain", v1alpha1.SystemNinetyNineMinds)
	plain.Spec.Triggers = nil
	f.create(plain)
	polled := f.mapping("polled", v1alpha1.SystemNinetyNineMinds)
	polled.Spec.Triggers.Webhook = nil
	polled.Spec.Triggers.Polling = &v1alpha1.PollingTrigger{}
	polled.Spec.Triggers.Polling.Interval.Duration = 60e9
	f.create(polled)

	before := counter("", "", OutcomeRejected, ReasonNotFound)
	body := hook("customer/updated", "customer_000000000000000001")
	paths := map[string]string{
		"unknown namespace":        HookPath("no-such-namespace", "hooked"),
		"unknown mapping":          HookPath(f.ns, "no-such-mapping"),
		"mapping without triggers": HookPath(f.ns, "plain"),
		"mapping without webhook":  HookPath(f.ns, "polled"),
		"invalid namespace":        HookPath("Not_A_Namespace", "hooked"),
		"too many segments":        HookPath(f.ns, "hooked") + "/extra",
		"not a hook path":          "/other",
	}
	for name, path := range paths {
		for _, token := range []string{testToken, "wrong", ""} {
			r := f.post(path, token, body)
			if r.status != http.StatusNotFound || r.body != notFoundBody {
				t.Errorf("%s with token %q: got %d %q, want 404 %q", name, token, r.status, r.body, notFoundBody)
			}
		}
	}
	if got := counter("", "", OutcomeRejected, ReasonNotFound) - before; got != float64(3*len(paths)) {
		t.Errorf("NotFound rejections counted %v, want %d", got, 3*len(paths))
	}
	// Callers cannot grow the label set with made-up names.
	if n := seriesFor(MetricEventsTotal, "no-such-mapping"); n != 0 {
		t.Errorf("an unknown mapping got %d series of its own", n)
	}
}

func TestTokenIsRequired(t *testing.T) {
	f := newFixture(t, nil)
	f.create(f.mapping("hooked", v1alpha1.SystemNinetyNineMinds))
	path := HookPath(f.ns, "hooked")
	body := hook("customer/updated", "customer_000000000000000001")

	missing := f.post(path, "", body)
	wrong := f.post(path, "not-the-token", body)
	prefix := f.post(path, testToken[:5], body)
	basic := f.post(path, "", body, "Authorization", "Basic "+testToken)
	for name, r := range map[string]response{"missing": missing, "wrong": wrong, "prefix": prefix, "basic": basic} {
		if r.status != http.StatusUnauthorized || r.body != unauthorizedBody {
			t.Errorf("%s token: got %d %q, want 401 %q", name, r.status, r.body, unauthorizedBody)
		}
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s token: WWW-Authenticate = %q", name, r.header.Get("WWW-Authenticate"))
		}
	}
	if got := counter(f.ns, "hooked", OutcomeRejected, ReasonMissingToken); got != 2 {
		t.Errorf("MissingToken counted %v, want 2", got)
	}
	if got := counter(f.ns, "hooked", OutcomeRejected, ReasonInvalidToken); got != 2 {
		t.Errorf("InvalidToken counted %v, want 2", got)
	}
	// The scheme is case-insensitive; the Secret's trailing newline is not
	// part of the token.
	if r := f.post(path, "", body, "Authorization", "bearer "+testToken); r.status != http.StatusAccepted {
		t.Errorf("valid token: got %d %q", r.status, r.body)
	}
}

func TestMissingTokenSecretAsksToRetry(t *testing.T) {
	f := newFixture(t, nil)
	m := f.mapping("hooked", v1alpha1.SystemNinetyNineMinds)
	m.Spec.Triggers.Webhook.TokenSecretRef.Name = "absent"
	f.create(m)
	r := f.post(HookPath(f.ns, "hooked"), testToken, hook("customer/updated", "customer_1"))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("got %d %q (Retry-After %q), want 503 with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
	}
	if strings.Contains(r.body, "absent") {
		t.Errorf("the answer names the Secret: %q", r.body)
	}
	if got := counter(f.ns, "hooked", OutcomeRejected, ReasonCredentialsNotFound); got != 1 {
		t.Errorf("CredentialsNotFound counted %v, want 1", got)
	}
}

// sign signs a delivery as a sender does: HMAC-SHA256 of the timestamp, a
// dot and the body.
func sign(key string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestSignatureIsRequiredAndVerified(t *testing.T) {
	f := newFixture(t, nil)
	m := f.mapping("signed", v1alpha1.SystemNinetyNineMinds)
	m.Spec.Triggers.Webhook.HMACSecretRef = &v1alpha1.SecretKeyReference{Name: "webhook", Key: "hmac"}
	f.create(m)
	path := HookPath(f.ns, "signed")
	now := time.Now().Unix()
	body := func(i int) []byte { return hook("customer/updated", customerID(i)) }

	cases := []struct {
		name, token, signature string
		ts                     int64
		body                   []byte
		status                 int
		says                   string
	}{
		{"no signature", testToken, "", now, body(1), http.StatusUnauthorized, "X-Signature-256 header is missing"},
		{"wrong key", testToken, sign("other-key", now, body(1)), now, body(1), http.StatusUnauthorized, "does not match the timestamp and the body"},
		{"signature of another body", testToken, sign("hmac-key", now, []byte("{}")), now, body(1), http.StatusUnauthorized, "does not match"},
		{"signature of another timestamp", testToken, sign("hmac-key", now-1, body(1)), now, body(1), http.StatusUnauthorized, "does not match"},
		{"not hex", testToken, "sha256=zz", now, body(1), http.StatusUnauthorized, "must be sha256=<hex"},
		{"other algorithm", testToken, "sha1=" + strings.TrimPrefix(sign("hmac-key", now, body(1)), "sha256="), now, body(1), http.StatusUnauthorized, "must be sha256=<hex"},
		{"right signature, wrong token", "wrong", sign("hmac-key", now, body(1)), now, body(1), http.StatusUnauthorized, "unauthorized"},
		{"signed too long ago", testToken, sign("hmac-key", now-600, body(1)), now - 600, body(1), http.StatusUnauthorized, "more than 5m0s"},
		{"signed in the future", testToken, sign("hmac-key", now+600, body(1)), now + 600, body(1), http.StatusUnauthorized, "more than 5m0s"},
		{"right signature", testToken, sign("hmac-key", now, body(1)), now, body(1), http.StatusAccepted, `"accepted":1`},
		{"the same delivery again", testToken, sign("hmac-key", now, body(1)), now, body(1), http.StatusUnauthorized, "this signature was used before"},
		{"upper-case algorithm", testToken, "SHA256=" + strings.TrimPrefix(sign("hmac-key", now, body(2)), "sha256="), now, body(2), http.StatusAccepted, `"accepted":1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.signature != "" {
				hdr = []string{SignatureHeader, tc.signature, TimestampHeader, strconv.FormatInt(tc.ts, 10)}
			}
			r := f.post(path, tc.token, tc.body, hdr...)
			if r.status != tc.status || !strings.Contains(r.body, tc.says) {
				t.Errorf("got %d %q, want %d mentioning %q", r.status, r.body, tc.status, tc.says)
			}
		})
	}
	if got := counter(f.ns, "signed", OutcomeRejected, ReasonReplayed); got != 1 {
		t.Errorf("Replayed counted %v, want 1", got)
	}
	if got := counter(f.ns, "signed", OutcomeRejected, ReasonStaleTimestamp); got != 2 {
		t.Errorf("StaleTimestamp counted %v, want 2", got)
	}
	if got := counter(f.ns, "signed", OutcomeRejected, ReasonMissingSignature); got != 1 {
		t.Errorf("MissingSignature counted %v, want 1", got)
	}
	if got := counter(f.ns, "signed", OutcomeRejected, ReasonInvalidSignature); got != 5 {
		t.Errorf("InvalidSignature counted %v, want 5", got)
	}
}
