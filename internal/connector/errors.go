package connector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Class says whether repeating a failed call can succeed.
type Class string

const (
	// Transient failures (429, 5xx, timeouts, dropped connections) may pass
	// on a later attempt; retry after the suggested delay.
	Transient Class = "Transient"
	// Permanent failures (validation, unknown id, bad credentials) repeat
	// until something is changed; fail the record at once.
	Permanent Class = "Permanent"
)

// Kind says what went wrong, finer than Class, so callers can pick a reason.
type Kind string

// The kinds of connector failure.
const (
	KindNotFound      Kind = "NotFound"      // 404: unknown id
	KindUnauthorized  Kind = "Unauthorized"  // 401: bad or expired credentials
	KindForbidden     Kind = "Forbidden"     // 403: credentials lack a permission
	KindConflict      Kind = "Conflict"      // 409, or several records match a key
	KindValidation    Kind = "Validation"    // 400/422: the record was rejected
	KindRateLimited   Kind = "RateLimited"   // 429, or the client-side limiter could not wait
	KindQuotaExceeded Kind = "QuotaExceeded" // 429 that waiting cannot fix (e.g. insufficient_quota)
	KindUnavailable   Kind = "Unavailable"   // 5xx
	KindTimeout       Kind = "Timeout"       // no answer within the per-call timeout
	KindNetwork       Kind = "Network"       // connection refused, reset or dropped
	KindCanceled      Kind = "Canceled"      // the caller's context ended
	KindUnsupported   Kind = "Unsupported"   // the system cannot do this at all
	KindBadResponse   Kind = "BadResponse"   // a 2xx answer that could not be read
	KindRejected      Kind = "Rejected"      // any other 4xx
	KindInvalidConfig Kind = "InvalidConfig" // the connector's own configuration is unusable
)

// Sentinels for errors.Is. An *Error matches the sentinel of its Kind and
// ErrTransient or ErrPermanent for its Class.
var (
	ErrNotFound      = errors.New("not found")
	ErrUnauthorized  = errors.New("unauthorized")
	ErrForbidden     = errors.New("forbidden")
	ErrConflict      = errors.New("conflict")
	ErrValidation    = errors.New("validation failed")
	ErrRateLimited   = errors.New("rate limited")
	ErrQuotaExceeded = errors.New("quota exceeded")
	ErrUnavailable   = errors.New("service unavailable")
	ErrTimeout       = errors.New("timed out")
	ErrNetwork       = errors.New("network error")
	ErrCanceled      = errors.New("canceled")
	ErrBadResponse   = errors.New("unreadable response")
	ErrRejected      = errors.New("rejected")
	ErrInvalidConfig = errors.New("invalid connector configuration")
	// ErrUnsupported is the standard library's, so generic code recognises it.
	ErrUnsupported = errors.ErrUnsupported

	ErrTransient = errors.New("transient failure")
	ErrPermanent = errors.New("permanent failure")
)

var kindSentinel = map[Kind]error{
	KindNotFound: ErrNotFound, KindUnauthorized: ErrUnauthorized, KindForbidden: ErrForbidden,
	KindConflict: ErrConflict, KindValidation: ErrValidation, KindRateLimited: ErrRateLimited,
	KindQuotaExceeded: ErrQuotaExceeded, KindUnavailable: ErrUnavailable, KindTimeout: ErrTimeout,
	KindNetwork: ErrNetwork, KindCanceled: ErrCanceled, KindUnsupported: ErrUnsupported,
	KindBadResponse: ErrBadResponse, KindRejected: ErrRejected, KindInvalidConfig: ErrInvalidConfig,
}

