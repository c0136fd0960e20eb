package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponse caps a response body read into memory.
const maxResponse = 32 << 20

// UserAgent is sent with every connector request.
const UserAgent = "customer-sync-operator"

var (
	headerJSON      = []string{"application/json"}
	headerUserAgent = []string{UserAgent}
)

// Authorizer puts credentials on requests. Implementations keep their
// secrets to themselves: nothing they return is printed except through a
// Scrubber fed by Secrets.
type Authorizer interface {
	// Authorize sets the request's credentials, signing in first if needed.
	Authorize(ctx context.Context, req *http.Request) error
	// Rejected is told the server answered 401 to req; it reports whether
	// fresh credentials may succeed, in which case the call is sent once more.
	Rejected(ctx context.Context, req *http.Request) bool
	// Secrets returns every value that must never be printed, now.
	Secrets() []string
}

// BearerKey is a static API key sent as "Authorization: Bearer <key>".
type BearerKey struct {
	key    string
	header []string // built once: nothing appends to it
}

// Bearer returns the Authorizer of a static API key.
func Bearer(key string) *BearerKey {
	return &BearerKey{key: key, header: []string{"Bearer " + key}}
}

// Authorize sets the bearer header.
func (k *BearerKey) Authorize(_ context.Context, req *http.Request) error {
	req.Header["Authorization"] = k.header
	return nil
}

// Rejected reports false: a static key does not get better by retrying.
func (k *BearerKey) Rejected(context.Context, *http.Request) bool { return false }

// Secrets returns the key.
func (k *BearerKey) Secrets() []string { return []string{k.key} }

// String and GoString keep the key out of anything that prints the value.
func (k *BearerKey) String() string   { return "Bearer [redacted]" }
func (k *BearerKey) GoString() string { return k.String() }

// ClientConfig configures a Client.
type ClientConfig struct {
	System  string
	BaseURL string
	// Transport sends the requests; normally a *Transport. The client calls
	// it directly, without an http.Client: the systems' APIs do not
	// redirect (an http.Client would resend a redirected write as a GET),
	// and an http.Client copies every request's headers in case one does.
	// A 3xx answer is reported as the unexpected answer it is.
	Transport http.RoundTripper
	// Auth signs requests; nil sends none.
	Auth Authorizer
	// ParseError reads a failed response's body; default ParseErrorBody.
	ParseError func(body []byte) ErrorDetail
	// Secrets returns further values to scrub from errors, beyond Auth's
	// (e.g. the password of a client that only signs in).
	Secrets func() []string
}

// Client sends JSON calls to one system and returns classified, scrubbed
// errors. It is safe for concurrent use.
type Client struct {
	system  string
	baseURL string // without a trailing slash
	rt      http.RoundTripper
	auth    Authorizer
	parse   func([]byte) ErrorDetail
	scrub   Scrubber
}

// NewClient checks the base URL and builds a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := ParseBaseURL(cfg.System, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Transport == nil {
		return nil, InvalidConfig(cfg.System, "no HTTP transport")
	}
	if cfg.ParseError == nil {
		cfg.ParseError = ParseErrorBody
	}
	c := &Client{system: cfg.System, baseURL: base.String(), rt: cfg.Transport, auth: cfg.Auth, parse: cfg.ParseError}
	c.scrub = NewScrubber(func() []string {
		var out []string
		if c.auth != nil {
			out = append(out, c.auth.Secrets()...)
		}
		if cfg.Secrets != nil {
			out = append(out, cfg.Secrets()...)
		}
		return out
	})
	return c, nil
}

