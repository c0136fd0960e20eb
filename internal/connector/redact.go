package connector

import (
	"errors"
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces a secret wherever one would otherwise be printed.
const Redacted = "[REDACTED]"

// sensitiveParams are query parameters whose values never reach an error
// or a log: credentials, and e-mail addresses (customer data).
var sensitiveParams = []string{
	"key", "apikey", "api_key", "api-key", "token", "access_token", "refresh_token", "id_token",
	"password", "passwd", "secret", "client_secret", "signature", "sig", "code", "auth", "authorization",
	"emailaddress", "email", "email_address",
}

func isSensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range sensitiveParams {
		if n == s || strings.HasSuffix(n, "_"+s) || strings.HasSuffix(n, "-"+s) {
			return true
		}
	}
	return false
}

// RequestLine renders "METHOD /path?query" for errors and logs: no scheme,
// host or user info, and sensitive query values replaced.
func RequestLine(method string, u *url.URL) string {
	if u == nil {
		return method
	}
	s := u.EscapedPath()
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	if q := redactQuery(u.RawQuery); q != "" {
		s += "?" + q
	}
	if method == "" {
		return s
	}
	return method + " " + s
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Redacted
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			if isSensitiveParam(k) {
				v = Redacted
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// Scrubber removes known secret values from text, the last line of defence
// behind never putting them there.
type Scrubber struct {
	secrets func() []string
}

// NewScrubber scrubs the values secrets returns at the time of each call,
// so rotated tokens are covered too. Values shorter than 4 bytes are
// ignored: they would mangle ordinary text and protect nothing.
func NewScrubber(secrets func() []string) Scrubber { return Scrubber{secrets: secrets} }

// With returns a scrubber that also removes the values more returns.
func (sc Scrubber) With(more func() []string) Scrubber {
	base := sc.secrets
	return Scrubber{secrets: func() []string {
		var out []string
		if base != nil {
			out = append(out, base()...)
		}
		return append(out, more()...)
	}}
}

// String replaces every secret in s.
func (sc Scrubber) String(s string) string {
	if sc.secrets == nil {
		return s
	}
	for _, v := range sc.secrets() {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

// Error scrubs the printable parts of an *Error in place and returns it.
func (sc Scrubber) Error(e *Error) *Error {
	if e == nil {
		return nil
	}
	e.Message = sc.String(e.Message)
	e.Request = sc.String(e.Request)
	e.Code = sc.String(e.Code)
	if len(e.FieldErrors) > 0 {
		fe := make(map[string][]string, len(e.FieldErrors))
		for k, vs := range e.FieldErrors {
			out := make([]string, len(vs))
			for i, v := range vs {
				out[i] = sc.String(v)
			}
			fe[sc.String(k)] = out
		}
		e.FieldErrors = fe
	}
	if e.Err != nil {
		if msg := e.Err.Error(); sc.String(msg) != msg {
			e.Err = &scrubbedError{msg: sc.String(msg), cause: errors.Unwrap(e.Err)}
		}
	}
	return e
}

// scrubbedError keeps a cause's chain for errors.Is/As while printing a
// cleaned message.
type scrubbedError struct {
	msg   string
	cause error
}

func (s *scrubbedError) Error() string { return s.msg }
func (s *scrubbedError) Unwrap() error { return s.cause }

// scrubCause drops the URL a *url.Error prints (its query may hold a key)
// and keeps the inner cause for errors.Is/As.
func scrubCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &scrubbedError{msg: ue.Op + ": " + ue.Err.Error(), cause: ue.Err}
	}
	return err
}