// Error is the one error type every connector returns. Its text never holds
// credentials, tokens, auth bodies or secret query values.
type Error struct {
	Class     Class
	Kind      Kind
	System    string // e.g. "99minds", "iPaaS.com"
	Operation string // e.g. "GetCustomer"
	// Request is "METHOD /path?query" with secret query values redacted;
	// empty when no request was sent.
	Request    string
	StatusCode int    // 0 when no response arrived
	Code       string // the vendor's error code, when it sends one
	Message    string // the vendor's message or ours, redacted
	// FieldErrors are validation messages by field, as the body gave them.
	FieldErrors map[string][]string
	// RetryAfter is the server's Retry-After, or 0.
	RetryAfter time.Duration
	// Err is the underlying cause, if any (never an error holding secrets).
	Err error
}

// Error renders "system operation: METHOD /path: 404 Not Found: message (field: msg)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.System)
	if e.Operation != "" {
		b.WriteString(" " + e.Operation)
	}
	if e.Request != "" {
		b.WriteString(": " + e.Request)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	} else if e.StatusCode == 0 {
		b.WriteString(": " + string(e.Kind))
	}
	if len(e.FieldErrors) > 0 {
		b.WriteString(" (" + formatFieldErrors(e.FieldErrors) + ")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel of the error's Kind and Class.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrTransient:
		return e.Class == Transient
	case ErrPermanent:
		return e.Class == Permanent
	}
	s, ok := kindSentinel[e.Kind]
	return ok && s == target
}

func formatFieldErrors(fe map[string][]string) string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		msg := strings.Join(fe[k], "; ")
		if k == "" {
			parts = append(parts, msg)
			continue
		}
		parts = append(parts, k+": "+msg)
	}
	return strings.Join(parts, ", ")
}

// Classify returns an error's class and the delay the server asked for (0
// when it did not say). Errors that are not *Error are classified by their
// cause: timeouts and dropped connections are transient, the rest permanent.
// A nil error has no class.
func Classify(err error) (Class, time.Duration) {
	if err == nil {
		return "", 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class, e.RetryAfter
	}
	_, class := classifyCause(err)
	return class, 0
}

// IsTransient reports whether err may pass on a later attempt.
func IsTransient(err error) bool {
	c, _ := Classify(err)
	return c == Transient
}

// RetryAfter returns the Retry-After the server sent with err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// KindOf returns the Kind of err, or "" when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// ErrorDetail is what a failed response's body said.
type ErrorDetail struct {
	Message     string
	Code        string
	FieldErrors map[string][]string
}

// StatusInfo is what the classification needs from a failed response.
type StatusInfo struct {
	System, Operation, Request string
	StatusCode                 int
	Header                     http.Header
	Detail                     ErrorDetail
}

// FromStatus classifies an HTTP error response. This is the one table that
// maps status codes to classes: 408, 425, 429 and 5xx (but 501, 505) are
// transient; 429 with a quota code is permanent; every other 4xx permanent.
func FromStatus(s StatusInfo) *Error {
	e := &Error{
		System: s.System, Operation: s.Operation, Request: s.Request, StatusCode: s.StatusCode,
		Code: s.Detail.Code, Message: s.Detail.Message, FieldErrors: s.Detail.FieldErrors,
		Class: Permanent, Kind: KindRejected,
	}
	if d, ok := ParseRetryAfter(headerRetryAfter(s.Header), time.Now()); ok {
		e.RetryAfter = d
	}
	switch code := s.StatusCode; {
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		e.Kind = KindValidation
	case code == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case code == http.StatusForbidden:
		e.Kind = KindForbidden
	case code == http.StatusNotFound || code == http.StatusGone:
		e.Kind = KindNotFound
	case code == http.StatusConflict:
		e.Kind = KindConflict
	case code == http.StatusTooManyRequests:
		e.Kind, e.Class = KindRateLimited, Transient
		if isQuotaCode(s.Detail.Code) {
			e.Kind, e.Class = KindQuotaExceeded, Permanent
		}
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly:
		e.Kind, e.Class = KindTimeout, Transient
	case code == http.StatusNotImplemented || code == http.StatusHTTPVersionNotSupported:
		e.Kind = KindUnsupported
	case code >= 500:
		e.Kind, e.Class = KindUnavailable, Transient
	case code >= 300 && code < 400:
		// Redirects are not followed (a redirected write would be resent as
		// a GET): the endpoint is not the API's address.
		e.Kind = KindBadResponse
		e.Message = "the endpoint redirects" + redirectTarget(s.Header) + "; set the endpoint to the API's own address"
	}
	if e.Class == Permanent {
		e.RetryAfter = 0
	}
	return e
}