// ParseBaseURL accepts an absolute http(s) URL without user info, query or
// fragment, and drops a trailing slash.
func ParseBaseURL(system, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, InvalidConfig(system, "the endpoint must be an absolute http or https URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, InvalidConfig(system, "the endpoint must not carry user info, a query or a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// PathSegment escapes an id for use as one path segment, refusing ids that
// would change which endpoint is called ("", ".", "..").
func PathSegment(system, operation, id string) (string, error) {
	if id == "" || id == "." || id == ".." {
		return "", Invalid(system, operation, map[string][]string{"id": {"a valid record id is required"}})
	}
	return url.PathEscape(id), nil
}

// Scrubber returns the client's scrubber, for errors built outside Do.
func (c *Client) Scrubber() Scrubber { return c.scrub }

// Call is one JSON request.
type Call struct {
	// Operation names the call in metrics, logs and errors ("GetCustomer").
	Operation string
	Method    string
	// Path is appended to the base URL; escape user input with url.PathEscape.
	Path  string
	Query url.Values
	// Body is sent as JSON when not nil.
	Body any
	// Out receives the decoded JSON body of a 2xx answer when not nil;
	// numbers in untyped values become int64 or float64 (see DecodeJSON).
	Out any
	// Public sends no credentials (sign-in calls).
	Public bool
	// Auth, when not nil, signs this call instead of the client's
	// Authorizer (e.g. a user token during sign-in).
	Auth Authorizer
	// Sensitive keeps the response body out of errors (sign-in calls,
	// whose bodies carry passwords and tokens).
	Sensitive bool
	// ResponseHeader, when not nil, receives the response headers.
	ResponseHeader *http.Header
	// Absent, when not nil, is set on a 404 answer, and Do returns nil: for
	// a lookup whose miss is an answer (a new record's link lookup), which
	// then builds no error and parses no error body.
	Absent *bool
}

// Do sends the call. After a 401 it asks the Authorizer whether fresh
// credentials may help and, if so, sends the call once more.
func (c *Client) Do(ctx context.Context, call Call) error {
	// Paths are constants and escaped segments (PathSegment), so joining is
	// concatenation; the URL is parsed once, by NewRequest.
	target := c.baseURL + call.Path
	if len(call.Query) > 0 {
		target += "?" + call.Query.Encode()
	}
	// For errors only: most calls succeed, and building it is not free.
	line := func() string {
		u, err := url.Parse(target)
		if err != nil {
			return call.Method + " " + c.baseURL + " (unparsable path)"
		}
		return RequestLine(call.Method, u)
	}
	var body []byte
	if call.Body != nil {
		b, err := EncodeJSON(call.Body)
		if err != nil {
			return &Error{System: c.system, Operation: call.Operation, Request: line(), Class: Permanent,
				Kind: KindValidation, Message: "the request body cannot be encoded as JSON"}
		}
		body = b
	}
	ctx = WithOperation(ctx, call.Operation)
	auth, scrub := c.auth, c.scrub
	if call.Auth != nil {
		auth, scrub = call.Auth, scrub.With(call.Auth.Secrets)
	}
	if call.Public {
		auth = nil
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, call.Method, target, bodyReader(body))
		if err != nil {
			return InvalidConfig(c.system, "cannot build request "+line())
		}
		// Canonical keys and shared values: nothing appends to them.
		req.Header["Accept"] = headerJSON
		req.Header["User-Agent"] = headerUserAgent
		if body != nil {
			req.Header["Content-Type"] = headerJSON
		}
		if auth != nil {
			if err := auth.Authorize(ctx, req); err != nil {
				return scrubErr(scrub, err)
			}
		}
		status, header, data, err := c.send(req, call, line, scrub)
		if err != nil {
			return err
		}
		if call.ResponseHeader != nil {
			*call.ResponseHeader = header
		}
		if status == http.StatusUnauthorized && attempt == 0 && auth != nil && auth.Rejected(ctx, req) {
			continue
		}
		if status == http.StatusNotFound && call.Absent != nil {
			*call.Absent = true
			return nil
		}
		if status < 200 || status >= 300 {
			var detail ErrorDetail
			if !call.Sensitive {
				detail = c.parse(data)
			}
			return scrub.Error(FromStatus(StatusInfo{System: c.system, Operation: call.Operation, Request: line(),
				StatusCode: status, Header: header, Detail: detail}))
		}
		if call.Out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := DecodeJSON(data, call.Out); err != nil {
				return scrub.Error(BadResponse(c.system, call.Operation, line(), err))
			}
		}
		return nil
	}
}

// send performs one exchange and reads the whole body.
func (c *Client) send(req *http.Request, call Call, line func() string, scrub Scrubber) (int, http.Header, []byte, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return 0, nil, nil, scrub.Error(e)
		}
		return 0, nil, nil, scrub.Error(FromCause(c.system, call.Operation, line(), err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := readBody(resp, maxResponse+1)
	if err != nil {
		return 0, nil, nil, scrub.Error(FromCause(c.system, call.Operation, line(), err))
	}
	if len(data) > maxResponse {
		return 0, nil, nil, scrub.Error(BadResponse(c.system, call.Operation, line(),
			fmt.Errorf("the body exceeds %d bytes", maxResponse)))
	}
	return resp.StatusCode, resp.Header, data, nil
}

func scrubErr(scrub Scrubber, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return scrub.Error(e)
	}
	return &scrubbedError{msg: scrub.String(err.Error()), cause: errors.Unwrap(err)}
}

func bodyReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// readBody reads at most limit bytes of the body, into one allocation of
// the announced length when there is one (io.ReadAll grows from 512 bytes).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n >= limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit))
	}
	// One byte more than announced, so that the read sees the end.
	buf := make([]byte, n+1)
	got, err := io.ReadFull(resp.Body, buf)
	switch {
	case int64(got) == n && (err == io.EOF || err == io.ErrUnexpectedEOF):
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(io.LimitReader(resp.Body, limit-n-1))
	return append(buf, rest...), err
}
