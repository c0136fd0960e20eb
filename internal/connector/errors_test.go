package connector_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestFromStatusClassifies(t *testing.T) {
	cases := []struct {
		status   int
		code     string
		header   string
		class    connector.Class
		kind     connector.Kind
		sentinel error
		retry    time.Duration
	}{
		{400, "", "", connector.Permanent, connector.KindValidation, connector.ErrValidation, 0},
		{422, "", "", connector.Permanent, connector.KindValidation, connector.ErrValidation, 0},
		{401, "", "", connector.Permanent, connector.KindUnauthorized, connector.ErrUnauthorized, 0},
		{403, "", "", connector.Permanent, connector.KindForbidden, connector.ErrForbidden, 0},
		{404, "", "", connector.Permanent, connector.KindNotFound, connector.ErrNotFound, 0},
		{409, "", "", connector.Permanent, connector.KindConflict, connector.ErrConflict, 0},
		{418, "", "", connector.Permanent, connector.KindRejected, connector.ErrRejected, 0},
		{429, "", "7", connector.Transient, connector.KindRateLimited, connector.ErrRateLimited, 7 * time.Second},
		{429, "rate_limit_exceeded", "", connector.Transient, connector.KindRateLimited, connector.ErrRateLimited, 0},
		{429, "insufficient_quota", "20", connector.Permanent, connector.KindQuotaExceeded, connector.ErrQuotaExceeded, 0},
		{408, "", "", connector.Transient, connector.KindTimeout, connector.ErrTimeout, 0},
		{500, "", "", connector.Transient, connector.KindUnavailable, connector.ErrUnavailable, 0},
		{501, "", "", connector.Permanent, connector.KindUnsupported, connector.ErrUnsupported, 0},
		{502, "", "", connector.Transient, connector.KindUnavailable, connector.ErrUnavailable, 0},
		{503, "", "2", connector.Transient, connector.KindUnavailable, connector.ErrUnavailable, 2 * time.Second},
		{504, "", "", connector.Transient, connector.KindUnavailable, connector.ErrUnavailable, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d%s", c.status, c.code), func(t *testing.T) {
			h := http.Header{}
			if c.header != "" {
				h.Set("retry-after", c.header) // OpenAI's lower-case spelling
			}
			e := connector.FromStatus(connector.StatusInfo{System: "sys", Operation: "Op", Request: "GET /x",
				StatusCode: c.status, Header: h, Detail: connector.ErrorDetail{Code: c.code}})
			if e.Class != c.class || e.Kind != c.kind {
				t.Fatalf("got %s/%s, want %s/%s", e.Class, e.Kind, c.class, c.kind)
			}
			if !errors.Is(e, c.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", e, c.sentinel)
			}
			wantClass := connector.ErrPermanent
			if c.class == connector.Transient {
				wantClass = connector.ErrTransient
			}
			if !errors.Is(e, wantClass) {
				t.Errorf("errors.Is(err, %v) = false", wantClass)
			}
			class, delay := connector.Classify(fmt.Errorf("wrapped: %w", e))
			if class != c.class || delay != c.retry {
				t.Errorf("Classify = %s, %s; want %s, %s", class, delay, c.class, c.retry)
			}
		})
	}
}

func TestClassifyCauses(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		class connector.Class
		kind  connector.Kind
	}{
		{"deadline", context.DeadlineExceeded, connector.Transient, connector.KindTimeout},
		{"canceled", context.Canceled, connector.Transient, connector.KindCanceled},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, connector.Transient, connector.KindNetwork},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), connector.Transient, connector.KindNetwork},
		{"eof", io.ErrUnexpectedEOF, connector.Transient, connector.KindNetwork},
		{"other", errors.New("something else"), connector.Permanent, connector.KindNetwork},
		{"no such host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, connector.Permanent, connector.KindNetwork},
		{"dns timeout", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}}, connector.Transient, connector.KindTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := connector.FromCause("sys", "Op", "GET /x", c.err)
			if e.Class != c.class || e.Kind != c.kind {
				t.Fatalf("FromCause: got %s/%s, want %s/%s", e.Class, e.Kind, c.class, c.kind)
			}
			if !errors.Is(e, c.err) {
				t.Errorf("the cause is lost: errors.Is(%v, %v) = false", e, c.err)
			}
		})
	}
	if class, _ := connector.Classify(context.DeadlineExceeded); class != connector.Transient {
		t.Errorf("Classify(DeadlineExceeded) = %s", class)
	}
	if class, _ := connector.Classify(errors.New("mapping failed")); class != connector.Permanent {
		t.Errorf("Classify(plain error) = %s", class)
	}
	if class, d := connector.Classify(nil); class != "" || d != 0 {
		t.Errorf("Classify(nil) = %s, %s", class, d)
	}
}

func TestErrorText(t *testing.T) {
	e := connector.FromStatus(connector.StatusInfo{System: "iPaaS.com", Operation: "CreateCustomer",
		Request: "POST /customers/v2/Customer", StatusCode: 400,
		Detail: connector.ErrorDetail{Message: "One or more validation errors occurred.",
			FieldErrors: map[string][]string{"email_address": {"The email_address field is required."}, "last_name": {"x"}}}})
	want := "iPaaS.com CreateCustomer: POST /customers/v2/Customer: 400 Bad Request: One or more validation errors occurred. " +
		"(email_address: The email_address field is required., last_name: x)"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	u := connector.Unsupported("99minds", "FindByNaturalKey", "no search")
	if !errors.Is(u, connector.ErrUnsupported) || !errors.Is(u, errors.ErrUnsupported) {
		t.Error("Unsupported must match ErrUnsupported and errors.ErrUnsupported")
	}
	if ra, ok := connector.RetryAfter(u); ok || ra != 0 {
		t.Error("RetryAfter of a permanent error")
	}
	if !strings.Contains(connector.FromCause("s", "Op", "", context.DeadlineExceeded).Error(), "no answer in time") {
		t.Error("timeout text")
	}
}