// redirectTarget names the scheme and host a redirect points to, without
// its path or query (which could carry anything).
func redirectTarget(h http.Header) string {
	if h == nil {
		return ""
	}
	u, err := url.Parse(h.Get("Location"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return " to " + u.Scheme + "://" + u.Host
}

// headerRetryAfter reads Retry-After; http.Header canonicalises
// "retry-after" (OpenAI's spelling) to the same key.
func headerRetryAfter(h http.Header) string {
	if h == nil {
		return ""
	}
	return h.Get("Retry-After")
}

// isQuotaCode reports vendor codes for a 429 that waiting cannot fix.
func isQuotaCode(code string) bool {
	switch strings.ToLower(code) {
	case "insufficient_quota", "billing_hard_limit_reached", "quota_exceeded":
		return true
	}
	return false
}

// FromCause classifies a failure where no response arrived (a transport
// error, a canceled context, a failed client-side limiter wait).
func FromCause(system, operation, request string, cause error) *Error {
	kind, class := classifyCause(cause)
	msg := causeMessage(kind, cause)
	return &Error{System: system, Operation: operation, Request: request, Kind: kind, Class: class, Message: msg, Err: scrubCause(cause)}
}

// classifyCause sorts transport errors: certificate problems and unknown
// hosts are permanent; timeouts, resets, refusals, EOFs and the caller's
// own cancellation (the work was not done; requeue it) are transient.
func classifyCause(err error) (Kind, Class) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, e.Class
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled, Transient
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errTimeout):
		return KindTimeout, Transient
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return KindNetwork, Permanent
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout, Transient
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return KindNetwork, Permanent // the endpoint's host does not exist: fix the endpoint
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.As(err, &opErr), errors.As(err, &dnsErr), errors.Is(err, net.ErrClosed):
		return KindNetwork, Transient
	}
	return KindNetwork, Permanent
}

// errTimeout marks the transport's own per-call timeout.
var errTimeout = errors.New("no answer within the per-call timeout")

func causeMessage(kind Kind, cause error) string {
	switch kind {
	case KindCanceled:
		return "the caller canceled the call"
	case KindTimeout:
		return "no answer in time"
	}
	return scrubCause(cause).Error()
}

// Unsupported returns the error for an operation a system cannot perform.
func Unsupported(system, operation, why string) *Error {
	return &Error{System: system, Operation: operation, Class: Permanent, Kind: KindUnsupported, Message: why}
}

// NotFound returns the error for a record that does not exist.
func NotFound(system, operation, what string) *Error {
	return &Error{System: system, Operation: operation, Class: Permanent, Kind: KindNotFound, Message: what}
}

// Invalid returns a validation error raised before any request was sent,
// so bad input fails the record without spending a call.
func Invalid(system, operation string, fields map[string][]string) *Error {
	return &Error{System: system, Operation: operation, Class: Permanent, Kind: KindValidation,
		Message: "the record was not sent", FieldErrors: fields}
}

// InvalidConfig returns the error for an unusable connector configuration.
func InvalidConfig(system, msg string) *Error {
	return &Error{System: system, Operation: "Configure", Class: Permanent, Kind: KindInvalidConfig, Message: msg}
}

// BadResponse returns the error for a 2xx answer that could not be read.
func BadResponse(system, operation, request string, cause error) *Error {
	return &Error{System: system, Operation: operation, Request: request, Class: Permanent, Kind: KindBadResponse,
		Message: "unreadable response body: " + scrubCause(cause).Error()}
}
