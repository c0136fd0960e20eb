package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/text"
)

// classify turns what go-openai returned into the shared *connector.Error,
// scrubbed. go-openai hides response headers from its errors, so the
// status and headers come from meta, which the transport filled in.
func (c *Client) classify(op, line string, err error, meta *connector.ResponseMeta) error {
	status, header := meta.Last()
	var (
		e       *connector.Error
		ce      *connector.Error
		apiErr  *goopenai.APIError
		reqErr  *goopenai.RequestError
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &ce): // the transport's own verdict (limiter, timeout, network)
		cp := *ce
		e = &cp
		e.Operation, e.Request = op, line
	case errors.As(err, &apiErr):
		e = fromStatus(op, line, apiErr.HTTPStatusCode, status, header, apiDetail(apiErr))
	case errors.As(err, &reqErr): // an error body that is not OpenAI's JSON: its text is not kept
		e = fromStatus(op, line, reqErr.HTTPStatusCode, status, header, connector.ErrorDetail{})
	case status >= 200 && status < 300 && (errors.As(err, &syntax) || errors.As(err, &typeErr)):
		e = connector.BadResponse(System, op, line, errors.New("the body is not a chat completion"))
	case status == 0 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		// go-openai refused the request before sending it (model or
		// parameters it knows to be invalid); its messages hold no data.
		e = &connector.Error{System: System, Operation: op, Request: line, Class: connector.Permanent,
			Kind: connector.KindInvalidConfig, Message: err.Error()}
	default: // a body cut short, a dropped connection, the caller's context
		e = connector.FromCause(System, op, line, err)
	}
	e.Message = redactKeys(e.Message)
	for k, vs := range e.FieldErrors {
		for i := range vs {
			vs[i] = redactKeys(vs[i])
		}
		e.FieldErrors[k] = vs
	}
	return c.scrub.Error(e)
}

// fromStatus classifies a failed response with the shared table, then
// adds what OpenAI's headers and codes say beyond it.
func fromStatus(op, line string, code, seen int, header http.Header, d connector.ErrorDetail) *connector.Error {
	if seen != code {
		header = nil // the headers belong to another response
	}
	e := connector.FromStatus(connector.StatusInfo{System: System, Operation: op, Request: line,
		StatusCode: code, Header: header, Detail: d})
	if e.Kind == connector.KindRateLimited && e.RetryAfter == 0 {
		e.RetryAfter = resetDelay(header)
	}
	if hint := hints[e.Kind]; hint != "" {
		e.Message = strings.TrimSpace(e.Message + " " + hint)
	}
	return e
}

// hints say what to do where the vendor's message does not.
var hints = map[connector.Kind]string{
	connector.KindUnauthorized:  "(check apiKey and organization in the credentials Secret)",
	connector.KindForbidden:     "(the key's project or organization lacks access to this model or endpoint)",
	connector.KindQuotaExceeded: "(add credit or raise the usage limit of the account; waiting does not help)",
	connector.KindNotFound:      "(check the endpoint and openAI.model, or the Azure deployment and apiVersion)",
}

// apiDetail reads go-openai's APIError: code (a string, or a number on
// some Azure errors), falling back to type; param as a field error.
func apiDetail(a *goopenai.APIError) connector.ErrorDetail {
	d := connector.ErrorDetail{Message: clip(a.Message), Code: a.Type}
	switch code := a.Code.(type) {
	case string:
		if code != "" {
			d.Code = code
		}
	case int:
		if code != 0 { // go-openai reads "code": null as 0
			d.Code = strconv.Itoa(code)
		}
	}
	if a.Param != nil && *a.Param != "" && d.Message != "" {
		d.FieldErrors = map[string][]string{*a.Param: {d.Message}}
	}
	return d
}

// maxRetryAfter bounds a delay read from rate-limit headers.
const maxRetryAfter = 24 * time.Hour

// resetDelay is the wait a 429 without Retry-After implies: retry-after-ms,
// else x-ratelimit-reset-requests ("6m0s", "1s", "20ms"), or the tokens
// reset when the token budget is the one exhausted, whichever is longer.
func resetDelay(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("retry-after-ms")), 64); err == nil && ms > 0 {
		return min(time.Duration(ms*float64(time.Millisecond)), maxRetryAfter)
	}
	d := parseReset(h.Get("x-ratelimit-reset-requests"))
	if strings.TrimSpace(h.Get("x-ratelimit-remaining-tokens")) == "0" {
		d = max(d, parseReset(h.Get("x-ratelimit-reset-tokens")))
	}
	return min(d, maxRetryAfter)
}

func parseReset(v string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// keyLike matches OpenAI keys, which OpenAI's 401 message quotes partly
// masked ("Incorrect API key provided: sk-abc*****wxyz").
var keyLike = regexp.MustCompile(`\bsk-[A-Za-z0-9_*\-]{3,}`)

func redactKeys(s string) string { return keyLike.ReplaceAllString(s, connector.Redacted) }

// maxMessage caps a vendor message kept in an error, as the shared parser does.
const maxMessage = 512

func clip(s string) string { return text.Truncate(strings.TrimSpace(s), maxMessage+len(text.Ellipsis)) }
